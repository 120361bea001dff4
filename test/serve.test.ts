/**
 * `serve` in-process: the real gateway (startGateway: cache, handler, metrics, client
 * limits, a real HTTP server on port 0) in front of the HTTPS API-server stand-in (real
 * TLS with a test CA, bearer tokens, real keys), with its clock injected: TTLs, refreshes,
 * backoff, the stale window, Expires and ages move when a test advances the clock, so
 * nothing here sleeps. The built CLI as a process is in test/serve.cli.test.ts, for what
 * only a process shows.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveServeConfig } from '../src/serve/config.js';
import { type RunningGateway, startGateway } from '../src/serve/server.js';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  type Fault,
  JWKS_PATH,
  randomToken,
  startApiServer,
} from './support/apiserver.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { type RecordingLogger, recordingLogger } from './support/recording-logger.js';
import { nextRsaKeyPair } from './support/rsa-keys.js';

/** The defaults: CACHE_TTL_SECONDS=60 refreshes at 80 %, 48 s after a fill. */
const REFRESH_MS = 48_000;

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

/** Waits for what the gateway does on its own (an upstream fetch under way), polling briefly. */
function until(assertion: () => void | Promise<void>): Promise<void> {
  return vi.waitFor(assertion, { timeout: 10_000, interval: 10 });
}

let workdir: string;
let pki: TestPki;
/** Made once: RSA key generation would otherwise be most of each test's time. */
let keys: KeyObject[];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-serve-'));
  // One CA for the whole file, outliving each stand-in: a dead upstream must look like one, not like a missing CA.
  pki = await createTestPki();
  keys = [nextRsaKeyPair().privateKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey];
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
  await pki.cleanup();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  apiserver: ApiServerStandIn;
  gateway: RunningGateway;
  clock: ManualClock;
  logger: RecordingLogger;
  /** http://127.0.0.1:<port> */
  url: string;
  token: string;
  tokenPath: string;
  metrics(): Promise<string>;
}

async function start(options: { env?: Record<string, string>; faults?: Array<[string, Fault]> } = {}) {
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token], pki, keys });
  cleanups.push(() => apiserver.close());
  for (const [path, fault] of options.faults ?? []) apiserver.setFault(path, fault);
  const tokenPath = join(workdir, `token-${token.slice(0, 8)}`);
  // Written with a trailing newline, as a hand-made Secret often is: the gateway must trim it.
  await writeFile(tokenPath, `${token}\n`);
  const config = resolveServeConfig(
    {},
    {
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: '0',
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: pki.caCertPath,
      ...options.env,
    },
  );
  const clock = new ManualClock();
  const logger = recordingLogger();
  const gateway = await startGateway(config, logger, { clock });
  cleanups.push(() => gateway.close());
  const url = `http://127.0.0.1:${gateway.port}`;
  const harness: Harness = {
    apiserver,
    gateway,
    clock,
    logger,
    url,
    token,
    tokenPath,
    metrics: async () => (await request(`${url}/metrics`)).body,
  };
  return harness;
}

