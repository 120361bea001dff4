/**
 * A Clock (src/serve/clock.ts) that moves only when told: the gateway's TTL, refresh,
 * backoff, stale window and Expires run on it while its sockets, the upstream and every
 * other timer stay real. advance() fires the callbacks that fall due, in time order, each
 * with the clock set to its own due time, as real timers would have.
 */
import type { Cancel, Clock } from '../../src/serve/clock.js';

interface Scheduled {
  at: number;
  /** Order of scheduling: breaks ties between callbacks due at the same time. */
  seq: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private current: number;
  private scheduled: Scheduled[] = [];
  private seq = 0;

  /** Starts at `startMs` (ms since the epoch): a whole second, so Expires is exact. */
  constructor(startMs = Date.UTC(2030, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(callback: () => void, delayMs: number): Cancel {
    const entry: Scheduled = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.scheduled.push(entry);
    return () => {
      this.scheduled = this.scheduled.filter((s) => s !== entry);
    };
  }

  /** Moves time forward by `ms`, running each callback that falls due on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.scheduled.filter((s) => s.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.scheduled = this.scheduled.filter((s) => s !== due);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = end;
  }

  /** How many callbacks are scheduled and not yet run. */
  get pending(): number {
    return this.scheduled.length;
  }
}
