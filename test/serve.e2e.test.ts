/**
 * `serve` end to end: the built CLI as a child process against the HTTPS API-server
 * stand-in (real TLS with a test CA, bearer-token checks, real keys).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { runCli, type ServeProcess, startServe } from './support/cli.js';
import { writeImportRecorder } from './support/import-recorder.js';
import { createTestPki, type TestPki } from './support/pki.js';

const DISCOVERY = '/.well-known/openid-configuration';

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

/** A GET written by hand, for what http.request cannot send (a header field twice). */
function rawRequest(port: number, extraHeaders: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${JWKS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`,
      );
    });
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function sha256Etag(body: string): string {
  return `"${createHash('sha256').update(body).digest('hex')}"`;
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

describe('serve routes', () => {
  it('answers both documents with the documented headers, pretty-printed, jwks_uri made public', async () => {
    await setup();
    const gateway = await serve();
    const discovery = await request(`${gateway.url}${DISCOVERY}`);
    expect(discovery.status).toBe(200);
    const upstreamDiscovery = JSON.parse(apiserver.discoveryJson());
    // The stand-in advertises its own address as kube-apiserver does; auto rewrites it onto the issuer.
    expect(upstreamDiscovery.jwks_uri).toBe(`${apiserver.url}/openid/v1/jwks`);
    const expected = { ...upstreamDiscovery, jwks_uri: `${apiserver.issuer}/openid/v1/jwks` };
    expect(discovery.body).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    expect(discovery.headers['content-type']).toBe('application/json');
    expect(discovery.headers['cache-control']).toBe('public, max-age=3600');
    expect(discovery.headers['x-content-type-options']).toBe('nosniff');
    expect(discovery.headers.etag).toBe(sha256Etag(discovery.body));
    const expires = Date.parse(discovery.headers.expires ?? '');
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(5_000);

    const jwks = await request(`${gateway.url}${JWKS_PATH}`);
    expect(jwks.status).toBe(200);
    expect(jwks.body).toBe(`${JSON.stringify(JSON.parse(apiserver.jwksJson()), null, 2)}\n`);
    expect(jwks.headers['content-type']).toBe('application/json');
    expect(jwks.headers.etag).toBe(sha256Etag(jwks.body));
    expect(JSON.parse(jwks.body).keys.map((k: { kid: string }) => k.kid)).toEqual(
      apiserver.keys.map((k) => k.kid),
    );

    // The token was sent trimmed, as a bearer token.
    expect(apiserver.requests.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('serves kube-apiserver’s exact compact bytes with PRETTY_PRINT_JSON=false and JWKS_URI=keep', async () => {
    await setup();
    const gateway = await serve({ PRETTY_PRINT_JSON: 'false', JWKS_URI: 'keep' });
    const jwks = await request(`${gateway.url}${JWKS_PATH}`);
    expect(jwks.body).toBe(apiserver.jwksJson());
    expect(jwks.headers.etag).toBe(sha256Etag(apiserver.jwksJson()));
    const discovery = await request(`${gateway.url}${DISCOVERY}`);
    expect(discovery.body).toBe(apiserver.discoveryJson());
    expect(JSON.parse(discovery.body).jwks_uri).toBe(`${apiserver.url}/openid/v1/jwks`);
    // keep: no rewrite, so no warning either.
    expect(gateway.lines.some((l) => String(l.msg).startsWith('jwks_uri is not on the issuer origin'))).toBe(
      false,
    );
  });

  it('warns once when it rewrites jwks_uri onto the issuer (JWKS_URI=auto)', async () => {
    await setup();
    const gateway = await serve({ CACHE_TTL_SECONDS: '1' });
    await request(`${gateway.url}${DISCOVERY}`);
    // Several refreshes later, still one warning.
    await until(() => apiserver.count(DISCOVERY) >= 3);
    const warnings = gateway.lines.filter((l) =>
      String(l.msg).startsWith('jwks_uri is not on the issuer origin'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      upstream_jwks_uri: `${apiserver.url}/openid/v1/jwks`,
      jwks_uri: `${apiserver.issuer}/openid/v1/jwks`,
    });
  });

  it('answers HEAD, conditional GET, query strings, 404 and 405 as documented', async () => {
    await setup();
    const gateway = await serve();
    const get = await request(`${gateway.url}${JWKS_PATH}`);

    const head = await request(`${gateway.url}${JWKS_PATH}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.headers.etag).toBe(get.headers.etag);

    const conditional = await request(`${gateway.url}${JWKS_PATH}`, {
      headers: { 'if-none-match': get.headers.etag as string },
    });
    expect(conditional.status).toBe(304);
    expect(conditional.body).toBe('');
    expect(conditional.headers.etag).toBe(get.headers.etag);
    expect(conditional.headers['cache-control']).toBe('public, max-age=3600');
    const otherTag = await request(`${gateway.url}${JWKS_PATH}`, { headers: { 'if-none-match': '"nope"' } });
    expect(otherTag.status).toBe(200);
    const listed = await rawRequest(
      gateway.port,
      `If-None-Match: "nope"\r\nIf-None-Match: ${get.headers.etag}\r\n`,
    );
    expect(listed).toMatch(/^HTTP\/1\.1 304 /);

    const withQuery = await request(`${gateway.url}${JWKS_PATH}?cachebust=1`);
    expect(withQuery.status).toBe(200);
    expect(withQuery.body).toBe(get.body);

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const reply = await request(`${gateway.url}${DISCOVERY}`, { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
    for (const path of [
      '/',
      '/openid/v1/jwks/',
      '/.well-known/',
      '/api/v1/namespaces',
      '/OPENID/V1/JWKS',
      '/..%2fopenid/v1/jwks',
    ]) {
      const reply = await request(`${gateway.url}${path}`);
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('127.0.0.1');
    }

    expect((await request(`${gateway.url}/healthz`)).status).toBe(200);
    expect((await request(`${gateway.url}/readyz`)).status).toBe(200);
    const metrics = await request(`${gateway.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(
      'kube_oidc_gateway_http_requests_total{route="/openid/v1/jwks",status="304"} 2',
    );
    expect(metrics.body).toContain(`kube_oidc_gateway_jwks_keys ${apiserver.keys.length}`);
    expect(metrics.body).toMatch(
      /kube_oidc_gateway_upstream_fetches_total\{document="jwks",result="ok"\} 1\b/,
    );
    expect(metrics.body).toMatch(/kube_oidc_gateway_last_success_age_seconds\{document="jwks"\} \d/);
    expect(metrics.body).toMatch(/kube_oidc_gateway_process_resident_memory_bytes \d+/);
    expect(metrics.body).toContain('kube_oidc_gateway_cache_hits_total{document="jwks"}');
    // Logs: one JSON line per request with path, status, cache_hit and duration.
    await until(() => gateway.lines.some((l) => l.msg === 'request' && l.status === 304));
    const line = gateway.lines.find((l) => l.msg === 'request' && l.status === 304);
    expect(line).toMatchObject({ path: JWKS_PATH, cache_hit: true });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('writes the Go gateway’s key=value request line with LOG_FORMAT=text', async () => {
    await setup();
    const gateway = await startServe([], {
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
      LOG_FORMAT: 'json',
    });
    running.push(gateway);
    // The listening line is parsed from JSON; text mode is checked through a second process below.
    await gateway.stop();
    const child = await import('node:child_process');
    const { CLI_PATH, cleanEnv } = await import('./support/cli.js');
    const proc = child.spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--log-format', 'text', '--listen-addr', '127.0.0.1', '--listen-port', '0'],
      {
        env: cleanEnv({
          UPSTREAM_HOST: apiserver.url,
          SA_TOKEN_PATH: tokenPath,
          SA_CA_CERT_PATH: apiserver.pki.caCertPath,
        }),
      },
    );
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    try {
      await until(() => /msg=listening .*port=(\d+)/.test(out));
      const port = /port=(\d+)/.exec(out)?.[1];
      await request(`http://127.0.0.1:${port}${JWKS_PATH}`);
      await until(() => out.includes('path=/openid/v1/jwks'));
      expect(out).toMatch(/^path=\/openid\/v1\/jwks status=200 cache_hit=false duration=[\d.]+ms$/m);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});

describe('serve upstream behaviour', () => {
  it('re-reads a rotated token from disk for the next upstream fetch', async () => {
    await setup();
    const gateway = await serve({ CACHE_TTL_SECONDS: '1' });
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    const rotated = randomToken();
    apiserver.setTokens([rotated]); // the old token is now rejected with 401
    await writeFile(tokenPath, `${rotated}\n`);
    apiserver.resetRequests();
    await until(() =>
      apiserver.requests.some((r) => r.authorization === `Bearer ${rotated}` && r.path === JWKS_PATH),
    );
    expect(apiserver.requests.filter((r) => r.authorization !== `Bearer ${rotated}`)).toEqual([]);
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
  });

  it('serves the last good document when the upstream dies after the fill', async () => {
    await setup();
    const gateway = await serve({ CACHE_TTL_SECONDS: '1' });
    const first = await request(`${gateway.url}${JWKS_PATH}`);
    await request(`${gateway.url}${DISCOVERY}`);
    await apiserver.close();
    // Past the TTL: at least one refresh has failed.
    await until(() => gateway.lines.some((l) => l.msg?.toString().startsWith('upstream fetch failed')));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const stale = await request(`${gateway.url}${JWKS_PATH}`);
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(first.body);
    expect(stale.headers.etag).toBe(first.headers.etag);
    expect((await request(`${gateway.url}/readyz`)).status).toBe(200);
    expect((await request(`${gateway.url}/healthz`)).status).toBe(200);
    const metrics = await request(`${gateway.url}/metrics`);
    expect(metrics.body).toContain('kube_oidc_gateway_serving_stale{document="jwks"} 1');
    // The failure is logged once per state change, not per request or per retry.
    const failures = gateway.lines.filter(
      (l) => l.msg?.toString().startsWith('upstream fetch failed') && l.document === 'jwks',
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error).toMatch(/UPSTREAM_UNREACHABLE/);
  });

  it('stops serving the stale document after MAX_STALE_SECONDS: 502 and readyz 503', async () => {
    await setup();
    const gateway = await serve({ CACHE_TTL_SECONDS: '1', MAX_STALE_SECONDS: '1' });
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    await apiserver.close();
    await until(() =>
      gateway.lines.some((l) => l.document === 'jwks' && String(l.msg).startsWith('stale document dropped')),
    );
    expect((await request(`${gateway.url}${JWKS_PATH}`)).status).toBe(502);
    expect((await request(`${gateway.url}/readyz`)).status).toBe(503);
    expect((await request(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('shares one upstream request between 1,000 concurrent requests on a cold cache', async () => {
    await setup({ kind: 'delay', ms: 500 });
    const gateway = await serve();
    const manyAgent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
    const replies = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<number>((resolve, reject) => {
            http
              .get(`${gateway.url}${JWKS_PATH}`, { agent: manyAgent }, (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              })
              .on('error', reject);
          }),
      ),
    );
    manyAgent.destroy();
    expect(replies.every((status) => status === 200)).toBe(true);
    expect(apiserver.count(JWKS_PATH)).toBe(1);
  });

  it.each([
    ['an HTML page', { kind: 'html' } as const, 'UPSTREAM_NOT_JSON'],
    ['HTTP 500', { kind: 'status', status: 500 } as const, 'UPSTREAM_STATUS'],
    ['a body over 1 MiB', { kind: 'oversize' } as const, 'UPSTREAM_TOO_LARGE'],
    ['a JWKS with a private d', { kind: 'private-key' } as const, 'JWKS_PRIVATE_KEY'],
  ])('never serves %s: the old document is kept', async (_name, fault, code) => {
    await setup();
    const gateway = await serve({ CACHE_TTL_SECONDS: '1' });
    const good = await request(`${gateway.url}${JWKS_PATH}`);
    expect(good.status).toBe(200);
    apiserver.setFault(JWKS_PATH, fault);
    apiserver.resetRequests();
    await until(() => gateway.lines.some((l) => l.document === 'jwks' && String(l.error).startsWith(code)));
    const after = await request(`${gateway.url}${JWKS_PATH}`);
    expect(after.status).toBe(200);
    expect(after.body).toBe(good.body);
    expect(after.body).not.toContain('"d"');
  });

  it('answers 502 without upstream detail, and readyz 503, when no good document was ever fetched', async () => {
    await setup({ kind: 'private-key' });
    const gateway = await serve();
    const reply = await request(`${gateway.url}${JWKS_PATH}`);
    expect(reply.status).toBe(502);
    expect(reply.body).toBe('502 bad gateway\n');
    expect((await request(`${gateway.url}/readyz`)).status).toBe(503);
    expect((await request(`${gateway.url}/healthz`)).status).toBe(200);
    // Discovery is fine on its own route.
    expect((await request(`${gateway.url}${DISCOVERY}`)).status).toBe(200);
  });

  it('sends no request to the upstream from /healthz', async () => {
    await setup();
    const gateway = await serve();
    for (let i = 0; i < 5; i++) expect((await request(`${gateway.url}/healthz`)).status).toBe(200);
    expect(apiserver.count()).toBe(0);
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    await setup({ kind: 'delay', ms: 800 });
    const gateway = await serve();
    const inFlight = request(`${gateway.url}${JWKS_PATH}`);
    await until(() => apiserver.count(JWKS_PATH) === 1);
    gateway.child.kill('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).keys).toHaveLength(apiserver.keys.length);
    expect((await gateway.exited).code).toBe(0);
  });

  it('exits 0 on SIGTERM after finishing', async () => {
    await setup();
    const gateway = await serve();
    await request(`${gateway.url}${JWKS_PATH}`);
    const { code } = await gateway.stop('SIGTERM');
    expect(code).toBe(0);
    expect(gateway.lines.some((l) => l.msg === 'stopped')).toBe(true);
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
    expect(viaKubeconfig.lines.find((l) => l.msg === 'listening')?.upstream).toBe(
      `kubeconfig context "test" ${apiserver.url}`,
    );
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
