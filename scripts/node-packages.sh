#!/usr/bin/env bash
# Installs npm packages (npm install: `npm ci` fails on this registry mirror, see docs/toolchain.md)
# and builds the one native module we need. Install scripts are off in .npmrc: no dependency runs code at
# install time unless this script asks for it by name.
set -euo pipefail

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
if ! node -e "require('unix-dgram')" >/dev/null 2>&1; then
  # janode loads unix-dgram at import time even though we only use its WebSocket transport.
  headers=()
  [ -f /usr/include/node/node.h ] && headers=(--nodedir=/usr)
  npm rebuild unix-dgram --ignore-scripts=false "${headers[@]}" --loglevel=error
fi
