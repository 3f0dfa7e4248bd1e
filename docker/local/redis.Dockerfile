# Redis from Debian's redis-server, for machines where no image registry answers (ours): the tests and
# the compose stack use it in place of the official `redis:7` image, with the same command line.
# Built by scripts/container-engine.sh; the official image is used wherever a registry answers.
ARG BASE_IMAGE=rtc-local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
# Like the official image: listen on every interface of the container, no protected mode (the network
# around the container is what guards it), persistence left to the command line.
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]
