#!/usr/bin/env bash
# Builds, tests and packages the VS Code extension. Run from the project root:
#   bash vscode-extension/ci.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund
npm run build
npm run test:grammar
node test/keywords/keywords.test.cjs   # every keyword of grammar/journey.lark is highlighted
node test/graph/render.test.cjs   # the bundled Graphviz (WebAssembly) draws a journey
npx --no-install vsce package --out journey-language.vsix

ls -l journey-language.vsix
