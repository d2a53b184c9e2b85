# The search service image: the compiled build (`npm run build`: tsc to dist/, the pages to
# web/dist) run by plain Node. One image for everything: `hybrid-search serve` (the
# default), `hybrid-search jobs run <name>` (Kubernetes CronJobs), and every other CLI
# command.
#
#   docker build -t ghcr.io/example/hybrid-search:0.1.0 .
#   docker run --rm -p 8080:8080 -v hybrid-search-data:/data ghcr.io/example/hybrid-search:0.1.0
#   docker run --rm -v hybrid-search-data:/data ghcr.io/example/hybrid-search:0.1.0 hybrid-search jobs list

# ---- dependencies -----------------------------------------------------------------------
FROM node:20-bookworm-slim AS dependencies

# better-sqlite3 downloads a prebuilt binary where one matches and builds from source
# otherwise: the build tools are here for that case and stay out of the final image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# npm 11 honours package.json's "allowScripts": only the listed install scripts run
# (better-sqlite3's; not onnxruntime-node's CUDA download, sharp's or esbuild's). The npm
# bundled with Node 20 would run every one of them.
RUN npm install -g npm@11.19.1

WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the package's prepare script, which bundles the pages (web/ -> web/dist) with
# esbuild (a dependency; its binary comes in its platform package, nothing is downloaded).
# The dev dependencies (typescript) compile src/ to dist/, then are pruned away.
COPY scripts scripts
COPY web web
COPY src src
COPY tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund \
 && node scripts/build.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close()" \
 && test -f web/dist/index.html && test -f dist/cli/index.js

# ---- runtime ----------------------------------------------------------------------------
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/data \
    MODELS_DIR=/data/models \
    MAPPINGS_DIR=/app/mappings \
    ELASTICSEARCH_PIPELINES_DIR=/app/pipelines

WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY . .
COPY --from=dependencies /app/web/dist ./web/dist
COPY --from=dependencies /app/dist ./dist

# `hybrid-search` on the PATH (bin/hybrid-search.js runs dist/cli/index.js). DATA_DIR
# (the SQLite files, the generated user-id secret, and MODELS_DIR below it) belongs to the
# unprivileged `node` user (uid 1000) of the base image.
RUN ln -s /app/bin/hybrid-search.js /usr/local/bin/hybrid-search \
 && mkdir -p /data/models \
 && chown -R node:node /data

USER node
EXPOSE 8080

# Node runs as PID 1 and handles SIGTERM itself: the service stops taking requests and
# lets a running job stop at its next safe point (terminationGracePeriodSeconds: 30+).
CMD ["node", "/app/dist/cli/index.js", "serve"]
