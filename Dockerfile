# One image for the controller and the runners: `stampede controller` and `stampede runner`.
# Build: docker build -t stampede:dev .
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Pods run `stampede ...` as their command (a Job's command replaces the entrypoint), so put it on PATH.
RUN ln -s /app/bin/stampede.js /usr/local/bin/stampede
# Non-root, and nothing is written at run time: works with readOnlyRootFilesystem.
USER 65532:65532
ENTRYPOINT ["stampede"]
CMD ["--help"]
