#!/usr/bin/env bash
# The real Kurento Media Server the tests run against, on this host (docs/kurento.md, "The real KMS in the tests").
#
#   bash scripts/kms.sh prepare        installs KMS's runtime packages when missing (as root; otherwise names
#                                      them and fails), unpacks the KMS tarball once into .tmp/kms, and prints
#                                      the unpacked prefix (the directory holding run-kms.sh)
#   bash scripts/kms.sh run PORT       prepares, then runs KMS in the foreground on 127.0.0.1:PORT
#                                      (ws://127.0.0.1:PORT/kurento); logs "Kurento Media Server started"
#                                      on stderr when ready; stops on SIGTERM/SIGKILL like any process.
#                                      Only errors are logged (GST_DEBUG overrides): at warning level a call
#                                      writes hundreds of lines a second, and a reader that falls behind
#                                      would block KMS on a full pipe.
#
# The KMS folder is $KMS_DIR, else <repo>/../shared/kms (CI places its clone beside shared/). When neither
# holds the tarball this fails loudly: the real-KMS suite never skips.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.tmp/kms"

fail() {
  echo "kms.sh: $*" >&2
  exit 1
}

locate() {
  local dir="${KMS_DIR:-$root/../shared/kms}"
  [ -d "$dir" ] || fail "no KMS folder at ${dir} (set KMS_DIR to the folder holding kms-*.tar.xz and runtime-packages.txt)"
  dir="$(cd "$dir" && pwd)"
  local tarballs=("$dir"/kms-*.tar.xz)
  [ -f "${tarballs[0]}" ] || fail "no kms-*.tar.xz in ${dir} (set KMS_DIR to the folder holding the KMS tarball)"
  [ -f "$dir/runtime-packages.txt" ] || fail "no runtime-packages.txt in ${dir}"
  kms_dir="$dir"
  tarball="${tarballs[0]}"
}

install_packages() {
  local missing=() pkg
  while read -r pkg; do
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done < <(sed 's/#.*//; s/[[:space:]]//g' "$kms_dir/runtime-packages.txt")
  # Unpacking the tarball needs xz, which a minimal Debian may lack.
  command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    fail "KMS runtime packages missing: ${missing[*]} — install them (sudo apt-get install --no-install-recommends ${missing[*]}) or run as root"
  fi
  echo "kms.sh: installing KMS runtime packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  local log="$root/.tmp/kms-apt.log"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "installing the KMS runtime packages failed (full log: ${log})"
  fi
}

# Unpacks once per tarball: the stamp holds the tarball's size and mtime, so a new tarball is unpacked anew.
unpack() {
  local stamp
  stamp="$(stat -c '%s %Y' "$tarball") $(basename "$tarball")"
  if [ -x "$cache/kms/run-kms.sh" ] && [ "$(cat "$cache/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  rm -rf "$cache.new"
  mkdir -p "$cache.new"
  tar -C "$cache.new" -xJf "$tarball"
  [ -x "$cache.new/kms/run-kms.sh" ] || fail "the tarball ${tarball} holds no kms/run-kms.sh"
  echo "$stamp" > "$cache.new/.stamp"
  rm -rf "$cache"
  mv "$cache.new" "$cache"
}

prepare() {
  locate
  mkdir -p "$root/.tmp"
  # Several test processes may prepare at once: one does the work, the others wait for it.
  exec 9>"$root/.tmp/kms.lock"
  flock 9
  install_packages
  unpack
  flock -u 9
  exec 9>&-
}

case "${1:-}" in
  prepare)
    prepare
    echo "$cache/kms"
    ;;
  run)
    port="${2:-}"
    [[ "$port" =~ ^[0-9]+$ ]] || fail "usage: kms.sh run PORT"
    prepare
    # A run directory per port: two KMS on one host must not share their config file (a port has one KMS).
    rundir="$root/.tmp/kms-run/$port"
    mkdir -p "$rundir"
    export PORT="$port" ADDRESS=127.0.0.1 RUNDIR="$rundir"
    export GST_DEBUG="${GST_DEBUG:-1,KurentoMediaServer:4}"
    exec "$cache/kms/run-kms.sh"
    ;;
  *)
    fail "usage: kms.sh prepare | run PORT"
    ;;
esac
