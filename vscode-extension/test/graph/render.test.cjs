// The bundled Graphviz build (media/viz-global.js, copied by esbuild.mjs) draws the DOT text that
// `jengine graph welcome --format dot` prints (test/graph/welcome.dot; a Python test keeps that
// file equal to the CLI's output). Run by ci.sh after the build: node test/graph/render.test.cjs
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const Viz = require(path.join(__dirname, '..', '..', 'media', 'viz-global.js'));
const dot = fs.readFileSync(path.join(__dirname, 'welcome.dot'), 'utf8');

Viz.instance().then((viz) => {
  const svg = viz.renderString(dot, { format: 'svg' });
  assert.match(svg, /^<\?xml|<svg/);
  const nodes = (svg.match(/class="node"/g) || []).length;
  const edges = (svg.match(/class="edge"/g) || []).length;
  assert.ok(nodes >= 9, `expected the welcome journey's steps as nodes, got ${nodes}`);
  assert.ok(edges >= 9, `expected the welcome journey's transitions as edges, got ${edges}`);
  for (const step of ['hello', 'pause', 'engaged', 'reminder', 'react', 'tips', 'vipTips', 'done']) {
    assert.ok(svg.includes(`>${step}`) || svg.includes(step), `step ${step} missing from the SVG`);
  }
  console.log(`graph rendered without system Graphviz: ${nodes} nodes, ${edges} edges`);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
