/**
 * serve against a failing upstream with nothing cached: the gateway in-process (real HTTP
 * server on port 0) in front of the HTTPS API-server stand-in (real TLS, bearer tokens),
 * under 50 concurrent keep-alive connections. The upstream must see at most one attempt
 * per backoff interval per document, however fast the requests come.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveServeConfig } from '../../src/serve/config.js';
import { type RunningGateway, startGateway } from '../../src/serve/server.js';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  JWKS_PATH,
  randomToken,
  startApiServer,
} from '../support/apiserver.js';
import { recordingLogger } from '../support/recording-logger.js';

let workdir: string;
let apiserver: ApiServerStandIn;
let gateway: RunningGateway | undefined;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kog-serve-upstream-'));
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await apiserver?.close();
});

async function start(): Promise<string> {
  const token = randomToken();
  apiserver = await startApiServer({ tokens: [token] });
  const tokenPath = join(workdir, `token-${token.slice(0, 8)}`);
  await writeFile(tokenPath, token);
  const config = resolveServeConfig(
    {},
    {
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: '0',
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    },
  );
  gateway = await startGateway(config, recordingLogger());
  return `http://127.0.0.1:${gateway.port}`;
}

function get(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** `connections` loops of back-to-back GETs over keep-alive for `forMs`; statuses counted. */
async function load(base: string, paths: string[], connections: number, forMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const statuses = new Map<number, number>();
  const deadline = Date.now() + forMs;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      for (let n = i; Date.now() < deadline; n++) {
        const status = await get(agent, `${base}${paths[n % paths.length]}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

describe('serve with nothing cached and a failing upstream', () => {
  it('makes at most one upstream attempt per backoff interval under 50 connections; the rest get 502 at once', async () => {
    const base = await start();
    apiserver.setFault(JWKS_PATH, { kind: 'status', status: 500 });
    apiserver.setFault(DISCOVERY_PATH, { kind: 'status', status: 500 });
    const agent = new http.Agent({ keepAlive: false });
    expect(await get(agent, `${base}${JWKS_PATH}`)).toBe(502);
    expect(await get(agent, `${base}${DISCOVERY_PATH}`)).toBe(502);
    expect(apiserver.count()).toBe(2);

    // Readiness during the backoff (the retry is a second away): 503 at once, no upstream request.
    for (let i = 0; i < 20; i++) expect(await get(agent, `${base}/readyz`)).toBe(503);
    expect(apiserver.count()).toBe(2);

    // 1.3 s more: one retry per document after 1–1.25 s, the next not before 3 s.
    const statuses = await load(base, [JWKS_PATH, DISCOVERY_PATH], 50, 1_300);
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect([...statuses.keys()]).toEqual([502]);
    // The load was real: hundreds of requests, each of which used to start an upstream fetch.
    expect(answered).toBeGreaterThan(200);
    expect(apiserver.count(JWKS_PATH)).toBeGreaterThanOrEqual(1);
    expect(apiserver.count(JWKS_PATH)).toBeLessThanOrEqual(2);
    expect(apiserver.count(DISCOVERY_PATH)).toBeGreaterThanOrEqual(1);
    expect(apiserver.count(DISCOVERY_PATH)).toBeLessThanOrEqual(2);
  });

  it('still fills on the first request at a cold start when the upstream is healthy', async () => {
    const base = await start();
    const agent = new http.Agent({ keepAlive: false });
    expect(await get(agent, `${base}/readyz`)).toBe(200);
    expect(await get(agent, `${base}${JWKS_PATH}`)).toBe(200);
    expect(apiserver.count(JWKS_PATH)).toBe(1);
    expect(apiserver.count(DISCOVERY_PATH)).toBe(1);
  });
});
