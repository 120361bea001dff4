# syntax=docker/dockerfile:1
# Build: full toolchain, compile TypeScript, then keep only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: distroless Node (no shell, no package manager), user 65532 "nonroot".
# Nothing is written at run time, so readOnlyRootFilesystem works without an emptyDir.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 8080
# Node/V8 flags (not all allowed in NODE_OPTIONS, hence here), measured by `npm run bench`,
# which reads them from this line: a 2 MiB young generation (most per-request garbage dies
# there), a 32 MiB old generation (serve keeps about 10 MiB alive), no background
# compiler/GC threads (the pod gets a tenth of a core, so helper threads buy nothing and
# cost memory), gc() exposed so serve can give back what a flood of connections made V8
# take (src/serve/heap-relief.ts), and --disable-sigusr1: SIGUSR1 must never open the
# inspector (cli.js ignores the signal too, once it has loaded).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=2", "--max-old-space-size=32", "--single-threaded", "--expose-gc", "--disable-sigusr1", "/app/dist/cli.js"]
CMD ["serve"]
