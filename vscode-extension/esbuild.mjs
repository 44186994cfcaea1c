// Bundles src/extension.ts (and vscode-languageclient) into dist/extension.js, and copies the
// Graphviz WebAssembly build (@viz-js/viz, pinned in package.json) the graph panel loads.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('media', { recursive: true });
copyFileSync('node_modules/@viz-js/viz/dist/viz-global.js', 'media/viz-global.js');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  sourcesContent: false,
  logLevel: 'info',
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
