# syntax=docker/dockerfile:1
# One image for every service: `acgs serve <service>` (distributed) or `acgs up` (embedded).
# Node.js 24 LTS; production dependencies only; runs as uid 10001 with a read-only root file
# system (data only under /data, scratch under /tmp: mount both). docs/deployment.md.
ARG NODE_VERSION=24.22.3

# Compile TypeScript (the whole tree type-checks together, so tests and benches compile too;
# dist/src and the client library it uses, dist/packages, go into the image).
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY packages ./packages
RUN npx tsc -p tsconfig.json

# Production dependencies, with better-sqlite3 built for this Node.js.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
# pg_dump for `acgs backup create` on PostgreSQL (Debian bookworm's is 15, the RDS version).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    ACGS_DATA_DIR=/data \
    ACGS_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/packages ./dist/packages
COPY package.json ./
COPY examples ./examples
COPY schemas ./schemas
RUN groupadd --gid 10001 acgs \
 && useradd --uid 10001 --gid acgs --no-create-home --shell /usr/sbin/nologin acgs \
 && mkdir /data \
 && chown acgs:acgs /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000 8001 8002 8003 8004 8005 8006 8007 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/cli/container-healthcheck.js"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["up"]
