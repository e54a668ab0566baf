# One image for the controller and the runners: `stampede controller` and `stampede runner`.
# Build: docker build -t stampede:dev .
# BASE_IMAGE is the runtime base: it needs `node` on PATH and a `/usr/bin/env` that takes `-S` (GNU coreutils
# 8.30 or later, as in node:*-slim; the bin's shebang passes node a flag), nothing else (no shell: the
# final stage runs no command). BUILD_IMAGE runs npm and tsc. The tests build this file offline with
# buildah on bases made locally (test/node/images.sh).
ARG BASE_IMAGE=node:24-slim
ARG BUILD_IMAGE=node:24-slim

FROM ${BUILD_IMAGE} AS build
# Set only by offline builds (npm ci from a mounted cache); unset, it is not in the environment.
ARG npm_config_offline
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The `stampede` link is made here so that the final stage needs no shell.
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p /out/bin && ln -s /app/bin/stampede.js /out/bin/stampede

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Pods run `stampede ...` as their command (a Job's command replaces the entrypoint), so put it on PATH.
COPY --from=build /out/bin/ /usr/local/bin/
# Non-root, and nothing is written at run time: works with readOnlyRootFilesystem.
USER 65532:65532
ENTRYPOINT ["stampede"]
CMD ["--help"]
