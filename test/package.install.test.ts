/**
 * The npm package as a user gets it. `npm pack` runs in a copy of the checkout without dist/
 * (what `git clone` gives: tracked and untracked files, nothing .gitignore names, this
 * checkout's node_modules linked in for the compiler) plus a stale dist/ file, so packing
 * has to clean and build by itself (`prepack`, `prepare`). The tarball must hold exactly the
 * compiled modules of src/ (no tests, no sources, no source maps, not the test-only memory
 * store), README, LICENSE and package.json. Then `npm install -g --prefix <tmp>` of the
 * tarball: npm installs the production dependencies only, and the `kube-oidc-gateway` it links
 * runs --help, --version (package.json's) and a `publish` to a folder, on the tests' Node.
 * npm keeps the machine's way to the registry (proxies, CA files, its config files and cache)
 * but nothing else of the `npm test` that started vitest (npm_config_prefix, _global, ...);
 * the installed command runs with PATH and HOME only.
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/dockerfile.js';

const exec = promisify(execFile);
const SETUP_TIMEOUT_MS = 240_000;
const BIN = 'kube-oidc-gateway';
/** npm settings that say how to reach the registry and where its cache and config files are. */
const NPM_NETWORK_CONFIG =
  /^npm_config_(cache|userconfig|globalconfig|registry|cafile|ca|cert|key|strict_ssl|proxy|https_proxy|noproxy)$/i;

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
  repository?: { type?: string; url?: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** Every file under dir, relative to it, with `/` separators. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

/** The modules the package must ship: every src/ module but tests and the test-only memory store. */
const SHIPPED_MODULES = filesUnder(join(REPO_ROOT, 'src'))
  .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && path !== 'stores/memory.ts')
  .map((path) => `dist/${path.replace(/\.ts$/, '.js')}`)
  .sort();

/** The package name of a lock path (`node_modules/a/node_modules/@b/c` is `@b/c`). */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Names of the packages the lock has only as dev dependencies (anywhere in the tree). */
const DEV_ONLY_NAMES = (() => {
  const paths = Object.keys(lock.packages).filter((path) => path !== '');
  const production = new Set(paths.filter((path) => !lock.packages[path]?.dev).map(nameOf));
  return [...new Set(paths.map(nameOf))].filter((name) => !production.has(name));
})();

/** The names of every package installed under dir/node_modules, nested ones included. */
function installedNames(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return [];
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
    )
    .flatMap((name) => [name, ...installedNames(join(modules, name))]);
}

/** The tarball's text file at `path` (package/…). */
async function fromTarball(tarball: string, path: string): Promise<string> {
  return (await exec('tar', ['-xzOf', tarball, `package/${path}`], { maxBuffer: 16 << 20 })).stdout;
}

/*
 * The install (about 220 production packages, 190 MB unpacked, from npm's cache) takes 15 to
 * 30 s on an idle 2-core machine: CI runs it (CI=true, as .ci/run and GitHub Actions set it),
 * a plain `npm test` packs and checks the tarball only, and says so.
 */
const inCi = Boolean(process.env.CI);
const installSuite = 'installed globally from the tarball';
if (!inCi)
  process.stderr.write(`skipping "${installSuite}": set CI=true to run it (npm install -g of the tarball)\n`);

