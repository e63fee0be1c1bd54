# syntax=docker/dockerfile:1
#
# One image for every spacegrid process; the command picks the process:
#   node dist/messaging-grid/main.js       the public entry point (PORT, default 8080)
#   node dist/processing-unit/main.js      a processing unit (8100)
#   node dist/data-pump/main.js            the data pump (8092)
#   node dist/data-writer/main.js          the data writer (8091)
#   node dist/data-reader/main.js          the data reader (8093)
#   node dist/deploy-manager/migrate-main.js   migrates the database, then exits
# Each process reads its configuration from the environment (README, "Configuration").
# Hazelcast members run from the official hazelcast/hazelcast image with
# deploy-manager/hazelcast/member.yaml (see compose.yaml and docs/deploy.md).
#
#   docker build -t spacegrid:local .

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, then the TypeScript compiled to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common common
COPY processing-unit processing-unit
COPY messaging-grid messaging-grid
COPY data-pump data-pump
COPY data-writer data-writer
COPY data-reader data-reader
COPY deploy-manager deploy-manager
COPY load-test load-test
RUN npm run build

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: production dependencies and dist/, run as the unprivileged `node` user ---
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY --from=production-deps --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
COPY --chown=root:root package.json ./
# The files belong to root and are read-only for the process, which runs as `node` (uid 1000).
USER node
EXPOSE 8080 8082 8091 8092 8093 8100
CMD ["node", "dist/messaging-grid/main.js"]
