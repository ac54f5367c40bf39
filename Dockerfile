# Slipway's server image: Node 20 on Debian, with git and the OpenSSH client tools plugins use.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client procps bsdextrautils python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/slipway
COPY package.json package-lock.json tsconfig.json ./
# `npm ci` runs the prepare script, which skips the build until src/ is copied in.
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY test ./test
COPY bin ./bin
COPY plugins ./plugins
RUN npm run build && npm prune --omit=dev
ENV SLIPWAY_HOME=/var/lib/slipway \
    SLIPWAY_KEYS_DIR=/var/lib/slipway/keys \
    SLIPWAY_SSH_LISTEN=0.0.0.0:2222 \
    SLIPWAY_HTTP_LISTEN=0.0.0.0:8080 \
    SLIPWAY_GIT_HTTP_LISTEN=0.0.0.0:8081 \
    PATH=/opt/slipway/bin:$PATH
VOLUME ["/var/lib/slipway"]
EXPOSE 2222 8080 8081
CMD ["node", "dist/src/cli.js", "serve"]