describe('the npm package, packed from a clean checkout', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let tarball: string;
  let packed: string[];

  const npm = async (args: string[], cwd: string) => {
    try {
      return await exec('npm', args, { cwd, env, maxBuffer: 16 << 20 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`npm ${args.join(' ')} failed\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
  };
  const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await step();
    process.stdout.write(
      `package test: ${label} took ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return result;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kog-package-'));
    env = {
      // The machine's way to the registry (proxies, CA files, npm's config files and cache)
      // stays; npm_* of the `npm test` that started vitest (its prefix, global, lifecycle
      // and package variables) and NODE_OPTIONS do not.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !/^(npm_|node_options$)/i.test(name) || NPM_NETWORK_CONFIG.test(name),
        ),
      ),
      // The tests' Node (the pinned Node 24) first: npm and the installed bin's
      // `#!/usr/bin/env node` run on it. Nothing of this checkout's node_modules/.bin.
      PATH: [
        dirname(process.execPath),
        ...(process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules')),
      ].join(delimiter),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_logs_max: '0',
    };

    // The checkout as a clone has it: what git tracks or would track, not what it ignores.
    const checkout = join(root, 'checkout');
    const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 << 20,
    });
    for (const path of stdout.split('\0').filter(Boolean)) {
      mkdirSync(dirname(join(checkout, path)), { recursive: true });
      try {
        copyFileSync(join(REPO_ROOT, path), join(checkout, path));
      } catch (error) {
        // A tracked file deleted in the working tree is not part of it.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    // Left over from an earlier build of a module since removed: must not ship.
    mkdirSync(join(checkout, 'dist'));
    writeFileSync(join(checkout, 'dist', 'stale.js'), 'export {};\n');

    const packs = join(root, 'packs');
    mkdirSync(packs);
    const pack = await timed('npm pack', () =>
      npm(['pack', '--json', '--pack-destination', packs], checkout),
    );
    const [result] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!result) throw new Error(`npm pack printed no result\n${pack.stdout}`);
    tarball = join(packs, result.filename);
    packed = result.files.map((file) => file.path).sort();
  }, SETUP_TIMEOUT_MS);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('holds exactly the compiled modules, README, LICENSE and package.json', () => {
    expect(SHIPPED_MODULES).toContain('dist/cli.js');
    expect(packed).toEqual(['LICENSE', 'README.md', ...SHIPPED_MODULES, 'package.json'].sort());
  });

  it('holds no test, source, source map, memory store or leftover', () => {
    const unwanted = packed.filter((path) =>
      /\.test\.|\.ts$|\.map$|(^|\/)test\/|^src\/|^bench\/|stores\/memory\.js$|stale/.test(path),
    );
    expect(unwanted).toEqual([]);
  });

  it('names the repository (npm provenance checks it), the bin and a Node range', async () => {
    const packedManifest = JSON.parse(await fromTarball(tarball, 'package.json')) as Manifest;
    expect(packedManifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/kube-oidc-gateway/kube-oidc-gateway.git',
    });
    expect(packedManifest.bin).toEqual({ [BIN]: 'dist/cli.js' });
    expect(packedManifest.engines.node).toBe('>=22.14');
    expect((await fromTarball(tarball, 'dist/cli.js')).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  describe.skipIf(!inCi)(inCi ? installSuite : `${installSuite} (skipped: set CI=true to run it)`, () => {
    let prefix: string;
    let installed: string;
    const cli = (args: string[], cwd = root) =>
      exec(join(prefix, 'bin', BIN), args, { cwd, env: { PATH: env.PATH, HOME: env.HOME } });

    // biome-ignore lint/suspicious/noDuplicateTestHooks: this suite's own hook (Biome does not take describe.skipIf(…)(…) for a describe)
    beforeAll(async () => {
      prefix = join(root, 'prefix');
      await timed('npm install -g', () => npm(['install', '--global', '--prefix', prefix, tarball], root));
      installed = join(prefix, 'lib', 'node_modules', manifest.name);
    }, SETUP_TIMEOUT_MS);

    it('installs the production dependencies only', () => {
      const names = installedNames(installed);
      for (const name of Object.keys(manifest.dependencies)) expect(names).toContain(name);
      expect(DEV_ONLY_NAMES).toEqual(expect.arrayContaining(['typescript', 'vitest', 'firebase-tools']));
      expect([...new Set(names.filter((name) => DEV_ONLY_NAMES.includes(name)))]).toEqual([]);
    });

    it('loads every shipped module with those dependencies (the cloud SDKs and the Kubernetes client too)', async () => {
      const modules = SHIPPED_MODULES.filter((path) => path !== 'dist/cli.js').map(
        (path) => pathToFileURL(join(installed, path)).href,
      );
      const { stdout } = await exec(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `for (const m of ${JSON.stringify(modules)}) await import(m); console.log('loaded');`,
        ],
        { cwd: root, env: { PATH: env.PATH, HOME: env.HOME } },
      );
      expect(stdout).toBe('loaded\n');
    });

    it('links an executable bin that starts with a node shebang', () => {
      const bin = join(prefix, 'bin', BIN);
      expect(realpathSync(bin)).toBe(realpathSync(join(installed, manifest.bin[BIN] as string)));
      accessSync(bin, constants.X_OK);
      expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    });

    it('runs --help', async () => {
      const { stdout } = await cli(['--help']);
      expect(stdout).toMatch(/^kube-oidc-gateway <command> \[options\]/);
      for (const command of ['serve', 'publish', 'verify'])
        expect(stdout).toContain(`kube-oidc-gateway ${command}`);
    });

    it("prints package.json's version, even where the working directory has another package.json", async () => {
      const elsewhere = join(root, 'elsewhere');
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
      expect((await cli(['--version'], elsewhere)).stdout).toBe(`${manifest.version}\n`);
    });

    it('publishes the documents to a folder', async () => {
      const out = join(root, 'out');
      const issuer = 'https://oidc.example.com/c';
      await cli([
        'publish',
        '--from-keys',
        join(REPO_ROOT, 'examples/service-account.pub'),
        '--issuer',
        issuer,
        '--dest',
        out,
      ]);
      const discovery = JSON.parse(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8')) as {
        issuer: string;
        jwks_uri: string;
      };
      expect(discovery.issuer).toBe(issuer);
      expect(discovery.jwks_uri).toBe(`${issuer}/openid/v1/jwks`);
      const jwks = JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')) as {
        keys: Array<{ kty: string }>;
      };
      expect(jwks.keys.map((key) => key.kty)).toEqual(['RSA']);
    });
  });
});
