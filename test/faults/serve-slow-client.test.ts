/**
 * A client that sends the start of a request and then nothing: the built CLI, as shipped,
 * answers 408 and closes within the documented 5 s for headers (plus the 1 s check
 * interval), not after Node's default 30 s check interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeProcess } from '../support/cli.js';
import { slowRequest } from '../support/flood.js';
import { type ImageServe, startImageServe } from '../support/image-serve.js';

let served: ImageServe | undefined;
let gateway: ServeProcess;

beforeAll(async () => {
  served = await startImageServe('slow');
  gateway = served.gateway;
});

afterAll(() => served?.close());

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
