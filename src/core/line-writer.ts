/**
 * Log lines collected in memory and written in blocks: at 16 KiB, every 250 ms, and on
 * flush(). One request line costs a string append instead of a write call; a slow or
 * full stdout costs dropped lines (counted), never a stalled event loop or unbounded memory.
 */
import { writeSync } from 'node:fs';

const BLOCK_BYTES = 16 * 1024;
const FLUSH_INTERVAL_MS = 250;
/** Beyond this much unwritten log, new lines are dropped rather than buffered. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export class LineWriter {
  private pending = '';
  private carry: Buffer | undefined;
  dropped = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fd: number,
    options: { intervalMs?: number } = {},
  ) {
    const intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
    if (intervalMs > 0) this.timer = setInterval(() => this.flush(), intervalMs).unref();
  }

  /** Takes whole lines (each ending in a newline), as pino and the request logger write them. */
  write(line: string): boolean {
    if (this.pending.length > MAX_PENDING_BYTES) {
      this.dropped += 1;
      return true;
    }
    this.pending += line;
    if (this.pending.length >= BLOCK_BYTES) this.flush();
    return true;
  }

  flush(): void {
    if (this.pending === '' && !this.carry) return;
    let block = this.pending === '' ? (this.carry as Buffer) : Buffer.from(this.pending);
    if (this.carry && this.pending !== '') block = Buffer.concat([this.carry, block]);
    this.pending = '';
    this.carry = undefined;
    try {
      const written = writeSync(this.fd, block);
      if (written < block.length) this.carry = block.subarray(written);
    } catch (error) {
      // EAGAIN: a non-blocking stdout pipe is full. Keep the block for the next flush.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.carry = block;
      else throw error;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
