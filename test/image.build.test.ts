/**
 * Builds the image's stages without a Docker engine: each build stage's COPY and RUN lines,
 * read from the Dockerfile and run as written (`sh -c`, heredocs included) in a folder that
 * stands for its /app, the two stages side by side as BuildKit runs them; then the final
 * stage's /app assembled from its COPY --from lines. What that shows: the final image holds
 * exactly the lock's production packages, the compile stage installs none of the test
 * tooling, and the image's ENTRYPOINT (its Node flags, NODE_ENV=production) runs `serve` and
 * `publish` with nothing else beside them: no dev dependency is needed at run time.
 * npm reads the tarballs from its cache when it has them (CI's `npm ci` just filled it).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { copyOf, execForm, REPO_ROOT, readDockerfile, type Stage } from './support/dockerfile.js';
import { imageNodeFlags } from './support/image.js';

const run = promisify(execFile);
const BUILD_TIMEOUT_MS = 240_000;

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
}
const lock = JSON.parse(readFileSync(`${REPO_ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** Every installed package under dir/node_modules, as lock paths (`node_modules/a/node_modules/@b/c`). */
function installedPackages(dir: string, prefix = ''): string[] {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return [];
  const found: string[] = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue; // .bin, .package-lock.json
    const names = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name];
    for (const pkg of names) {
      const path = `${prefix}node_modules/${pkg}`;
      found.push(path, ...installedPackages(join(modules, pkg), `${path}/`));
    }
  }
  return found;
}

/** Runs one build stage's instructions in `app` (its /app); `built` maps earlier stage names to theirs. */
async function buildStage(stage: Stage, app: string, built: Map<string, string>, env: NodeJS.ProcessEnv) {
  mkdirSync(app, { recursive: true });
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        if (instruction.args !== '/app')
          throw new Error(`this test knows WORKDIR /app only: ${instruction.args}`);
        break;
      case 'COPY': {
        const { from, sources, dest } = copyOf(instruction);
        for (const source of sources) {
          const origin = from
            ? join(built.get(from) ?? '(unbuilt)', source.replace(/^\/app\//, ''))
            : join(REPO_ROOT, source);
          const target = dest.endsWith('/') ? join(app, dest, basename(source)) : join(app, dest);
          cpSync(origin, target, { recursive: true });
        }
        break;
      }
      case 'RUN':
        try {
          await run('/bin/sh', ['-c', instruction.shell], { cwd: app, env, maxBuffer: 16 << 20 });
        } catch (error) {
          const { stdout, stderr } = error as { stdout?: string; stderr?: string };
          throw new Error(`RUN ${instruction.args} failed\n${stdout ?? ''}\n${stderr ?? ''}`);
        }
        break;
      case 'ENV':
      case 'USER':
      case 'EXPOSE':
      case 'ENTRYPOINT':
      case 'CMD':
        break;
      default:
        throw new Error(`this test does not know how to run ${instruction.keyword}`);
    }
  }
}

/** Starts the image's command and resolves once serve logs `listening`. */
function startImage(
  command: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command[0] as string, command.slice(1), { env });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start\n${out}\n${err}`)), 20_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const listening = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg?: string; port?: number })
        .find((line) => line.msg === 'listening');
      if (listening) {
        clearTimeout(timer);
        resolve({ child, port: Number(listening.port) });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}\n${out}\n${err}`));
    });
  });
}

/*
 * Two npm ci runs (about 30 s on an idle 2-core machine, minutes under load): CI runs it
 * (CI=true, as .ci/run and GitHub Actions set it), a plain `npm test` skips it and says so.
 * test/image.dockerfile.test.ts checks the same shape statically, in milliseconds.
 */
const inCi = Boolean(process.env.CI);
const suiteName = 'the image, built stage by stage without Docker';
if (!inCi)
  process.stderr.write(`skipping "${suiteName}": set CI=true to run it (npm ci of both build stages)\n`);

