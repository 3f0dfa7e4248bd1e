#!/usr/bin/env bash
# Prints the settings of the compose stack (docker/docker-compose.yml) as an env file, with the media and
# relay port ranges sized for the rooms it is to carry and fresh secrets:
#
#   bash docker/stack-env.sh --public-ip 203.0.113.10 --public-url wss://rtc.example.com/rtc/websocket \
#        [--room-capacity 25] [--rooms 1] [--media-min-port 40000] [--relay-min-port 49160] > docker/.env
#
# Sizing: with an SFU each participant of a room of N publishes once and receives the N-1 others, so a
# full room holds N + N(N-1) = N^2 WebRtcEndpoints in KMS. Each takes two UDP ports: KMS 7.3 (libnice)
# gathers an RTP and an RTCP component even when the browser bundles and multiplexes RTCP (measured with
# the real KMS; ICE-TCP is off). coturn takes one relay port per relayed peer connection (browsers
# multiplex RTCP, so one component), and in the worst case every client relays everything: N^2 per room.
set -euo pipefail

public_ip= public_url= capacity=25 rooms=1 media_min=40000 relay_min=49160
while [ $# -gt 0 ]; do
  case "$1" in
    --public-ip) public_ip=$2; shift 2 ;;
    --public-url) public_url=$2; shift 2 ;;
    --room-capacity) capacity=$2; shift 2 ;;
    --rooms) rooms=$2; shift 2 ;;
    --media-min-port) media_min=$2; shift 2 ;;
    --relay-min-port) relay_min=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
fail() { echo "stack-env: $*" >&2; exit 2; }
[ -n "$public_ip" ] || fail "--public-ip is required: the address browsers reach this host on"
[ -n "$public_url" ] || fail "--public-url is required: the WebSocket URL browsers use (wss://host/rtc/websocket)"
for n in "$capacity" "$rooms" "$media_min" "$relay_min"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || fail "not a positive whole number: $n"; done

endpoints=$(( rooms * capacity * capacity ))
media_max=$(( media_min + 2 * endpoints - 1 ))
relay_max=$(( relay_min + endpoints - 1 ))
[ "$media_max" -le 65535 ] && [ "$relay_max" -le 65535 ] || fail "$(( 2 * endpoints )) media and $endpoints relay ports do not fit below 65536; lower --rooms or the start ports"
[ "$media_max" -lt "$relay_min" ] || [ "$relay_max" -lt "$media_min" ] || fail "the media ($media_min-$media_max) and relay ($relay_min-$relay_max) ranges overlap"
secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

cat <<ENV
# docker/stack-env.sh --public-ip $public_ip --public-url $public_url --room-capacity $capacity --rooms $rooms
PUBLIC_IP=$public_ip
PUBLIC_URL=$public_url
ROOM_CAPACITY=$capacity
ROOMS=$rooms
# $rooms room(s) of $capacity: $endpoints WebRtcEndpoints at most, two UDP ports each.
MEDIA_MIN_PORT=$media_min
MEDIA_MAX_PORT=$media_max
# One relay port per relayed peer connection, every client relaying: $endpoints.
RELAY_MIN_PORT=$relay_min
RELAY_MAX_PORT=$relay_max
TURN_SECRET=$(secret)
AUTH=jwt
AUTH_JWT_SECRET=$(secret)
AUTH_JWT_AUDIENCE=rtc-signaling
ENV
