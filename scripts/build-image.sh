#!/usr/bin/env bash
# Builds the signaling server's image from docker/Dockerfile.
#
#   scripts/build-image.sh [--tag rtc-signaling] [--node-image IMAGE] [--node-deps registry|host] [--with-janus true|false]
#
# --node-deps registry (default) runs `npm ci` inside the build, as on any machine whose builds reach the
# npm registry. --node-deps host runs the same `npm ci` here on the host into docker/node-deps and
# copies the result in: on our machines the registry answers the host but not containers.
# The image is labelled with a digest of everything it is built from; an image already carrying that
# digest is reused as it is (nothing installed, nothing sent to the engine).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=rtc-signaling node_image= node_deps=registry with_janus=true
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --node-image) node_image=$2; shift 2 ;;
    --node-deps) node_deps=$2; shift 2 ;;
    --with-janus) with_janus=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$node_deps" in registry|host) ;; *) echo "--node-deps must be registry or host" >&2; exit 2 ;; esac

say() { echo "[build-image] $*"; }
args=(--build-arg "NODE_DEPS=$node_deps" --build-arg "WITH_JANUS=$with_janus")
[ -n "$node_image" ] && args+=(--build-arg "NODE_IMAGE=$node_image")

# One build at a time per checkout: the host mode fills docker/node-deps, which two builds would share.
mkdir -p .tmp
exec 8>.tmp/build-image.lock
flock 8

base_id=$(docker image inspect --format '{{.Id}}' "${node_image:-node:24-bookworm-slim}" 2>/dev/null || echo pull)
recipe=$( { printf '%s\n' "${args[@]}" "$base_id"
            git ls-files -co --exclude-standard -- docker/Dockerfile .dockerignore package.json package-lock.json .npmrc \
              tsconfig.json tsconfig.build.json scripts/build-demo.mjs scripts/demo-token.mjs src | sort | xargs sha256sum; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect --format '{{ index .Config.Labels "rtc.recipe" }}' "$tag" 2>/dev/null || true)" = "$recipe" ]; then
  say "$tag is up to date ($recipe)"
  exit 0
fi

started=$(date +%s)
cleanup() { rm -rf docker/node-deps/node_modules docker/node-deps/package.json docker/node-deps/package-lock.json docker/node-deps/.npmrc; }
trap cleanup EXIT
if [ "$node_deps" = host ]; then
  cleanup
  cp package.json package-lock.json .npmrc docker/node-deps/
  # --prefer-offline: what the npm cache holds is not asked of the registry again (the lockfile pins it).
  (cd docker/node-deps && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
  say "npm ci on the host: $(( $(date +%s) - started )) s"
fi
docker build -q -f docker/Dockerfile "${args[@]}" --label "rtc.recipe=$recipe" -t "$tag" . >/dev/null
size=$(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}')
say "built $tag ($node_deps deps, WITH_JANUS=$with_janus) in $(( $(date +%s) - started )) s: $size"
