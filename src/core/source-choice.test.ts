import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSource, pathKind, pinSource } from './source-choice.js';
import { resolveUpstream } from './upstream-settings.js';

/** A real home, token and kubeconfigs on disk: the choice probes the file system itself. */
let dir: string;
let home: string;
let emptyHome: string;
let token: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'source-choice-'));
  home = join(dir, 'home');
  emptyHome = join(dir, 'empty-home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await mkdir(emptyHome);
  await writeFile(join(home, '.kube', 'config'), 'not read by the choice');
  token = join(dir, 'token');
  await writeFile(token, 'a-token');
  kubeconfig = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfig, 'not read by the choice');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The options a command resolves from these flags and variables, with the mounted token path swapped for `mounted`. */
function options(argv: Record<string, string>, env: Record<string, string>, mounted?: string) {
  const resolved = resolveUpstream(argv, env, '--from-keys FILE');
  return mounted !== undefined && !('SA_TOKEN_PATH' in env) ? { ...resolved, tokenPath: mounted } : resolved;
}

describe('chooseSource: controller-runtime’s order', () => {
  it('1. --kubeconfig beats KUBECONFIG, the token and ~/.kube/config', async () => {
    const chosen = await chooseSource(options({ kubeconfig }, { KUBECONFIG: '/x', HOME: home }, token));
    expect(chosen).toEqual({ kind: 'kubeconfig', files: [kubeconfig] });
  });

  it('1. KUBECONFIG beats the token; its missing files are skipped as kubectl skips them', async () => {
    const list = [join(dir, 'missing.yaml'), kubeconfig].join(delimiter);
    const chosen = await chooseSource(options({}, { KUBECONFIG: list, HOME: home }, token));
    expect(chosen).toEqual({ kind: 'kubeconfig', files: [kubeconfig] });
  });

  it('1. a KUBECONFIG with no file that exists is a usage error naming it', async () => {
    const list = [join(dir, 'a.yaml'), join(dir, 'b.yaml')].join(delimiter);
    await expect(chooseSource(options({}, { KUBECONFIG: list, HOME: home }, token))).rejects.toMatchObject({
      code: 'KUBECONFIG_INVALID',
      message: `KUBECONFIG names no file that exists (${list}); point it at your kubeconfig, or unset it`,
    });
  });

  it('1. --kubeconfig is taken as named, even when it does not exist (its loader says so)', async () => {
    const missing = join(dir, 'missing.yaml');
    expect(await chooseSource(options({ kubeconfig: missing }, { HOME: home }))).toEqual({
      kind: 'kubeconfig',
      files: [missing],
    });
  });

  it.each([
    ['UPSTREAM_HOST', { UPSTREAM_HOST: 'http://127.0.0.1:8001' }, {}],
    ['SA_TOKEN_PATH', { SA_TOKEN_PATH: '/no/such/token' }, {}],
    ['--upstream-host', {}, { 'upstream-host': 'https://api.example:6443' }],
    ['--sa-token-path', {}, { 'sa-token-path': '/no/such/token' }],
  ])('2. %s given: in-cluster as asked, ~/.kube/config not looked at', async (_, env, argv) => {
    expect(await chooseSource(options(argv, { ...env, HOME: home }, '/no/mounted/token'))).toEqual({
      kind: 'in-cluster',
    });
  });

  it('3. the mounted token beats ~/.kube/config', async () => {
    expect(await chooseSource(options({}, { HOME: home }, token))).toEqual({ kind: 'in-cluster' });
  });

  it('3. a directory where the token should be is no token (client-go: not a directory)', async () => {
    expect(await chooseSource(options({}, { HOME: home }, dir))).toEqual({
      kind: 'kubeconfig',
      files: [join(home, '.kube', 'config')],
    });
  });

  it('3. skipped when --context asks for a kubeconfig', async () => {
    expect(await chooseSource(options({ context: 'ci' }, { HOME: home }, token))).toEqual({
      kind: 'kubeconfig',
      files: [join(home, '.kube', 'config')],
    });
  });

  it('4. $HOME/.kube/config without a token', async () => {
    expect(await chooseSource(options({}, { HOME: home }, join(dir, 'no-token')))).toEqual({
      kind: 'kubeconfig',
      files: [join(home, '.kube', 'config')],
    });
  });

  it('5. none: one line naming every place looked in and the ways out', async () => {
    const none = await chooseSource(options({}, { HOME: emptyHome }, join(dir, 'no-token')));
    expect(none).toEqual({
      kind: 'none',
      message:
        `no cluster to read from: no --kubeconfig or KUBECONFIG, no ServiceAccount token at ${join(dir, 'no-token')}, ` +
        `no ${join(emptyHome, '.kube', 'config')}; give --kubeconfig FILE, or --from-keys FILE`,
    });
    const homeless = await chooseSource(options({}, {}, join(dir, 'no-token')));
    expect(homeless.kind === 'none' && homeless.message).toContain('no ~/.kube/config (HOME is not set)');
    const context = await chooseSource(options({ context: 'ci' }, { HOME: emptyHome }, token));
    expect(context.kind === 'none' && context.message).toMatch(
      /^--context ci needs a kubeconfig: no --kubeconfig or KUBECONFIG, no \S+config; give --kubeconfig FILE/,
    );
  });
});

describe('pinSource', () => {
  it('names the chosen files outright, or in-cluster as if asked, so a second choice probes nothing', async () => {
    const viaHome = await pinSource(options({}, { HOME: home }, join(dir, 'no-token')));
    expect(viaHome).toMatchObject({ kubeconfig: [join(home, '.kube', 'config')], kubeconfigFromEnv: false });
    const probed: string[] = [];
    const probe = async (path: string) => {
      probed.push(path);
      return pathKind(path);
    };
    expect(await chooseSource(viaHome, probe)).toEqual({
      kind: 'kubeconfig',
      files: [join(home, '.kube', 'config')],
    });
    const inCluster = await pinSource(options({}, { HOME: home }, token));
    expect(inCluster).toMatchObject({ kubeconfig: undefined, inClusterGiven: true });
    expect(await chooseSource(inCluster, probe)).toEqual({ kind: 'in-cluster' });
    expect(probed).toEqual([]);
  });

  it('refuses none with a usage error', async () => {
    await expect(pinSource(options({}, { HOME: emptyHome }, join(dir, 'no-token')))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(
        /^no cluster to read from: .*; give --kubeconfig FILE, or --from-keys FILE$/,
      ),
    });
  });
});
