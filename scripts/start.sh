#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and runs one node on the embedded defaults
# (in-memory state, mesh media, demo page at http://localhost:8080/). Any setting comes from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/node-packages.sh
npm run --silent build
exec node dist/main.js
