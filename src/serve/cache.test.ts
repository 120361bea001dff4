import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshingCache } from './cache.js';
import { resolveServeConfig } from './config.js';

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
  it('keeps a value through TTL + max-stale at the longest settings: one timer, within Node’s limit', async () => {
    // Vitest's fake timers, like Node, fire a timer longer than 2^31-1 ms at once.
    vi.useFakeTimers();
    const longest = resolveServeConfig({}, { CACHE_TTL_SECONDS: '86400', MAX_STALE_SECONDS: '1814400' });
    expect(() => resolveServeConfig({}, { MAX_STALE_SECONDS: '1814401' })).toThrow(/MAX_STALE_SECONDS/);
    expect(() => resolveServeConfig({}, { CACHE_TTL_SECONDS: '86401' })).toThrow(/CACHE_TTL_SECONDS/);
    const states: string[] = [];
    const cache = new RefreshingCache(async () => 'doc', {
      ttlMs: longest.cacheTtlMs,
      maxStaleMs: longest.maxStaleMs,
      onStateChange: (state) => states.push(state),
    });
    await cache.get();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cache.value).toBe('doc');
    expect(states).toEqual([]);
    cache.stop();
  });

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
      { ttlMs: 10_000, maxStaleMs: 30_000, random: () => 0, onStateChange: (state) => states.push(state) },
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
    // The next retry (8 s steps by now) fills it again without a request.
    await vi.advanceTimersByTimeAsync(8_000);
    expect(cache.value).toBe('good');
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
      { ttlMs: 60_000, maxStaleMs: 600_000, random: () => 0 },
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

  it('does not cache a failed first load, and retries it after the backoff', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const cache = new RefreshingCache(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first fails');
        return 'ok';
      },
      { ttlMs: 60_000, maxStaleMs: 0, random: () => 0 },
    );
    await expect(cache.get()).rejects.toThrow('first fails');
    expect(cache.value).toBeUndefined();
    // No request needed: the retry timer fills it.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    expect(cache.value).toBe('ok');
    expect(await cache.get()).toBe('ok');
    cache.stop();
  });
});

/** Calls get() every `everyMs` for `forMs` (fake time) and counts how each call settled. */
async function hammer(cache: RefreshingCache<string>, forMs: number, everyMs: number) {
  const outcomes = { ok: 0, failed: 0, settledAtOnce: 0 };
  for (let t = 0; t < forMs; t += everyMs) {
    let settled = false;
    cache.get().then(
      () => {
        settled = true;
        outcomes.ok += 1;
      },
      () => {
        settled = true;
        outcomes.failed += 1;
      },
    );
    // Microtasks only: a call that settles here did not wait for a timer or an upstream request.
    await Promise.resolve();
    await Promise.resolve();
    if (settled) outcomes.settledAtOnce += 1;
    await vi.advanceTimersByTimeAsync(everyMs);
  }
  return outcomes;
}

describe('RefreshingCache backoff without a value', () => {
  it('makes at most one upstream attempt per backoff interval on a cold cache, whatever the request rate', async () => {
    vi.useFakeTimers();
    const attemptsAt: number[] = [];
    const started = Date.now();
    const cache = new RefreshingCache(
      async () => {
        attemptsAt.push(Date.now() - started);
        throw new Error('down');
      },
      { ttlMs: 60_000, maxStaleMs: 0, random: () => 0 },
    );
    // 100 requests a second for 10 s.
    const outcomes = await hammer(cache, 10_000, 10);
    expect(attemptsAt).toEqual([0, 1_000, 3_000, 7_000]);
    expect(outcomes.ok).toBe(0);
    expect(outcomes.failed).toBe(1_000);
    // Only the requests that arrived while an attempt ran waited; the rest were answered at once.
    expect(outcomes.settledAtOnce).toBeGreaterThanOrEqual(1_000 - attemptsAt.length);
    cache.stop();
  });

  it('answers a cold get() during the backoff with the last error, without an upstream request', async () => {
    vi.useFakeTimers();
    const load = vi.fn(async () => {
      throw new Error('HTTP 500');
    });
    const cache = new RefreshingCache(load, { ttlMs: 60_000, maxStaleMs: 0, random: () => 0 });
    await expect(cache.get()).rejects.toThrow('HTTP 500');
    for (let i = 0; i < 50; i++) await expect(cache.get()).rejects.toThrow('HTTP 500');
    expect(load).toHaveBeenCalledTimes(1);
    cache.stop();
  });

  it('stretches each wait by up to 25 % of jitter, never below its nominal step', async () => {
    vi.useFakeTimers();
    const attemptsAt: number[] = [];
    const started = Date.now();
    const cache = new RefreshingCache(
      async () => {
        attemptsAt.push(Date.now() - started);
        throw new Error('down');
      },
      { ttlMs: 60_000, maxStaleMs: 0, random: () => 0.5 },
    );
    await hammer(cache, 10_000, 10);
    // 1 s, 2 s, 4 s steps, each 12.5 % longer.
    expect(attemptsAt).toEqual([0, 1_125, 3_375, 7_875]);
    cache.stop();
  });

  it('caps the step at 30 s even when 80 % of the TTL is longer, so a recovery is seen within it', async () => {
    vi.useFakeTimers();
    const attemptsAt: number[] = [];
    const started = Date.now();
    let down = true;
    const cache = new RefreshingCache(
      async () => {
        attemptsAt.push(Date.now() - started);
        if (down) throw new Error('down');
        return 'doc';
      },
      { ttlMs: 86_400_000, maxStaleMs: 0, random: () => 0 },
    );
    await expect(cache.get()).rejects.toThrow('down');
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000 + 16_000 + 30_000 + 30_000);
    expect(attemptsAt).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 61_000, 91_000]);
    down = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(cache.value).toBe('doc');
    cache.stop();
  });

  it('keeps the backoff after the stale value is dropped: requests do not restart attempts', async () => {
    vi.useFakeTimers();
    let down = false;
    const attemptsAt: number[] = [];
    const started = Date.now();
    const cache = new RefreshingCache(
      async () => {
        attemptsAt.push(Date.now() - started);
        if (down) throw new Error('down');
        return 'doc';
      },
      { ttlMs: 10_000, maxStaleMs: 5_000, random: () => 0 },
    );
    await cache.get();
    down = true;
    // Refresh at 8 s fails; retries at 9, 11, 15 s (the value is dropped at 15 s), then 8 s steps.
    const outcomes = await hammer(cache, 30_000, 10);
    expect(attemptsAt).toEqual([0, 8_000, 9_000, 11_000, 15_000, 23_000]);
    expect(cache.value).toBeUndefined();
    expect(outcomes.failed).toBeGreaterThan(0);
    cache.stop();
  });
});
