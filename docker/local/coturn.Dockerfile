# coturn from Debian (4.6.1), for machines where no image registry answers: the compose stack uses it in
# place of `coturn/coturn:4.6`. Same entry point (turnserver) so the compose command line fits both.
ARG BASE_IMAGE=rtc-local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends coturn \
 && rm -rf /var/lib/apt/lists/*
USER turnserver
EXPOSE 3478/udp 3478/tcp
ENTRYPOINT ["turnserver"]
CMD ["-n", "--log-file=stdout", "--no-cli"]
