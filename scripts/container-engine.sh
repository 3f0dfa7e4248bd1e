#!/usr/bin/env bash
# The container engine for the tests, on machines like ours where no image registry answers.
#
#   container-engine.sh up [RUN_PID]    an engine answering, and the images the tests use, built or pulled
#   container-engine.sh down [RUN_PID]  the run RUN_PID is done: its test containers go, and the engine
#                                       stops if this script started it and no other run still uses it
#   container-engine.sh status          prints the state file the fixtures read
#   container-engine.sh env             export lines for scripts that start containers themselves
#                                       (eval "$(bash scripts/container-engine.sh env)")
#
# `up` uses an engine that already answers (`docker info`). Otherwise, as root, it installs Debian's
# docker.io and debootstrap and starts dockerd itself, on a socket of its own ($run_dir/docker.sock, not
# the default one): only runs that went through `up` (and `env`) see it, so other tooling on a shared
# machine goes on finding no engine, as before. Where none can be had (not root, no packages, the
# daemon does not start) it says so once and exits 0: the fixtures then use the Debian services and the
# container tests are skipped with that reason. An image that fails to build fails `up`.
#
# Images (cached by tag; rebuilt only when their recipe changes, see the rtc.recipe label):
#   where a registry answers: the official redis:7, node:24-bookworm-slim and coturn/coturn:4.6;
#   elsewhere, built here from a debootstrapped Debian 12 (rtc-local/debian:bookworm) by docker/local/*;
#   KMS from ../shared/kms's tarball when it is there (the official image otherwise, where it can be pulled).
# The fixtures read .tmp/container-engine/state (key=value lines) to find them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
state_dir=$repo/.tmp/container-engine
state_file=$state_dir/state
# Machine-wide bookkeeping: several checkouts on one machine share one engine (one dockerd per host).
run_dir=${RTC_ENGINE_RUN_DIR:-/run/rtc-container-engine}
kms_dir=${KMS_DIR:-$repo/../shared/kms}
kms_tarball=kms-7.3.1-dev-debian12-amd64.tar.xz

own_socket=$run_dir/docker.sock
say() { echo "[container-engine] $*"; }
engine_answers() { timeout 10 docker info >/dev/null 2>&1; }
elapsed() { echo $(( $(date +%s) - $1 )); }

lock() {
  mkdir -p "$run_dir/users" 2>/dev/null || { run_dir=/tmp/rtc-container-engine-$(id -u); own_socket=$run_dir/docker.sock; mkdir -p "$run_dir/users"; }
  exec 9>"$run_dir/lock"
  flock 9
}

# The dockerd an earlier `up` started is alive: use it (DOCKER_HOST for every docker command below).
own_engine_alive() {
  [ -f "$run_dir/dockerd.pid" ] && kill -0 "$(cat "$run_dir/dockerd.pid")" 2>/dev/null || return 1
  export DOCKER_HOST=unix://$own_socket
}

