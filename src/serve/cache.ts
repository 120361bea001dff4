/**
 * One cached document that refreshes itself. Invariants:
 * - At most one upstream attempt at a time: concurrent callers share it.
 * - The first get() ever starts an attempt at once (a cold start with a healthy upstream
 *   fills on the first request or readiness probe).
 * - After that, attempts start only from the timer: at 80 % of the TTL after a success,
 *   and after a failure once the backoff has passed — with or without a value. The backoff
 *   is 1 s doubling up to min(80 % of the TTL, 30 s), each wait stretched by a random
 *   0–25 % (jitter, so replicas that failed together do not retry together); a wait is
 *   never shorter than its nominal step. So a failing upstream sees at most one attempt
 *   per backoff interval whatever the request rate.
 * - During a backoff, get() answers at once: the value while there is one (stale-on-error,
 *   until maxStale after its expiry), otherwise the last attempt's error. So a cold
 *   request gets its 502, and /readyz its 503, without waiting and without an upstream
 *   request; a request that arrives while the retry runs waits for it.
 * - A success resets the backoff to 1 s.
 * - Every time and timer comes from one Clock, so fake time moves all of them together.
 */
import { type Cancel, type Clock, systemClock } from './clock.js';

export interface RefreshingCacheOptions {
  ttlMs: number;
  maxStaleMs: number;
  /**
   * Called on the transitions only, so logs say each once: ok → failing (a fetch failed),
   * failing → expired (the stale value passed maxStale and is no longer served), → ok.
   */
  onStateChange?: (state: 'ok' | 'failing' | 'expired', error?: unknown) => void;
  /** Called after every upstream attempt, for metrics. */
  onAttempt?: (outcome: { ok: boolean; durationMs: number; error?: unknown }) => void;
  /** A number in [0, 1) for the jitter; Math.random by default (tests pin it). */
  random?: () => number;
  /** What the TTL, refresh, backoff and stale window are timed by; the system clock by default. */
  clock?: Clock;
}

/** Refresh when this share of the TTL has passed, so the value never expires while the upstream works. */
const REFRESH_AT = 0.8;
const FIRST_RETRY_MS = 1000;
/** The longest step between retries: bounds how long a recovered upstream goes unnoticed. */
const MAX_RETRY_MS = 30_000;
/** Each wait is its nominal step plus up to this share of it. */
const JITTER = 0.25;

export class RefreshingCache<T> {
  /** The servable value, read synchronously on the request path; undefined once too stale. */
  value: T | undefined;
  /** When `value` was fetched (ms since epoch); 0 when never. */
  fetchedAt = 0;
  failing = false;

  private inflight: Promise<T> | undefined;
  /** Set from a failed attempt until its retry starts: what get() answers without a value. */
  private backoff: Promise<T> | undefined;
  private cancelRefresh: Cancel | undefined;
  private cancelDrop: Cancel | undefined;
  private retryDelayMs = FIRST_RETRY_MS;
  private readonly maxRetryMs: number;
  private readonly clock: Clock;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: RefreshingCacheOptions,
  ) {
    this.maxRetryMs = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, options.ttlMs * REFRESH_AT));
    this.clock = options.clock ?? systemClock;
  }

  /** True when the value is past its TTL and still served because refreshes fail. */
  get servingStale(): boolean {
    return this.value !== undefined && this.clock.now() - this.fetchedAt > this.options.ttlMs;
  }

  /**
   * The cached value; else the attempt under way; else, during a backoff, the last error
   * at once; else (never attempted) a new attempt.
   */
  get(): Promise<T> {
    if (this.value !== undefined) return Promise.resolve(this.value);
    return this.inflight ?? this.backoff ?? this.fill();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRefresh?.();
    this.cancelDrop?.();
  }

  /** Starts an upstream fetch unless one is already under way, and returns it. */
  private fill(): Promise<T> {
    if (!this.inflight) {
      this.backoff = undefined;
      this.inflight = this.attempt().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async attempt(): Promise<T> {
    const started = performance.now();
    try {
      const value = await this.load();
      this.options.onAttempt?.({ ok: true, durationMs: performance.now() - started });
      this.accept(value);
      return value;
    } catch (error) {
      this.options.onAttempt?.({ ok: false, durationMs: performance.now() - started, error });
      this.reject(error);
      throw error;
    }
  }

  private accept(value: T): void {
    this.value = value;
    this.fetchedAt = this.clock.now();
    this.retryDelayMs = FIRST_RETRY_MS;
    if (this.failing) {
      this.failing = false;
      this.options.onStateChange?.('ok');
    }
    this.schedule(this.options.ttlMs * REFRESH_AT);
    this.cancelDrop?.();
    this.cancelDrop = this.timer(() => {
      this.value = undefined;
      this.options.onStateChange?.('expired');
    }, this.options.ttlMs + this.options.maxStaleMs);
  }

  private reject(error: unknown): void {
    if (!this.failing) {
      this.failing = true;
      this.options.onStateChange?.('failing', error);
    }
    const failed = Promise.reject(error);
    // Handled by whoever asks get(); this stops an unasked one from being an unhandled rejection.
    failed.catch(() => {});
    this.backoff = failed;
    const random = this.options.random ?? Math.random;
    this.schedule(this.retryDelayMs * (1 + JITTER * random()));
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.maxRetryMs);
  }

  private schedule(delayMs: number): void {
    this.cancelRefresh?.();
    this.cancelRefresh = this.timer(() => {
      this.fill().catch(() => {
        // Already reported through onStateChange; a stale value keeps being served meanwhile.
      });
    }, delayMs);
  }

  private timer(callback: () => void, delayMs: number): Cancel | undefined {
    if (this.stopped) return undefined;
    return this.clock.schedule(callback, delayMs);
  }
}
