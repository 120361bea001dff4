import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { otherFailure, sdkFailure } from './errors.js';

/** A real refused connection: what a store SDK meets when its endpoint is down. */
async function refusedConnection(): Promise<Error> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return new Promise((resolve) => net.connect(port, '127.0.0.1').on('error', resolve));
}

describe('a store failure from a socket error', () => {
  const call = { action: 'read', location: 's3://bucket/p/state.json' } as const;

  it('says it in words, as thrown or wrapped by an SDK, without the generic name Error', async () => {
    const refused = await refusedConnection();
    const wrapped = Object.assign(new Error('request failed'), { name: 'RestError', cause: refused });
    expect(otherFailure(sdkFailure(refused, call, undefined, refused.name)).message).toBe(
      's3://bucket/p/state.json: read failed (connection refused (ECONNREFUSED))',
    );
    expect(otherFailure(sdkFailure(wrapped, call, undefined, wrapped.name)).message).toBe(
      's3://bucket/p/state.json: read failed (RestError: connection refused (ECONNREFUSED))',
    );
  });

  it('keeps an SDK error without one as the SDK words it', () => {
    const error = Object.assign(new Error('The bucket is busy\nmore'), { name: 'SlowDown' });
    expect(otherFailure(sdkFailure(error, call, 503, error.name)).message).toBe(
      's3://bucket/p/state.json: read failed (HTTP 503 SlowDown: The bucket is busy)',
    );
  });
});