describe.skipIf(!inCi)(inCi ? suiteName : `${suiteName} (skipped: set CI=true to run it)`, () => {
  const stages = readDockerfile();
  const final = stages.at(-1) as Stage;
  let root: string;
  const built = new Map<string, string>();
  let app: string;
  let apiserver: ApiServerStandIn | undefined;
  let serve: ChildProcess | undefined;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kog-image-'));
    // `node` in RUN lines is the image's Node (here the tests' Node 24); nothing else of
    // this checkout's node_modules/.bin (its tsc above all) may be found on PATH.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const systemPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => !dir.includes('node_modules'));
    const env: NodeJS.ProcessEnv = {
      PATH: [bin, ...systemPath].join(delimiter),
      HOME: process.env.HOME,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
    };
    const buildStages = stages.slice(0, -1);
    for (const stage of buildStages) built.set(stage.name ?? '', join(root, stage.name ?? 'unnamed', 'app'));
    // Independent stages, built at once as BuildKit does.
    await Promise.all(
      buildStages.map((stage) => buildStage(stage, built.get(stage.name ?? '') as string, built, env)),
    );
    app = join(root, 'final', 'app');
    await buildStage(final, app, built, env);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    serve?.kill('SIGKILL');
    await apiserver?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('holds exactly the lock production packages, none of the dev ones', () => {
    const production = Object.keys(lock.packages).filter((path) => path !== '' && !lock.packages[path]?.dev);
    expect(installedPackages(app).sort()).toEqual(production.sort());
    expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package.json']);
  });

  it('compiled with only the compiler and its types besides the production packages', () => {
    const compile = built.get('compile') as string;
    const dev = installedPackages(compile).filter((path) => lock.packages[path]?.dev);
    const name = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    expect(dev.map(name).sort()).toEqual(
      expect.arrayContaining(['typescript', '@types/yargs', '@types/yargs-parser']),
    );
    expect(dev.map(name).filter((n) => !/^(typescript|@typescript\/|@types\/yargs)/.test(n))).toEqual([]);
    expect(existsSync(join(app, 'dist', 'cli.js'))).toBe(true);
  });

  it('runs serve with the ENTRYPOINT and CMD: both documents and /metrics answer', async () => {
    const token = randomToken();
    apiserver = await startApiServer({ tokens: [token] });
    const tokenPath = join(root, 'token');
    writeFileSync(tokenPath, token);
    const entrypoint = execForm(final, 'ENTRYPOINT').map((arg) =>
      arg === '/nodejs/bin/node' ? process.execPath : arg.replace(/^\/app\//, `${app}/`),
    );
    expect(entrypoint.slice(1, -1)).toEqual(imageNodeFlags());
    const started = await startImage([...entrypoint, ...execForm(final, 'CMD')], {
      NODE_ENV: 'production',
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: '0',
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    });
    serve = started.child;
    const base = `http://127.0.0.1:${started.port}`;
    const jwks = await fetch(`${base}${JWKS_PATH}`);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)).toEqual(
      apiserver.keys.map((key) => key.kid),
    );
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(
      /kube_oidc_gateway_upstream_fetches_total\{document="jwks",result="ok"\} 1/,
    );
  });

  it('runs publish with the ENTRYPOINT: --from-keys to a folder', async () => {
    const entrypoint = execForm(final, 'ENTRYPOINT').map((arg) =>
      arg === '/nodejs/bin/node' ? process.execPath : arg.replace(/^\/app\//, `${app}/`),
    );
    const out = join(root, 'public');
    mkdirSync(out);
    const { stdout } = await run(
      entrypoint[0] as string,
      [
        ...entrypoint.slice(1),
        'publish',
        '--from-keys',
        `${REPO_ROOT}examples/service-account.pub`,
        '--issuer',
        'https://oidc.example.com/image-test',
        '--dest',
        out,
      ],
      { env: { NODE_ENV: 'production' } },
    );
    expect(stdout).toBeDefined();
    const jwks = JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')) as { keys: unknown[] };
    expect(jwks.keys).toHaveLength(1);
  });
});
