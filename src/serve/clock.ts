/**
 * serve's time source: the wall clock and the timers behind the cache's TTL, refresh,
 * backoff and stale window, the Expires header and the last-success age. One object, so a
 * test can run the whole gateway, real sockets and all, on a clock it moves by hand
 * (test/support/manual-clock.ts). Invariants:
 * - The system clock reads `Date.now()` and `setTimeout` when called, not when loaded,
 *   so Vitest's fake timers drive it too.
 * - A scheduled callback never keeps the process alive (the timer is unref'd).
 * Durations that are only measured (request and upstream fetch times, for logs and
 * metrics) read `performance.now()` directly: they time real work, and nothing the
 * gateway decides depends on them. The pacing of cut-connection log lines and heap
 * relief (cut-report.ts, heap-relief.ts) keeps real timers too: it follows real floods.
 */

/** Cancels a scheduled callback; calling it after the callback ran does nothing. */
export type Cancel = () => void;

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  schedule(callback: () => void, delayMs: number): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(callback, delayMs) {
    const timer = setTimeout(callback, delayMs).unref();
    return () => clearTimeout(timer);
  },
};
