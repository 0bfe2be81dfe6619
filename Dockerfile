# syntax=docker/dockerfile:1
# Portcullis: compiled in a build stage, run from a slim non-root stage holding only what serving needs.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 falls back to compiling when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY protos ./protos
COPY src ./src
# `npm ci` runs the `prepare` script (tsc); then the dev dependencies go.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/bin ./bin
COPY --from=build /src/protos ./protos
# The example policy and its files; mount another folder over /etc/portcullis to serve your own.
COPY envoy/ /etc/portcullis/
RUN ln -s /app/bin/portcullis.js /usr/local/bin/portcullis \
 && mkdir -p /etc/portcullis/data \
 && chown node:node /etc/portcullis/data
USER node
# 9191 gRPC (ext_authz, RateLimitService, health), 9193 HTTP authorization; the admin port 9192 stays on loopback.
EXPOSE 9191 9193
VOLUME ["/etc/portcullis/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9192/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/portcullis.js"]
CMD ["serve", "--config", "/etc/portcullis/portcullis.yaml"]
