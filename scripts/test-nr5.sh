#!/usr/bin/env bash
# Runs the node suites (built by `npm test` / `npm run build`) on Node-RED 5 under Node 24.
# Node-RED 5 refuses Node 20, so both come from the npm registry: node-red@5 into .ci/nr5, Node 24 through `npx -p node@24`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d dist/test ] || npm run build
NR5_DIR=.ci/nr5
if [ ! -f "$NR5_DIR/node_modules/node-red/package.json" ]; then
  mkdir -p "$NR5_DIR"
  echo '{"name":"nr5-leg","private":true}' > "$NR5_DIR/package.json"
  npm install --prefix "$NR5_DIR" --no-audit --no-fund --no-save node-red@5 >/dev/null
fi
export NODE_RED_PATH="$PWD/$NR5_DIR/node_modules/node-red/lib/red.js"
echo "Node-RED $(node -p "require('./$NR5_DIR/node_modules/node-red/package.json').version") from $NR5_DIR"
npx -y -p node@24 -- node --no-warnings node_modules/mocha/bin/mocha.js --no-config --timeout 20000 --exit "${@:-dist/test/nodes/**/*.test.js}"
