/**
 * `serve` as a process: the built CLI against the HTTPS API-server stand-in (real TLS with
 * a test CA, bearer-token checks, real keys), for what only a process shows: signals and
 * the exit code, flags and environment parsed by the CLI, the log on stdout, kubeconfig
 * loading and which modules are imported. Routes, caching and upstream failures are tested
 * in-process, on an injected clock, in test/serve.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type TestContext, vi } from 'vitest';
import { JWKS_PATH, kubeconfigFor, randomToken, startApiServer } from './support/apiserver.js';
import { plainGet, runCli, type ServeProcess, startServe } from './support/cli.js';
import { writeImportRecorder } from './support/import-recorder.js';
import { createTestPki, type TestPki } from './support/pki.js';

/** Waits for what a process does on its own (a log line, an upstream request), polling briefly. */
function until(condition: () => boolean): Promise<void> {
  return vi.waitFor(
    () => {
      if (!condition()) throw new Error('condition not met in time');
    },
    { timeout: 10_000, interval: 20 },
  );
}

let workdir: string;
let pki: TestPki;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-serve-'));
  // One CA for the whole file, outliving each stand-in.
  pki = await createTestPki();
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
  await pki.cleanup();
});

/**
 * What one test runs against: its own stand-in, token file and folder, all removed when
 * the test ends (so the tests of this file can run side by side), and the processes it
 * started killed.
 */
async function fixture(onTestFinished: TestContext['onTestFinished']) {
  const dir = await mkdtemp(join(workdir, 'test-'));
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token], pki });
  const tokenPath = join(dir, 'token');
  await writeFile(tokenPath, `${token}\n`);
  const processes: ServeProcess[] = [];
  onTestFinished(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await apiserver.close();
  });
  return {
    dir,
    token,
    apiserver,
    /** The in-cluster settings for this stand-in. */
    env: { UPSTREAM_HOST: apiserver.url, SA_TOKEN_PATH: tokenPath, SA_CA_CERT_PATH: pki.caCertPath },
    async serve(args: string[], env: Record<string, string>, nodeArgs: string[] = []) {
      const process = await startServe(args, env, nodeArgs);
      processes.push(process);
      return process;
    },
  };
}

describe.concurrent('serve lifecycle', () => {
  it('with --log-format text: the Go gateway’s request line; on SIGTERM the request in flight is answered, then exit 0', async ({
    expect,
    onTestFinished,
  }) => {
    const { apiserver, env, serve } = await fixture(onTestFinished);
    let release!: () => void;
    apiserver.setFault(JWKS_PATH, {
      kind: 'hold',
      until: new Promise<void>((resolve) => (release = resolve)),
    });
    const gateway = await serve(['--log-format', 'text'], env);
    const inFlight = plainGet(`${gateway.url}${JWKS_PATH}`);
    await until(() => apiserver.count(JWKS_PATH) === 1);
    gateway.child.kill('SIGTERM');
    // Shutdown has begun with the request still waiting on the upstream; now let it finish.
    await until(() => gateway.lines.some((l) => l.event === 'shutting_down'));
    release();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).keys).toHaveLength(apiserver.keys.length);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    const raw = gateway.lines.map((l) => String(l.raw));
    expect(raw).toContainEqual(
      expect.stringMatching(/^path=\/openid\/v1\/jwks status=200 cache_hit=false duration=[\d.]+ms$/),
    );
    expect(raw.at(-1)).toMatch(/^time=\S+ level=info event=stopped msg=stopped$/);
    expect(gateway.stderr).toBe('');
  });
});

describe.concurrent('serve sources', () => {
  it('in-cluster: never loads @kubernetes/client-node (the positive control: --kubeconfig does)', async ({
    expect,
    onTestFinished,
  }) => {
    const { apiserver, dir, env, serve, token } = await fixture(onTestFinished);
    const inCluster = await writeImportRecorder(await mkdtemp(join(dir, 'in-cluster-')));
    const viaKubeconfig = await writeImportRecorder(await mkdtemp(join(dir, 'kubeconfig-')));
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, kubeconfigFor(apiserver, token));
    const [gateway, kubeconfigGateway] = await Promise.all([
      serve([], env, [inCluster.importFlag]),
      serve(['--kubeconfig', kubeconfig], {}, [viaKubeconfig.importFlag]),
    ]);

    expect((await plainGet(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    expect(await readFile(inCluster.logPath, 'utf8')).toBe('');

    const reply = await plainGet(`${kubeconfigGateway.url}${JWKS_PATH}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(`${JSON.stringify(JSON.parse(apiserver.jwksJson()), null, 2)}\n`);
    expect(await readFile(viaKubeconfig.logPath, 'utf8')).toContain('@kubernetes/client-node');
    expect(kubeconfigGateway.lines.find((l) => l.event === 'listening')?.upstream).toBe(
      `kubeconfig context "test" ${apiserver.url} from ${kubeconfig}`,
    );
    // JSON by default: one line per request (flushed within 250 ms).
    await until(() => kubeconfigGateway.lines.some((l) => l.msg === 'request'));
    expect(kubeconfigGateway.lines.find((l) => l.msg === 'request')).toEqual({
      level: 30,
      time: expect.any(Number),
      msg: 'request',
      path: JWKS_PATH,
      status: 200,
      cache_hit: false,
      duration_ms: expect.any(Number),
    });
  });

  it('--kubeconfig with a wrong token: 502 to clients, the 401 named in the log', async ({
    expect,
    onTestFinished,
  }) => {
    const { apiserver, dir, serve } = await fixture(onTestFinished);
    const kubeconfig = join(dir, 'kubeconfig-bad.yaml');
    await writeFile(kubeconfig, kubeconfigFor(apiserver, 'not-a-valid-token'));
    const gateway = await serve([], { KUBECONFIG: kubeconfig });
    expect((await plainGet(`${gateway.url}${JWKS_PATH}`)).status).toBe(502);
    await until(() =>
      gateway.lines.some((l) => l.event === 'upstream_fetch_failed' && /HTTP 401/.test(String(l.error))),
    );
  });
});

describe.concurrent('serve configuration errors', () => {
  it.for<[Record<string, string>, RegExp]>([
    [{ CACHE_TTL_SECONDS: 'abc' }, /invalid CACHE_TTL_SECONDS: "abc"/],
    [{ LISTEN_PORT: '70000' }, /invalid LISTEN_PORT: "70000"/],
    [{ PRETTY_PRINT_JSON: 'maybe' }, /invalid PRETTY_PRINT_JSON/],
    [{ UPSTREAM_TIMEOUT_SECONDS: '0' }, /invalid UPSTREAM_TIMEOUT_SECONDS/],
  ])('%j → non-zero exit naming the variable', async ([env, message], { expect }) => {
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an unknown flag', async ({ expect }) => {
    const result = await runCli(['serve', '--cache-ttl', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: serve: unknown option --cache-ttl; did you mean --cache-ttl-seconds?\n',
    );
  });
});
