// Every keyword of grammar/journey.lark is highlighted as a keyword by the TextMate grammar.
// keywords.json lists where the parser reads a keyword in keywords.journey (a Python test,
// tests/jengine/lsp/test_keywords.py, keeps it equal to what the Lark grammar reads there, and
// requires every keyword of the grammar to occur). This test tokenizes keywords.journey with
// syntaxes/journey.tmLanguage.json and requires a keyword-like scope at each occurrence.
// Run by ci.sh: node test/keywords/keywords.test.cjs
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');

const root = path.join(__dirname, '..', '..');
const GRAMMARS = {
  'source.journey': path.join(root, 'syntaxes', 'journey.tmLanguage.json'),
  'source.jexpr': path.join(root, 'syntaxes', 'jexpr.tmLanguage.json'),
};
// The innermost scope of a keyword starts with one of these (storage.type for declaration
// words, support.type for field types, support.constant for GET/POST/PUT, constant.language for
// weekdays, support.function for secret(…)).
const KEYWORD_SCOPES = ['keyword.', 'storage.', 'support.type.', 'support.constant.',
  'support.function.', 'constant.language.'];

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')),
    'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => GRAMMARS[scope]
      ? textmate.parseRawGrammar(fs.readFileSync(GRAMMARS[scope], 'utf8'), GRAMMARS[scope])
      : null,
  });
  const grammar = await registry.loadGrammar('source.journey');
  const lines = fs.readFileSync(path.join(__dirname, 'keywords.journey'), 'utf8').split('\n');
  const golden = JSON.parse(fs.readFileSync(path.join(__dirname, 'keywords.json'), 'utf8'));
  const tokens = [];
  let state = textmate.INITIAL;
  for (const line of lines) {
    const result = grammar.tokenizeLine(line, state);
    tokens.push(result.tokens);
    state = result.ruleStack;
  }
  const wrong = [];
  const seen = new Set();
  for (const [line, column, word] of golden.occurrences) {
    const token = tokens[line].find((t) => t.startIndex <= column && column < t.endIndex);
    const scope = token ? token.scopes[token.scopes.length - 1] : '(none)';
    const text = lines[line].slice(column, column + word.length);
    assert.equal(text, word, `keywords.json is stale at ${line + 1}:${column + 1}`);
    if (!KEYWORD_SCOPES.some((p) => scope.startsWith(p))) {
      wrong.push(`${line + 1}:${column + 1} ${word} is ${scope}`);
    } else {
      seen.add(word);
    }
  }
  assert.deepEqual(wrong, [], `not highlighted as keywords:\n${wrong.join('\n')}`);
  const unseen = golden.keywords.filter((k) => !seen.has(k));
  assert.deepEqual(unseen, [], 'keywords never highlighted');
  console.log(`TextMate grammar: ${golden.keywords.length} keywords highlighted at ` +
    `${golden.occurrences.length} places`);
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
