#!/bin/sh
# Takes the settings the official kurento/kurento-media-server image takes (KMS_MIN_PORT, KMS_MAX_PORT,
# KMS_EXTERNAL_IPV4, KMS_EXTERNAL_IPV6, KMS_NETWORK_INTERFACES, KMS_STUN_IP, KMS_STUN_PORT, KMS_TURN_URL,
# KMS_ICE_TCP), so one compose file runs either image, then starts KMS through the tarball's launcher.
set -eu
modules=/opt/kms/etc/kurento/modules/kurento

# key=value in an .ini file: drop any earlier value of the key, then append the new one on a line of its
# own (the shipped files do not all end with a newline).
set_ini() {
  sed -i "/^$2=/d" "$modules/$1"
  [ -z "$(tail -c1 "$modules/$1")" ] || echo >> "$modules/$1"
  printf '%s=%s\n' "$2" "$3" >> "$modules/$1"
}

[ -n "${KMS_MIN_PORT:-}" ] && set_ini BaseRtpEndpoint.conf.ini minPort "$KMS_MIN_PORT"
[ -n "${KMS_MAX_PORT:-}" ] && set_ini BaseRtpEndpoint.conf.ini maxPort "$KMS_MAX_PORT"
[ -n "${KMS_EXTERNAL_IPV4:-}" ] && set_ini WebRtcEndpoint.conf.ini externalIPv4 "$KMS_EXTERNAL_IPV4"
[ -n "${KMS_EXTERNAL_IPV6:-}" ] && set_ini WebRtcEndpoint.conf.ini externalIPv6 "$KMS_EXTERNAL_IPV6"
[ -n "${KMS_NETWORK_INTERFACES:-}" ] && set_ini WebRtcEndpoint.conf.ini networkInterfaces "$KMS_NETWORK_INTERFACES"
[ -n "${KMS_STUN_IP:-}" ] && set_ini WebRtcEndpoint.conf.ini stunServerAddress "$KMS_STUN_IP"
[ -n "${KMS_STUN_PORT:-}" ] && set_ini WebRtcEndpoint.conf.ini stunServerPort "$KMS_STUN_PORT"
[ -n "${KMS_TURN_URL:-}" ] && set_ini WebRtcEndpoint.conf.ini turnURL "$KMS_TURN_URL"
[ -n "${KMS_ICE_TCP:-}" ] && set_ini WebRtcEndpoint.conf.ini iceTcp "$KMS_ICE_TCP"

exec /opt/kms/run-kms.sh "$@"
