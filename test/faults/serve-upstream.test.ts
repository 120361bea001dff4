/**
 * serve against a failing upstream with nothing cached: the gateway in-process (real HTTP
 * server on port 0) in front of the HTTPS API-server stand-in (real TLS, bearer tokens),
 * under 50 concurrent keep-alive connections, on an injected clock that stands still
 * while the load runs. The upstream must see exactly one attempt per backoff interval per
 * document, however many requests come in between.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveServeConfig } from '../../src/serve/config.js';
import { type RunningGateway, startGateway } from '../../src/serve/server.js';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  JWKS_PATH,
  randomToken,
  startApiServer,
} from '../support/apiserver.js';
import { ManualClock } from '../support/manual-clock.js';
import { recordingLogger } from '../support/recording-logger.js';

let workdir: string;
let apiserver: ApiServerStandIn;
let gateway: RunningGateway | undefined;
let clock: ManualClock;

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
  clock = new ManualClock();
  gateway = await startGateway(config, recordingLogger(), { clock });
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

/** `connections` loops of back-to-back GETs over keep-alive, `perConnection` each; statuses counted. */
async function load(base: string, paths: string[], connections: number, perConnection: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      for (let n = i; n < i + perConnection; n++) {
        const status = await get(agent, `${base}${paths[n % paths.length]}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

/** Waits until `count` attempts per document have failed and each document's retry is scheduled. */
function attemptsAnswered(count: number): Promise<void> {
  return vi.waitFor(
    () => {
      expect(apiserver.count(JWKS_PATH)).toBe(count);
      expect(apiserver.count(DISCOVERY_PATH)).toBe(count);
      expect(clock.pending).toBe(2);
    },
    { timeout: 10_000, interval: 10 },
  );
}

describe('serve with nothing cached and a failing upstream', () => {
  it('makes one upstream attempt per backoff interval under 50 connections; the rest get 502 at once', async () => {
    const base = await start();
    apiserver.setFault(JWKS_PATH, { kind: 'status', status: 500 });
    apiserver.setFault(DISCOVERY_PATH, { kind: 'status', status: 500 });
    const agent = new http.Agent({ keepAlive: false });
    expect(await get(agent, `${base}${JWKS_PATH}`)).toBe(502);
    expect(await get(agent, `${base}${DISCOVERY_PATH}`)).toBe(502);
    expect(apiserver.count()).toBe(2);

    // Readiness during the backoff: 503 at once, no upstream request.
    for (let i = 0; i < 20; i++) expect(await get(agent, `${base}/readyz`)).toBe(503);
    expect(apiserver.count()).toBe(2);

    // 300 requests while the clock stands still, each of which used to start an upstream fetch.
    expect([...(await load(base, [JWKS_PATH, DISCOVERY_PATH], 50, 6))]).toEqual([[502, 300]]);
    expect(apiserver.count()).toBe(2);

    // The first retry is 1–1.25 s after the failure: one per document.
    clock.advance(1_250);
    await attemptsAnswered(2);
    expect([...(await load(base, [JWKS_PATH, DISCOVERY_PATH], 50, 6))]).toEqual([[502, 300]]);
    expect(apiserver.count()).toBe(4);

    // The next is 2–2.5 s after that one, so not within 1.74 s, and then once.
    clock.advance(1_740);
    expect([...(await load(base, [JWKS_PATH, DISCOVERY_PATH], 50, 6))]).toEqual([[502, 300]]);
    expect(apiserver.count()).toBe(4);
    clock.advance(1_010);
    await attemptsAnswered(3);
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
