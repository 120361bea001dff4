# syntax=docker/dockerfile:1
# Three stages; only the last one ships, and nothing test-only is installed in any of them.
# `deps` and `compile` run on the build machine's own platform ($BUILDPLATFORM): what they
# make is JavaScript, and no production dependency has an install script or a
# platform-specific package (test/image.build.test.ts checks the lock for both), so a
# multi-arch build installs and compiles once, natively, and copies the result into each
# platform's final image.

# Production dependencies: exactly the lock's versions, no dev dependency, no install scripts.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Compile: the production dependencies (the sources import their types) plus the compiler and
# the two type packages the sources need. The script cuts package.json and the lock down to
# those, so `npm ci` installs them at the lock's versions, checked against its integrity
# hashes, and none of the test tooling (vitest, firebase-tools, s3rver, ...).
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS compile
WORKDIR /app
COPY package.json package-lock.json ./
RUN node --input-type=module <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
const compiler = ['typescript', '@types/node', '@types/yargs'];
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const only = (deps) =>
  Object.fromEntries(compiler.map((name) => {
    if (!deps[name]) throw new Error('the compile stage needs ' + name + ' in devDependencies');
    return [name, deps[name]];
  }));
manifest.devDependencies = only(manifest.devDependencies);
lock.packages[''].devDependencies = only(lock.packages[''].devDependencies);
// Node's lookup: node_modules/<name> beside the dependent, then in each folder above it.
const resolve = (from, name) => {
  for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
    const path = (base ? base + '/' : '') + 'node_modules/' + name;
    if (lock.packages[path]) return path;
    if (!base) return undefined;
  }
};
const kept = new Map();
const keep = (path) => {
  if (kept.has(path)) return;
  const entry = lock.packages[path];
  kept.set(path, entry);
  const { dependencies, devDependencies, optionalDependencies, peerDependencies } = entry;
  const edges = { ...dependencies, ...devDependencies, ...optionalDependencies, ...peerDependencies };
  for (const name of Object.keys(edges)) {
    const found = resolve(path, name);
    if (found) keep(found);
  }
};
keep('');
lock.packages = Object.fromEntries(kept);
writeFileSync('package.json', JSON.stringify(manifest, null, 2));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2));
EOF
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Run: distroless Node (no shell, no package manager), user 65532 "nonroot".
# Nothing is written at run time, so readOnlyRootFilesystem works without an emptyDir.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=compile /app/dist ./dist
USER 65532:65532
ENV NODE_ENV=production
# Each pod starts from a fresh filesystem: Node's compile cache (src/cli.ts) would be written
# on every run and never read, so it stays off here.
ENV NODE_DISABLE_COMPILE_CACHE=1
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
