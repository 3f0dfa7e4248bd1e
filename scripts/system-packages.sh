#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (redis-server, janus, chromium, coturn, and a
# compiler for janode's native unix-dgram) when they are missing. Needs root; otherwise names them.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v janus >/dev/null 2>&1 || need+=(janus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]}" >&2
  echo "install them (sudo apt-get install ${need[*]}) or run this as root" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-liberation >/dev/null
