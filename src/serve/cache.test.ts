import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshingCache } from './cache.js';

afterEach(() => {
  vi.useRealTimers();
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('RefreshingCache', () => {
  it('shares one load between concurrent misses', async () => {
    const pending = deferred<string>();
    const load = vi.fn(() => pending.promise);
    const cache = new RefreshingCache(load, { ttlMs: 60_000, maxStaleMs: 60_000 });
    const waiting = Array.from({ length: 100 }, () => cache.get());
    pending.resolve('doc');
    expect(await Promise.all(waiting)).toEqual(Array(100).fill('doc'));
    expect(load).toHaveBeenCalledTimes(1);
    cache.stop();
  });

  it('refreshes in the background before the TTL, so the value never lapses', async () => {
    vi.useFakeTimers();
    let version = 0;
    const load = vi.fn(async () => `v${++version}`);
    const cache = new RefreshingCache(load, { ttlMs: 10_000, maxStaleMs: 0 });
    await cache.get();
    expect(cache.value).toBe('v1');
    await vi.advanceTimersByTimeAsync(8_000);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.value).toBe('v2');
    await vi.advanceTimersByTimeAsync(8_000);
    expect(cache.value).toBe('v3');
    cache.stop();
  });

  it('keeps serving the last good value on failure, then drops it after maxStale', async () => {
    vi.useFakeTimers();
    let fail = false;
    const states: string[] = [];
    const cache = new RefreshingCache(
      async () => {
        if (fail) throw new Error('upstream down');
        return 'good';
      },
      { ttlMs: 10_000, maxStaleMs: 30_000, onStateChange: (state) => states.push(state) },
    );
    await cache.get();
    fail = true;
    await vi.advanceTimersByTimeAsync(11_000);
    expect(cache.value).toBe('good');
    expect(cache.servingStale).toBe(true);
    expect(cache.failing).toBe(true);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(cache.value).toBe('good');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(cache.value).toBeUndefined();
    await expect(cache.get()).rejects.toThrow('upstream down');
    // Many failed retries, one state change logged for them.
    expect(states).toEqual(['failing', 'expired']);
    fail = false;
    expect(await cache.get()).toBe('good');
    expect(states).toEqual(['failing', 'expired', 'ok']);
    cache.stop();
  });

  it('retries with backoff while failing instead of hammering the upstream', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const cache = new RefreshingCache(
      async () => {
        calls += 1;
        if (calls > 1) throw new Error('down');
        return 'x';
      },
      { ttlMs: 60_000, maxStaleMs: 600_000 },
    );
    await cache.get();
    await vi.advanceTimersByTimeAsync(48_000); // first refresh fails
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000); // 1 s, 2 s, 4 s, 8 s backoff
    expect(calls).toBe(6);
    await vi.advanceTimersByTimeAsync(15_000); // next is 16 s away
    expect(calls).toBe(6);
    cache.stop();
  });

  it('does not cache a failed first load', async () => {
    let calls = 0;
    const cache = new RefreshingCache(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first fails');
        return 'ok';
      },
      { ttlMs: 60_000, maxStaleMs: 0 },
    );
    await expect(cache.get()).rejects.toThrow('first fails');
    expect(cache.value).toBeUndefined();
    expect(await cache.get()).toBe('ok');
    cache.stop();
  });
});
