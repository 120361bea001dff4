/**
 * A client that sends the start of a request and then nothing: the built CLI, as shipped,
 * answers 408 and closes within the documented 5 s for headers (plus the 1 s check
 * interval), not after Node's default 30 s check interval.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, randomToken, startApiServer } from '../support/apiserver.js';
import { type ServeProcess, startServe } from '../support/cli.js';
import { slowRequest } from '../support/flood.js';
import { imageNodeFlags } from '../support/image.js';

let workdir: string;
let apiserver: ApiServerStandIn;
let gateway: ServeProcess;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-slow-'));
  const token = randomToken();
  apiserver = await startApiServer({ tokens: [token] });
  await writeFile(join(workdir, 'token'), token);
  gateway = await startServe(
    [],
    {
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: join(workdir, 'token'),
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    },
    imageNodeFlags(),
  );
});

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  await apiserver?.close();
  await rm(workdir, { recursive: true, force: true });
});

describe('serve against a slow client', () => {
  it('answers 408 and closes when the headers have not arrived within 5 s', async () => {
    const { answer, closedAfterMs } = await slowRequest(
      gateway.port,
      'GET /openid/v1/jwks HTTP/1.1\r\nHost: slow\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(4_900);
    // 5 s, plus up to one 1 s check interval, plus slack for a busy machine.
    expect(closedAfterMs).toBeLessThan(7_000);
  }, 15_000);
});
