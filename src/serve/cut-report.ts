/**
 * Reports connections cut by the client limits. Every cut is counted; the log gets the
 * first cut at once and then at most one line per reason a second, with the number of
 * cuts since the last line, so a flood never becomes a flood of log lines.
 */
import type { Logger } from '../core/log.js';
import type { ClientLimits, CutReason } from './client-limits.js';

const REPORT_INTERVAL_MS = 1_000;

interface Pending {
  count: number;
  client: string | undefined;
}

export class CutReporter {
  private readonly pending = new Map<CutReason, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly limits: ClientLimits,
    private readonly count: (reason: CutReason) => void,
    private readonly intervalMs = REPORT_INTERVAL_MS,
  ) {}

  readonly onCut = (reason: CutReason, client: string | undefined): void => {
    this.count(reason);
    if (this.timer === undefined) {
      this.log(reason, { count: 1, client });
      this.arm();
      return;
    }
    const pending = this.pending.get(reason);
    if (pending) {
      pending.count += 1;
      pending.client = client;
    } else {
      this.pending.set(reason, { count: 1, client });
    }
  };

  /** Logs what is still pending; for shutdown. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.logPending();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.logPending()) this.arm();
    }, this.intervalMs).unref();
  }

  private logPending(): boolean {
    if (this.pending.size === 0) return false;
    for (const [reason, pending] of this.pending) this.log(reason, pending);
    this.pending.clear();
    return true;
  }

  private log(reason: CutReason, { count, client }: Pending): void {
    if (reason === 'pipelining') {
      this.logger.warn(
        'connections_cut',
        'closed connections that pipelined requests without reading the answers',
        {
          reason,
          connections: count,
          max_pipelined: this.limits.maxPipelined,
          last_client: client,
        },
      );
    } else {
      this.logger.warn('connections_cut', 'refused connections: too many open', {
        reason,
        connections: count,
        max_connections: this.limits.maxConnections,
        last_client: client,
      });
    }
  }
}
