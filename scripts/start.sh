#!/usr/bin/env bash
# `npm start`: runs one node on the embedded defaults (in-memory state, mesh media, the demo page), after
# installing and building only what changed since the last start. Any setting comes from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/node-packages.sh
# Rebuild when anything the build reads is newer than what it wrote last (the demo bundle), or there is
# no build yet.
last=dist/public/demo.js
if [ ! -f "$last" ] || [ ! -f dist/main.js ] \
  || [ -n "$(find src packages/client/src scripts/build-demo.mjs tsconfig.json tsconfig.build.json package-lock.json -type f -newer "$last" -print -quit)" ]; then
  echo "building..."
  npm run --silent build
fi

port=${PORT:-8080}
host=${HOST:-0.0.0.0}
case "$host" in 0.0.0.0|::) host=localhost ;; esac
case "$host" in *:*) host="[$host]" ;; esac
if [ "$port" != 0 ]; then
  # Said once the server listens, not before: a port already taken must not be announced as working.
  (
    for _ in $(seq 1 300); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "open http://$host:$port/ (the demo page: two tabs, same room)"
        exit 0
      fi
      sleep 0.1
    done
  ) &
fi
exec node dist/main.js
