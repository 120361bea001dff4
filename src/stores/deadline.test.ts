import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';
import type { ObjectStore } from './store.js';

/** A store whose calls never settle on their own, recording the signal each was given. */
function stalledStore(signals: AbortSignal[]): ObjectStore {
  const never = (signal?: AbortSignal) => {
    if (signal) signals.push(signal);
    return new Promise<never>(() => {});
  };
  return {
    description: 's3://bucket/prefix',
    recordsHeaders: true,
    locate: (key) => `s3://bucket/prefix/${key}`,
    head: (_key, signal) => never(signal),
    get: (_key, signal) => never(signal),
    put: (_key, _body, _options, signal) => never(signal),
    close() {},
  };
}

describe('withDeadline', () => {
  it('fails a call that never settles with STORE_TIMEOUT at the deadline, and aborts its signal', async () => {
    const signals: AbortSignal[] = [];
    const store = withDeadline(stalledStore(signals), 50);
    const started = performance.now();
    await expect(
      store.put('openid/v1/jwks', Buffer.from('{}'), {
        contentType: 'application/json',
        cacheControl: 'no-cache',
        sha256: '"x"',
        publicRead: false,
      }),
    ).rejects.toMatchObject({
      code: 'STORE_TIMEOUT',
      message:
        's3://bucket/prefix/openid/v1/jwks: PUT got no answer within 0.05 s; the store is unreachable or ' +
        'stalled (check the endpoint and the network, or raise --store-timeout-seconds)',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });

  it('reports what the backend threw once it was aborted as the timeout, and passes other errors on', async () => {
    const failing: ObjectStore = {
      ...stalledStore([]),
      head: (_key, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new Error('AbortError: the request was aborted'))),
        ),
      get: async () => {
        throw new Error('boom');
      },
    };
    const store = withDeadline(failing, 20);
    await expect(store.head('k')).rejects.toMatchObject({ code: 'STORE_TIMEOUT' });
    await expect(store.get('k')).rejects.toThrow('boom');
  });
});
