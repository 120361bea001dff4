/**
 * One cached document that refreshes itself. After the first fill, requests never wait
 * on the upstream: a timer refreshes before the TTL runs out, a failed refresh keeps the
 * last good value (stale-on-error) until maxStale after its expiry, and concurrent misses
 * share one upstream request.
 */

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
}

/** Refresh when this share of the TTL has passed, so the value never expires while the upstream works. */
const REFRESH_AT = 0.8;
const FIRST_RETRY_MS = 1000;

export class RefreshingCache<T> {
  /** The servable value, read synchronously on the request path; undefined once too stale. */
  value: T | undefined;
  /** When `value` was fetched (ms since epoch); 0 when never. */
  fetchedAt = 0;
  failing = false;

  private inflight: Promise<T> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = FIRST_RETRY_MS;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: RefreshingCacheOptions,
  ) {}

  /** True when the value is past its TTL and still served because refreshes fail. */
  get servingStale(): boolean {
    return this.value !== undefined && Date.now() - this.fetchedAt > this.options.ttlMs;
  }

  /** The cached value, or one fill shared by every concurrent caller. */
  get(): Promise<T> {
    return this.value !== undefined ? Promise.resolve(this.value) : this.fill();
  }

  /** Starts an upstream fetch unless one is already under way, and returns it. */
  fill(): Promise<T> {
    if (!this.inflight) {
      this.inflight = this.attempt().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.dropTimer);
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
    this.fetchedAt = Date.now();
    this.retryDelayMs = FIRST_RETRY_MS;
    if (this.failing) {
      this.failing = false;
      this.options.onStateChange?.('ok');
    }
    this.schedule(this.options.ttlMs * REFRESH_AT);
    clearTimeout(this.dropTimer);
    this.dropTimer = this.timer(() => {
      this.value = undefined;
      this.options.onStateChange?.('expired');
    }, this.options.ttlMs + this.options.maxStaleMs);
  }

  private reject(error: unknown): void {
    if (!this.failing) {
      this.failing = true;
      this.options.onStateChange?.('failing', error);
    }
    // Retry with backoff only while there is a value to protect; without one, requests drive the fills.
    if (this.value !== undefined) {
      const cap = Math.max(FIRST_RETRY_MS, this.options.ttlMs * REFRESH_AT);
      this.schedule(Math.min(this.retryDelayMs, cap));
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, cap);
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = this.timer(() => {
      this.fill().catch(() => {
        // Already reported through onStateChange; the stale value keeps being served.
      });
    }, delayMs);
  }

  private timer(callback: () => void, delayMs: number): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    // Unref'd: a cache must never be what keeps the process alive.
    return setTimeout(callback, delayMs).unref();
  }
}
