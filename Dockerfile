# syntax=docker/dockerfile:1
# Plimsoll's container image: one image for every role (collect, ingest, serve); the role is the
# command, e.g. `docker run IMAGE ingest --config /etc/plimsoll/plimsoll.yaml`.
#
#   docker build -t plimsoll:0.1.0 .
#
# The base is pinned by exact tag (Node.js 20.20.2 on Debian bookworm, slim variant); pin it by
# digest as well in your own registry (`node:20.20.2-bookworm-slim@sha256:...`) for reproducible
# rebuilds. See docs/deploy.md.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: full dependencies, TypeScript → dist/ -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY bus ./bus
COPY store ./store
COPY pipeline ./pipeline
COPY collectors ./collectors
COPY analyzers ./analyzers
COPY dashboards ./dashboards
COPY alerts ./alerts
COPY api ./api
COPY reports ./reports
COPY simulator ./simulator
COPY runtime ./runtime
COPY scan ./scan
COPY cli ./cli
RUN npm run build

# ---- runtime: production dependencies only, no compiler, no sources -----------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts run: no production dependency needs one (esbuild, which does, is dev-only).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
# Not read by the code at run time, shipped so an installation can copy them out of the image:
# Grafana provisioning and dashboards, Prometheus rules, the example Alertmanager routing.
COPY dashboards/generated ./dashboards/generated
COPY alerts/plimsoll.rules.yml alerts/alertmanager.example.yml ./alerts/

# The image's `node` user, numerically, so Kubernetes' runAsNonRoot can verify it. Nothing under
# /app is writable by it: the root filesystem can be mounted read-only (give it a /tmp).
USER 1000:1000
EXPOSE 8080
# slim has no curl: Node's own fetch. Every role serves /healthz on api.port (default 8080).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PLIMSOLL_API_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/plimsoll.js"]
CMD ["serve"]
