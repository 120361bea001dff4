/**
 * Gives back the memory a flood made V8 take. Thousands of connections cut a second leave
 * V8 with a grown heap and a pool of freed pages it keeps for reuse; V8's memory reducer,
 * which would return them, waits in Node for its 100 s watchdog (it judges the allocation
 * rate high even in an idle process) and then returns only part. So while connections
 * are being cut, and once after the last cut, serve asks V8 for a full collection that
 * also releases that pool: at most one every `intervalMs`, each some tens of
 * milliseconds. It needs `--expose-gc` (the image's ENTRYPOINT sets it); without it,
 * nothing happens.
 */

const RELIEF_INTERVAL_MS = 1_000;

export type Collect = () => void;

/** V8's collection that releases pooled pages, when Node runs with --expose-gc. */
export function exposedCollector(): Collect | undefined {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return undefined;
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

export class HeapRelief {
  private timer: NodeJS.Timeout | undefined;
  private cutSinceLastCollection = false;

  constructor(
    private readonly collect: Collect | undefined,
    private readonly onCollected: (durationMs: number) => void = () => {},
    private readonly intervalMs = RELIEF_INTERVAL_MS,
  ) {}

  /** A connection was cut: a collection follows within `intervalMs`. */
  noteCut(): void {
    if (!this.collect) return;
    this.cutSinceLastCollection = true;
    if (this.timer === undefined) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.cutSinceLastCollection || !this.collect) return;
      this.cutSinceLastCollection = false;
      const started = performance.now();
      this.collect();
      this.onCollected(performance.now() - started);
      // Armed again, so the cuts that come meanwhile get their collection too.
      this.arm();
    }, this.intervalMs).unref();
  }
}