/** A counter or gauge's value in a /metrics text, or undefined when it is not there. */
function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('serve routes', () => {
  it('answers both documents with the documented headers, pretty-printed, jwks_uri made public', async () => {
    const { apiserver, clock, url, token } = await start();
    const discovery = await request(`${url}${DISCOVERY_PATH}`);
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
    expect(discovery.headers.expires).toBe(new Date(clock.now() + 3600_000).toUTCString());

    const jwks = await request(`${url}${JWKS_PATH}`);
    expect(jwks.status).toBe(200);
    expect(jwks.body).toBe(`${JSON.stringify(JSON.parse(apiserver.jwksJson()), null, 2)}\n`);
    expect(jwks.headers['content-type']).toBe('application/json');
    expect(jwks.headers.etag).toBe(sha256Etag(jwks.body));
    expect(JSON.parse(jwks.body).keys.map((k: { kid: string }) => k.kid)).toEqual(
      apiserver.keys.map((k) => k.kid),
    );

    // Expires follows the clock, second by second, without a refresh.
    clock.advance(5_000);
    const later = await request(`${url}${JWKS_PATH}`);
    expect(later.headers.expires).toBe(new Date(clock.now() + 3600_000).toUTCString());
    expect(apiserver.count(JWKS_PATH)).toBe(1);

    // The token was sent trimmed, as a bearer token.
    expect(apiserver.requests.map((r) => r.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
  });

  it('serves kube-apiserver’s exact compact bytes with PRETTY_PRINT_JSON=false and JWKS_URI=keep', async () => {
    const { apiserver, logger, url } = await start({ env: { PRETTY_PRINT_JSON: 'false', JWKS_URI: 'keep' } });
    const jwks = await request(`${url}${JWKS_PATH}`);
    expect(jwks.body).toBe(apiserver.jwksJson());
    expect(jwks.headers.etag).toBe(sha256Etag(apiserver.jwksJson()));
    const discovery = await request(`${url}${DISCOVERY_PATH}`);
    expect(discovery.body).toBe(apiserver.discoveryJson());
    expect(JSON.parse(discovery.body).jwks_uri).toBe(`${apiserver.url}/openid/v1/jwks`);
    // keep: no rewrite, so no warning either.
    expect(logger.events('jwks_uri_rewritten')).toEqual([]);
  });

  it('warns once when it rewrites jwks_uri onto the issuer (JWKS_URI=auto), however often it refreshes', async () => {
    const { apiserver, clock, logger, url, metrics } = await start();
    await request(`${url}${DISCOVERY_PATH}`);
    const fetched = 'kube_oidc_gateway_upstream_fetches_total{document="discovery",result="ok"}';
    for (let fetches = 2; fetches <= 3; fetches++) {
      clock.advance(REFRESH_MS);
      await until(async () => expect(metricValue(await metrics(), fetched)).toBe(fetches));
    }
    expect(apiserver.count(DISCOVERY_PATH)).toBe(3);
    expect(logger.events('jwks_uri_rewritten')).toEqual([
      {
        level: 'warn',
        event: 'jwks_uri_rewritten',
        msg: expect.stringMatching(/^jwks_uri is not on the issuer origin/),
        fields: expect.objectContaining({
          upstream_jwks_uri: `${apiserver.url}/openid/v1/jwks`,
          jwks_uri: `${apiserver.issuer}/openid/v1/jwks`,
        }),
      },
    ]);
  });

  it('answers HEAD, conditional GET, query strings, 404 and 405 as documented, and counts them', async () => {
    const { apiserver, clock, gateway, logger, url, metrics } = await start();
    const get = await request(`${url}${JWKS_PATH}`);

    const head = await request(`${url}${JWKS_PATH}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.headers.etag).toBe(get.headers.etag);

    const conditional = await request(`${url}${JWKS_PATH}`, {
      headers: { 'if-none-match': get.headers.etag as string },
    });
    expect(conditional.status).toBe(304);
    expect(conditional.body).toBe('');
    expect(conditional.headers.etag).toBe(get.headers.etag);
    expect(conditional.headers['cache-control']).toBe('public, max-age=3600');
    expect(conditional.headers.expires).toBe(get.headers.expires);
    expect(conditional.headers['content-type']).toBeUndefined();
    const otherTag = await request(`${url}${JWKS_PATH}`, { headers: { 'if-none-match': '"nope"' } });
    expect(otherTag.status).toBe(200);
    const listed = await rawRequest(
      gateway.port,
      `If-None-Match: "nope"\r\nIf-None-Match: ${get.headers.etag}\r\n`,
    );
    expect(listed).toMatch(/^HTTP\/1\.1 304 /);

    const withQuery = await request(`${url}${JWKS_PATH}?cachebust=1`);
    expect(withQuery.status).toBe(200);
    expect(withQuery.body).toBe(get.body);

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const reply = await request(`${url}${DISCOVERY_PATH}`, { method });
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
      const reply = await request(`${url}${path}`);
      expect(reply.status, path).toBe(404);
      expect(reply.body).toBe('404 page not found\n');
    }

    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect((await request(`${url}/readyz`)).status).toBe(200);
    clock.advance(5_000);
    const text = await metrics();
    expect(
      metricValue(text, 'kube_oidc_gateway_http_requests_total{route="/openid/v1/jwks",status="304"}'),
    ).toBe(2);
    expect(metricValue(text, 'kube_oidc_gateway_http_requests_total{route="other",status="404"}')).toBe(6);
    expect(metricValue(text, 'kube_oidc_gateway_jwks_keys')).toBe(apiserver.keys.length);
    expect(metricValue(text, 'kube_oidc_gateway_upstream_fetches_total{document="jwks",result="ok"}')).toBe(
      1,
    );
    // The age is the clock's: 5 s since the fill.
    expect(metricValue(text, 'kube_oidc_gateway_last_success_age_seconds{document="jwks"}')).toBe(5);
    expect(metricValue(text, 'kube_oidc_gateway_cache_hits_total{document="jwks"}')).toBe(5);
    expect(metricValue(text, 'kube_oidc_gateway_cache_misses_total{document="jwks"}')).toBe(1);
    expect(text).toMatch(/^kube_oidc_gateway_process_resident_memory_bytes \d+$/m);
    // One request line each, with path (no query), status, cache_hit and duration.
    expect(logger.requests.find((r) => r.status === 304)).toEqual({
      path: JWKS_PATH,
      status: 304,
      cacheHit: true,
      durationMs: expect.any(Number),
    });
    expect(logger.requests[0]).toMatchObject({ path: JWKS_PATH, status: 200, cacheHit: false });
    expect(logger.requests.filter((r) => r.path === JWKS_PATH && r.status === 200)).toHaveLength(4);
  });

  it('sends no request to the upstream from /healthz', async () => {
    const { apiserver, url } = await start();
    for (let i = 0; i < 5; i++) expect((await request(`${url}/healthz`)).status).toBe(200);
    expect(apiserver.count()).toBe(0);
  });
});

describe('serve upstream behaviour', () => {
  it('re-reads a rotated token from disk for the next upstream fetch', async () => {
    const { apiserver, clock, tokenPath, url } = await start();
    expect((await request(`${url}${JWKS_PATH}`)).status).toBe(200);
    const rotated = randomToken();
    apiserver.setTokens([rotated]); // the old token is now rejected with 401
    await writeFile(tokenPath, `${rotated}\n`);
    apiserver.resetRequests();
    clock.advance(REFRESH_MS);
    await until(() => expect(apiserver.count(JWKS_PATH)).toBe(1));
    expect(apiserver.requests.map((r) => r.authorization)).toEqual([`Bearer ${rotated}`]);
    expect((await request(`${url}${JWKS_PATH}`)).status).toBe(200);
  });

  it('serves the last good document when the upstream dies, and says so once, not per retry', async () => {
    const { apiserver, clock, logger, url, metrics } = await start();
    const first = await request(`${url}${JWKS_PATH}`);
    await request(`${url}${DISCOVERY_PATH}`);
    await apiserver.close();
    const unreachable =
      'kube_oidc_gateway_upstream_fetches_total{document="jwks",result="UPSTREAM_UNREACHABLE"}';
    // The refresh at 48 s fails; each retry (1 s, 2 s, 4 s steps, +25 % at most) fails too.
    clock.advance(REFRESH_MS);
    for (let failures = 1; failures <= 4; failures++) {
      await until(async () => expect(metricValue(await metrics(), unreachable)).toBe(failures));
      clock.advance(5_000);
    }
    // 68 s after the fill: past the 60 s TTL, well inside MAX_STALE_SECONDS.
    const stale = await request(`${url}${JWKS_PATH}`);
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(first.body);
    expect(stale.headers.etag).toBe(first.headers.etag);
    expect((await request(`${url}/readyz`)).status).toBe(200);
    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect(metricValue(await metrics(), 'kube_oidc_gateway_serving_stale{document="jwks"}')).toBe(1);
    const failures = logger.events('upstream_fetch_failed').filter((l) => l.fields.document === 'jwks');
    expect(failures).toEqual([
      {
        level: 'error',
        event: 'upstream_fetch_failed',
        msg: 'upstream fetch failed; serving the last good document until a fetch succeeds or MAX_STALE_SECONDS pass after its expiry',
        fields: { document: 'jwks', error: expect.stringMatching(/^UPSTREAM_UNREACHABLE/), has_cached: true },
      },
    ]);
    expect(logger.events('stale_expired')).toEqual([]);
  });

  it('stops serving the stale document after MAX_STALE_SECONDS: 502 and readyz 503', async () => {
    const { apiserver, clock, logger, url } = await start({ env: { MAX_STALE_SECONDS: '1' } });
    expect((await request(`${url}${JWKS_PATH}`)).status).toBe(200);
    await apiserver.close();
    clock.advance(REFRESH_MS);
    await until(() => expect(logger.events('upstream_fetch_failed')).toHaveLength(1));
    // 60 s TTL + 1 s of MAX_STALE_SECONDS after the fill.
    clock.advance(13_000 - 1);
    expect(logger.events('stale_expired')).toEqual([]);
    clock.advance(1);
    expect(logger.events('stale_expired')).toEqual([
      { level: 'error', event: 'stale_expired', msg: expect.any(String), fields: { document: 'jwks' } },
    ]);
    expect((await request(`${url}${JWKS_PATH}`)).status).toBe(502);
    expect((await request(`${url}/readyz`)).status).toBe(503);
    expect((await request(`${url}/healthz`)).status).toBe(200);
  });

  it('shares one upstream request between 250 concurrent requests on a cold cache', async () => {
    const CONCURRENT = 250;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { apiserver, gateway, url, metrics } = await start({
      faults: [[JWKS_PATH, { kind: 'hold', until: held }]],
    });
    // Called after the gateway's own handler, for each request.
    let handled = 0;
    gateway.server.on('request', () => {
      handled += 1;
    });
    const manyAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
    const replies = Array.from(
      { length: CONCURRENT },
      () =>
        new Promise<number>((resolve, reject) => {
          http
            .get(`${url}${JWKS_PATH}`, { agent: manyAgent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            })
            .on('error', reject);
        }),
    );
    // All of them are waiting on the one upstream request before it is answered.
    await until(() => expect(handled).toBe(CONCURRENT));
    expect(metricValue(await metrics(), 'kube_oidc_gateway_cache_misses_total{document="jwks"}')).toBe(
      CONCURRENT,
    );
    release();
    const statuses = await Promise.all(replies);
    manyAgent.destroy();
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(apiserver.count(JWKS_PATH)).toBe(1);
  });

  it.each([
    ['an HTML page', { kind: 'html' } as const, 'UPSTREAM_NOT_JSON'],
    ['HTTP 500', { kind: 'status', status: 500 } as const, 'UPSTREAM_STATUS'],
    ['a body over 1 MiB', { kind: 'oversize' } as const, 'UPSTREAM_TOO_LARGE'],
    ['a JWKS with a private d', { kind: 'private-key' } as const, 'JWKS_PRIVATE_KEY'],
  ])('never serves %s: the old document is kept until the upstream recovers', async (_name, fault, code) => {
    const { apiserver, clock, logger, url } = await start();
    const good = await request(`${url}${JWKS_PATH}`);
    expect(good.status).toBe(200);
    apiserver.setFault(JWKS_PATH, fault);
    clock.advance(REFRESH_MS);
    await until(() =>
      expect(logger.events('upstream_fetch_failed')).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ error: expect.stringMatching(`^${code}`) }),
        }),
      ]),
    );
    const after = await request(`${url}${JWKS_PATH}`);
    expect(after.status).toBe(200);
    expect(after.body).toBe(good.body);
    expect(after.body).not.toContain('"d"');

    apiserver.setFault(JWKS_PATH, undefined);
    clock.advance(2_000); // the first retry is 1–1.25 s away
    await until(() => expect(logger.events('upstream_recovered')).toHaveLength(1));
    expect(logger.events('upstream_recovered')[0]).toMatchObject({
      level: 'info',
      fields: { document: 'jwks' },
    });
  });

  it('answers 502 without upstream detail, and readyz 503, when no good document was ever fetched', async () => {
    const { logger, url } = await start({ faults: [[JWKS_PATH, { kind: 'private-key' }]] });
    const reply = await request(`${url}${JWKS_PATH}`);
    expect(reply.status).toBe(502);
    expect(reply.body).toBe('502 bad gateway\n');
    expect((await request(`${url}/readyz`)).status).toBe(503);
    expect((await request(`${url}/healthz`)).status).toBe(200);
    // Discovery is fine on its own route.
    expect((await request(`${url}${DISCOVERY_PATH}`)).status).toBe(200);
    // The log says what clients get: nothing is served meanwhile.
    expect(logger.events('upstream_fetch_failed')).toEqual([
      {
        level: 'error',
        event: 'upstream_fetch_failed',
        msg: 'upstream fetch failed; nothing cached, answering 502 until a fetch succeeds',
        fields: { document: 'jwks', error: expect.stringMatching(/^JWKS_PRIVATE_KEY/), has_cached: false },
      },
    ]);
  });
});
