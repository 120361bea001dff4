/**
 * `serve` as a process: the built CLI against the HTTPS API-server stand-in (real TLS with
 * a test CA, bearer-token checks, real keys), for what only a process shows: signals and
 * the exit code, flags and environment parsed by the CLI, the log on stdout, kubeconfig
 * loading and which modules are imported. Routes, caching and upstream failures are tested
 * in-process, on an injected clock, in test/serve.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { runCli, type ServeProcess, startServe } from './support/cli.js';
import { writeImportRecorder } from './support/import-recorder.js';
import { createTestPki, type TestPki } from './support/pki.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: false });

function request(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let workdir: string;
let pki: TestPki;
let apiserver: ApiServerStandIn;
let tokenPath: string;
let token: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-serve-'));
  // One CA for the whole file, outliving each stand-in: a dead upstream must look like one, not like a missing CA.
  pki = await createTestPki();
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
  await pki.cleanup();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  await apiserver?.close();
});

async function setup(fault?: Parameters<ApiServerStandIn['setFault']>[1], faultPath = JWKS_PATH) {
  token = randomToken();
  apiserver = await startApiServer({ tokens: [token], pki });
  if (fault) apiserver.setFault(faultPath, fault);
  tokenPath = join(workdir, `token-${token.slice(0, 8)}`);
  // Written with a trailing newline, as a hand-made Secret often is: the gateway must trim it.
  await writeFile(tokenPath, `${token}\n`);
}

async function serve(env: Record<string, string> = {}): Promise<ServeProcess> {
  const process = await startServe([], {
    UPSTREAM_HOST: apiserver.url,
    SA_TOKEN_PATH: tokenPath,
    SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    ...env,
  });
  running.push(process);
  return process;
}

describe('serve lifecycle', () => {
  it('with --log-format text: the Go gateway’s request line; on SIGTERM the request in flight is answered, then exit 0', async () => {
    let release!: () => void;
    await setup({ kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) });
    const gateway = await startServe(['--log-format', 'text'], {
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    });
    running.push(gateway);
    const inFlight = request(`${gateway.url}${JWKS_PATH}`);
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

describe('serve sources', () => {
  it('in-cluster: never loads @kubernetes/client-node (the positive control: --kubeconfig does)', async () => {
    await setup();
    const recorder = await writeImportRecorder(workdir);
    const gateway = await startServe(
      [],
      { UPSTREAM_HOST: apiserver.url, SA_TOKEN_PATH: tokenPath, SA_CA_CERT_PATH: apiserver.pki.caCertPath },
      [recorder.importFlag],
    );
    running.push(gateway);
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    expect(await readFile(recorder.logPath, 'utf8')).toBe('');

    const kubeconfig = join(workdir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, kubeconfigFor(apiserver, token));
    const viaKubeconfig = await startServe(['--kubeconfig', kubeconfig], {}, [recorder.importFlag]);
    running.push(viaKubeconfig);
    const reply = await request(`${viaKubeconfig.url}${JWKS_PATH}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(`${JSON.stringify(JSON.parse(apiserver.jwksJson()), null, 2)}\n`);
    expect(await readFile(recorder.logPath, 'utf8')).toContain('@kubernetes/client-node');
    expect(viaKubeconfig.lines.find((l) => l.event === 'listening')?.upstream).toBe(
      `kubeconfig context "test" ${apiserver.url}`,
    );
    // JSON by default: one line per request (flushed within 250 ms).
    await until(() => viaKubeconfig.lines.some((l) => l.msg === 'request'));
    expect(viaKubeconfig.lines.find((l) => l.msg === 'request')).toEqual({
      level: 30,
      time: expect.any(Number),
      msg: 'request',
      path: JWKS_PATH,
      status: 200,
      cache_hit: false,
      duration_ms: expect.any(Number),
    });
  });

  it('--kubeconfig with a wrong token: 502 to clients, the 401 named in the log', async () => {
    await setup();
    const kubeconfig = join(workdir, 'kubeconfig-bad.yaml');
    await writeFile(kubeconfig, kubeconfigFor(apiserver, 'not-a-valid-token'));
    const gateway = await serve({ KUBECONFIG: kubeconfig });
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(502);
    await until(() => gateway.lines.some((l) => /HTTP 401/.test(String(l.error))));
  });
});

/** A kubeconfig with a static bearer token and the stand-in's CA, as `kubectl config view --raw` shows one. */
function kubeconfigFor(server: ApiServerStandIn, bearer: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: ${server.url}
      certificate-authority-data: ${Buffer.from(server.caCertPem).toString('base64')}
users:
  - name: test
    user:
      token: ${bearer}
contexts:
  - name: test
    context: { cluster: test, user: test }
current-context: test
`;
}

describe('serve configuration errors', () => {
  it.each([
    [{ CACHE_TTL_SECONDS: 'abc' }, /invalid CACHE_TTL_SECONDS: "abc"/],
    [{ LISTEN_PORT: '70000' }, /invalid LISTEN_PORT: "70000"/],
    [{ PRETTY_PRINT_JSON: 'maybe' }, /invalid PRETTY_PRINT_JSON/],
    [{ UPSTREAM_TIMEOUT_SECONDS: '0' }, /invalid UPSTREAM_TIMEOUT_SECONDS/],
  ])('%j → non-zero exit naming the variable', async (env, message) => {
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an unknown flag', async () => {
    const result = await runCli(['serve', '--cache-ttl', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown argument/);
  });
});
