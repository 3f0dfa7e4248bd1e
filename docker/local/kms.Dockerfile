# Kurento Media Server 7.3.1 built from source against stock Debian 12 (../shared/kms, see its README),
# for machines where the official `kurento/kurento-media-server` image cannot be pulled. The context is
# prepared by scripts/container-engine.sh: the tarball, runtime-packages.txt, kms-entrypoint.sh and
# kms-SdpEndpoint.conf.json.
ARG BASE_IMAGE=rtc-local/debian:bookworm
FROM ${BASE_IMAGE}
COPY runtime-packages.txt /tmp/kms-runtime-packages.txt
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(cat /tmp/kms-runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/kms-runtime-packages.txt \
 && useradd --system --home-dir /opt/kms --shell /usr/sbin/nologin kurento
ADD kms-7.3.1-dev-debian12-amd64.tar.xz /opt/
COPY kms-entrypoint.sh /usr/local/bin/kms-entrypoint.sh
# Video codecs offered: VP8 and H264, the ones browsers publish, so KMS forwards rather than transcodes.
# The tarball's list puts H265, AV1 and VP9 first; Chromium subscribers then chose AV1 and received no
# video at all (audio flowed), measured through docker/docker-compose.yml.
COPY kms-SdpEndpoint.conf.json /opt/kms/etc/kurento/modules/kurento/SdpEndpoint.conf.json
# The entry point writes the port range and ICE settings into the modules' .ini files at start.
RUN chown -R kurento /opt/kms/etc/kurento/modules/kurento
USER kurento
ENV ADDRESS=0.0.0.0 PORT=8888 RUNDIR=/tmp/kms
EXPOSE 8888
ENTRYPOINT ["/usr/local/bin/kms-entrypoint.sh"]
