/**
 * Which way to the API server each command takes when it is not told (core/source-choice.ts),
 * through the built CLI: kubectl's default kubeconfig under $HOME, KUBECONFIG's missing files
 * skipped, and no way at all — publish and verify stop with exit 2 naming the ways out,
 * serve stays up, not ready, and never calls upstream. Every process gets a HOME of its
 * own (cleanEnv's is one that does not exist), never the developer's.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiServerStandIn,
  JWKS_PATH,
  kubeconfigFor,
  randomToken,
  startApiServer,
} from './support/apiserver.js';
import { plainGet, runCli, startServe } from './support/cli.js';

let dir: string;
let apiserver: ApiServerStandIn;
/** A HOME whose .kube/config reaches the stand-in, and one with nothing in it. */
let home: string;
let emptyHome: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-source-'));
  const token = randomToken();
  apiserver = await startApiServer({ tokens: [token] });
  home = join(dir, 'home');
  emptyHome = join(dir, 'empty-home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await mkdir(emptyHome);
  kubeconfig = join(home, '.kube', 'config');
  await writeFile(kubeconfig, kubeconfigFor(apiserver, token));
});

afterAll(async () => {
  await apiserver?.close();
  await rm(dir, { recursive: true, force: true });
});

const MOUNTED_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

describe.concurrent('outside a pod, without --kubeconfig', () => {
  it('publish uses ~/.kube/config as kubectl does, and says so', async () => {
    const out = join(dir, 'from-home');
    const run = await runCli(['publish', '--dest', out], { env: { HOME: home } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(
      `source    kubeconfig context "test" ${apiserver.url} from ${kubeconfig}`,
    );
    expect((await readdir(join(out, 'openid', 'v1'))).sort()).toEqual(['jwks']);
  });

  it('KUBECONFIG: a file in it that does not exist is skipped, as kubectl skips it', async () => {
    const out = join(dir, 'from-list');
    const list = [join(dir, 'gone.yaml'), kubeconfig].join(delimiter);
    const run = await runCli(['publish', '--dest', out, '--output', 'json'], {
      env: { HOME: emptyHome, KUBECONFIG: list },
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).source).toBe(
      `kubeconfig context "test" ${apiserver.url} from ${kubeconfig}`,
    );
  });

  it('publish with no way to a cluster: exit 2, one line naming --kubeconfig and --from-keys, nothing written', async () => {
    const out = join(dir, 'nothing');
    const run = await runCli(['publish', '--dest', out], { env: { HOME: emptyHome } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: CONFIG_INVALID: no cluster to read from: no --kubeconfig or KUBECONFIG, no ServiceAccount token at ${MOUNTED_TOKEN}, ` +
        `no ${join(emptyHome, '.kube', 'config')}; give --kubeconfig FILE, or --from-keys KEY_FILE --issuer URL to publish without a cluster\n`,
    );
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('verify --compare-cluster with no way to a cluster: exit 2 before any check, naming --kubeconfig', async () => {
    const run = await runCli(['verify', '--issuer', 'https://127.0.0.1:9/c', '--compare-cluster'], {
      env: { HOME: emptyHome },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^error: CONFIG_INVALID: no cluster to read from: .*; give --kubeconfig FILE\n$/,
    );
  });

  it('verify names the kubeconfig it took in the cluster-fetch line', async () => {
    const run = await runCli(
      ['verify', '--issuer', 'https://127.0.0.1:9/c', '--allow-private', '--compare-cluster'],
      {
        env: { HOME: home },
      },
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^ok cluster-fetch: kubeconfig context "test" \\S+ from ${kubeconfig.replaceAll('.', '\\.')}: 2 keys; its discovery document names https://kubernetes\\.default\\.svc\\.cluster\\.local, so they are compared re-issued under https://127\\.0\\.0\\.1:9/c$`,
        'm',
      ),
    );
  });

  it('serve with no way to a cluster: says so once at startup, stays up and not ready, never calls upstream', async () => {
    const gateway = await startServe([], { HOME: emptyHome });
    try {
      const [healthz, readyz, jwks, metrics] = await Promise.all([
        plainGet(`${gateway.url}/healthz`),
        plainGet(`${gateway.url}/readyz`),
        plainGet(`${gateway.url}${JWKS_PATH}`),
        plainGet(`${gateway.url}/metrics`),
      ]);
      expect([healthz.status, readyz.status, jwks.status]).toEqual([200, 503, 502]);
      expect(metrics.body).not.toMatch(/^kube_oidc_gateway_upstream_fetches_total\{/m);
      // Request lines carry no event, and may be flushed by now or not: the events alone.
      const events = gateway.lines.filter((line) => line.event !== undefined);
      expect(events.map((line) => line.event)).toEqual(['source_missing', 'listening']);
      const [missing, listening] = events;
      expect(missing).toMatchObject({
        level: 50,
        error: expect.stringMatching(
          /^no cluster to read from: .*; give --kubeconfig FILE, or run it in a pod/,
        ),
      });
      expect(listening?.upstream).toBe('none');
    } finally {
      expect(await gateway.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('serve uses ~/.kube/config and names it in its listening line', async () => {
    const gateway = await startServe([], { HOME: home });
    try {
      expect((await plainGet(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
      expect(gateway.lines.find((line) => line.event === 'listening')?.upstream).toBe(
        `kubeconfig context "test" ${apiserver.url} from ${kubeconfig}`,
      );
    } finally {
      await gateway.stop();
    }
  });
});