live_users() {
  local f
  for f in "$run_dir"/users/*; do
    [ -e "$f" ] || continue
    if kill -0 "$(basename "$f")" 2>/dev/null; then echo "$(basename "$f")"; else rm -f "$f"; fi
  done
}

write_state() {
  mkdir -p "$state_dir"
  printf '%s\n' "$@" > "$state_file.new"
  mv "$state_file.new" "$state_file"
}

unavailable() {
  say "no container engine: $1"
  say "fixtures use the Debian services (redis-server) instead, and the image, compose, Kubernetes-in-engine and KMS container tests are skipped"
  write_state "state=unavailable" "reason=$1"
  exit 0
}

install_packages() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
  [ ${#need[@]} -eq 0 ] && return 0
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

start_dockerd() {
  local log=$state_dir/dockerd.log
  mkdir -p "$state_dir"
  # --ip: published ports bind to loopback unless a binding names another address, so nothing a test
  # starts is reachable from the network. setsid: a Ctrl-C in the terminal reaches the tests, not the
  # daemon, so `down` can still remove their containers before stopping it.
  setsid dockerd -H "unix://$own_socket" --ip 127.0.0.1 --shutdown-timeout 5 >"$log" 2>&1 </dev/null 9>&- &
  echo $! > "$run_dir/dockerd.pid"
  export DOCKER_HOST=unix://$own_socket
  local deadline=$(( $(date +%s) + 60 ))
  until engine_answers; do
    if ! kill -0 "$(cat "$run_dir/dockerd.pid")" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
      tail -5 "$log" | sed 's/^/  dockerd: /'
      kill "$(cat "$run_dir/dockerd.pid")" 2>/dev/null || true
      rm -f "$run_dir/dockerd.pid"
      return 1
    fi
    sleep 0.2
  done
}

debian_mirror() {
  local url
  url=$(grep -rhoE '^(URIs:|deb)[[:space:]]+https?://[^[:space:]]+/debian/?([[:space:]]|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | awk '{print $2}' | head -1)
  echo "${url:-http://deb.debian.org/debian}"
}

recipe_of() { cat "$@" | sha256sum | cut -c1-16; }
image_recipe() { docker image inspect --format '{{ index .Config.Labels "rtc.recipe" }}' "$1" 2>/dev/null || true; }

build_debian_base() {
  local tag=rtc-local/debian:bookworm mirror recipe
  mirror=$(debian_mirror)
  recipe=$(echo "debootstrap minbase bookworm $mirror v1" | sha256sum | cut -c1-16)
  [ "$(image_recipe "$tag")" = "$recipe" ] && return 0
  local started rootfs stale
  started=$(date +%s)
  # What an interrupted debootstrap left (under the lock, so no other build is using it).
  for stale in /var/tmp/rtc-debian-rootfs.*; do
    [ -d "$stale" ] || continue
    grep -o " $stale/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf "$stale"
  done
  rootfs=$(mktemp -d /var/tmp/rtc-debian-rootfs.XXXXXX)
  say "building $tag with debootstrap from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$state_dir/debootstrap.log" 2>&1 \
    || { tail -5 "$state_dir/debootstrap.log"; rm -rf "$rootfs"; return 1; }
  local security=${mirror%/debian}/debian-security
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' "$mirror" "$mirror" "$security" \
    > "$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL rtc.recipe=$recipe" --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' - "$tag" >/dev/null
  rm -rf "$rootfs"
  say "built $tag in $(elapsed "$started") s ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}'))"
}

# build TAG CONTEXT DOCKERFILE RECIPE: docker build unless TAG already carries RECIPE.
build() {
  local tag=$1 context=$2 dockerfile=$3 recipe=$4 started
  [ "$(image_recipe "$tag")" = "$recipe" ] && return 0
  started=$(date +%s)
  say "building $tag"
  docker build -q --label "rtc.recipe=$recipe" -f "$dockerfile" -t "$tag" "$context" >"$state_dir/build-${tag//[\/:]/-}.log" 2>&1 \
    || { tail -20 "$state_dir/build-${tag//[\/:]/-}.log"; return 1; }
  say "built $tag in $(elapsed "$started") s ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}'))"
}

build_node_base() {
  local node
  node=$(bash scripts/node24.sh)
  local ctx=$state_dir/context/node npm_dir
  npm_dir=$(npm root -g)/npm
  local recipe
  recipe=$(recipe_of docker/local/node.Dockerfile <("$node" --version) <(npm --version))
  [ "$(image_recipe rtc-local/node:24)" = "$recipe" ] && return 0
  rm -rf "$ctx" && mkdir -p "$ctx/node/bin" "$ctx/node/include"
  cp "$node" "$ctx/node/bin/node"
  cp -r "$(dirname "$node")/../include/node" "$ctx/node/include/node"
  cp -r "$npm_dir" "$ctx/npm"
  build rtc-local/node:24 "$ctx" docker/local/node.Dockerfile "$recipe"
  rm -rf "$ctx"
}

build_kms() {
  local ctx=$state_dir/context/kms recipe
  recipe=$(recipe_of docker/local/kms.Dockerfile docker/local/kms-entrypoint.sh docker/local/kms-SdpEndpoint.conf.json \
    "$kms_dir/runtime-packages.txt" "$kms_dir/$kms_tarball")
  [ "$(image_recipe rtc-local/kms:7.3.1)" = "$recipe" ] && return 0
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$kms_dir/$kms_tarball" "$kms_dir/runtime-packages.txt" docker/local/kms-entrypoint.sh docker/local/kms-SdpEndpoint.conf.json "$ctx/"
  build rtc-local/kms:7.3.1 "$ctx" docker/local/kms.Dockerfile "$recipe"
  rm -rf "$ctx"
}

# Pulls IMAGE where a registry answers; false at once where the registry's name does not even resolve.
pulled() {
  docker image inspect "$1" >/dev/null 2>&1 && return 0
  getent hosts registry-1.docker.io >/dev/null 2>&1 || return 1
  timeout 300 docker pull -q "$1" >/dev/null 2>&1
}

up() {
  local owner=${1:-$PPID} started engine
  lock
  touch "$run_dir/users/$owner"
  started=$(date +%s)
  if own_engine_alive && engine_answers; then
    engine=started  # by an earlier `up` (another run still using it, or one that was killed)
  elif engine_answers; then
    engine=present
  elif [ "$(id -u)" -ne 0 ]; then
    rm -f "$run_dir/users/$owner"
    unavailable "none answers and starting one needs root (install Docker or Podman and run its daemon)"
  else
    install_packages || { rm -f "$run_dir/users/$owner"; unavailable "the docker.io/debootstrap packages could not be installed"; }
    start_dockerd || { rm -f "$run_dir/users/$owner"; unavailable "dockerd did not start (log: $state_dir/dockerd.log)"; }
    engine=started
    say "dockerd started in $(elapsed "$started") s (packages included)"
  fi
  command -v docker-compose >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && install_packages || true; }
  mkdir -p "$state_dir"
  local images_started redis node coturn kms ryuk=on
  images_started=$(date +%s)
  redis=redis:7 node=node:24-bookworm-slim coturn=coturn/coturn:4.6 kms=
  if ! pulled "$redis" || ! pulled "$node" || ! pulled "$coturn"; then
    # No registry: Testcontainers' reaper image cannot be pulled either; `down` removes what the tests left.
    ryuk=off
    if [ "$(id -u)" -ne 0 ] && ! docker image inspect rtc-local/debian:bookworm >/dev/null 2>&1; then
      rm -f "$run_dir/users/$owner"
      unavailable "no image registry answers, and building the local Debian base (debootstrap) needs root"
    fi
    build_debian_base
    redis=rtc-local/redis:7.0 node=rtc-local/node:24 coturn=rtc-local/coturn:4.6
    build "$redis" docker/local docker/local/redis.Dockerfile "$(recipe_of docker/local/redis.Dockerfile)"
    build "$coturn" docker/local docker/local/coturn.Dockerfile "$(recipe_of docker/local/coturn.Dockerfile)"
    build_node_base
  fi
  if [ -f "$kms_dir/$kms_tarball" ]; then
    [ "$ryuk" = on ] && build_debian_base
    build_kms
    kms=rtc-local/kms:7.3.1
  elif pulled kurento/kurento-media-server:7.0.0; then
    kms=kurento/kurento-media-server:7.0.0
  else
    say "no KMS image: $kms_dir/$kms_tarball is missing and no registry answers; the KMS container tests are skipped"
  fi
  say "engine $engine; images ready in $(elapsed "$images_started") s: redis=$redis node=$node coturn=$coturn kms=${kms:-none}"
  # host: where published ports are reached. A dockerd started here binds them to loopback, and
  # Testcontainers would guess the bridge gateway on a machine that is itself a container (/.dockerenv).
  local host=
  [ "$engine" = started ] && host=127.0.0.1
  write_state "state=ready" "engine=$engine" "docker_host=${DOCKER_HOST:-}" "host=$host" "ryuk=$ryuk" "redis=$redis" "node=$node" "coturn=$coturn" "kms=$kms" \
    "compose=$(command -v docker-compose || true)"
}

down() {
  local owner=${1:-$PPID} others
  lock
  rm -f "$run_dir/users/$owner"
  others=$(live_users | wc -l)
  if [ "$others" -gt 0 ]; then
    say "engine left running: $others other run(s) use it"
    return 0
  fi
  own_engine_alive || true
  if engine_answers; then
    # What the tests left (a killed test process, say): everything carries the rtc-signaling.test label.
    # On an engine this script started, any Testcontainers leftover is ours too (no reaper runs there).
    local filters=(rtc-signaling.test=true) ids
    [ -f "$run_dir/dockerd.pid" ] && filters+=(org.testcontainers=true)
    for f in "${filters[@]}"; do
      ids=$(docker ps -aq --filter "label=$f")
      [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
      ids=$(docker network ls -q --filter "label=$f")
      [ -z "$ids" ] || docker network rm $ids >/dev/null 2>&1 || true
      ids=$(docker volume ls -q --filter "label=$f")
      [ -z "$ids" ] || docker volume rm $ids >/dev/null 2>&1 || true
    done
  fi
  if [ -f "$run_dir/dockerd.pid" ]; then
    local pid
    pid=$(cat "$run_dir/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && { say "dockerd did not stop within 30 s; killing it"; kill -KILL "$pid"; }
      say "dockerd stopped"
    fi
    rm -f "$run_dir/dockerd.pid"
  fi
  [ -f "$state_file" ] && write_state "state=stopped"
  return 0
}

# What Testcontainers needs to know about a local engine, for scripts outside the test fixtures (the
# fixtures read the state file themselves: test/support/containers/engine-state.cjs).
env_lines() {
  [ "$(sed -n 's/^state=//p' "$state_file" 2>/dev/null)" = ready ] || return 0
  local host kms ryuk docker_host
  host=$(sed -n 's/^host=//p' "$state_file") kms=$(sed -n 's/^kms=//p' "$state_file") ryuk=$(sed -n 's/^ryuk=//p' "$state_file")
  docker_host=$(sed -n 's/^docker_host=//p' "$state_file")
  [ -n "$docker_host" ] && echo "export DOCKER_HOST=$docker_host"
  [ "$ryuk" = off ] && echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  [ -n "$host" ] && echo "export TESTCONTAINERS_HOST_OVERRIDE=$host"
  [ -n "$kms" ] && echo "export KMS_IMAGE=\${KMS_IMAGE:-$kms}"
  return 0
}

case "${1:-}" in
  up) up "${2:-}" ;;
  env) env_lines ;;
  down) down "${2:-}" ;;
  status) cat "$state_file" 2>/dev/null || echo "state=unknown" ;;
  *) echo "usage: $0 up|down|status|env [RUN_PID]" >&2; exit 2 ;;
esac
