#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and runs one node on the embedded defaults
# (in-memory state, mesh media, demo page at http://localhost:8080/). Any setting comes from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/node-packages.sh
# A built checkout starts at once: the build (about half a minute of tsc) runs only when something it
# reads is newer than its output, or there is no output yet.
if [ ! -f dist/main.js ] || [ ! -f dist/public/demo.js ] ||
  [ -n "$(find src scripts/build-demo.mjs tsconfig.json tsconfig.build.json package.json package-lock.json -newer dist/main.js -print -quit 2>/dev/null)" ]; then
  npm run --silent build
fi
exec node dist/main.js
