/**
 * Log lines collected into one reused 16 KiB block and written when it fills, every
 * 250 ms, and on flush(). A request line costs one copy into the block: the line string
 * dies at once instead of lingering until a write (and being promoted to the old heap),
 * and there is no write call per request. When stdout does not keep up (a full
 * non-blocking pipe), blocks queue up to 1 MiB and are written first, in order, later;
 * past that, blocks are dropped and counted: never a stalled event loop, never unbounded memory.
 * A descriptor that fails (EPIPE when the log reader has gone, EBADF, EIO, ENOSPC) never
 * throws into the caller: what it refused is dropped and counted, and later writes try
 * again (a FIFO can get a new reader). Logging must never take the process down.
 */
import { writeSync } from 'node:fs';

const BLOCK_BYTES = 16 * 1024;
const MAX_QUEUED_BYTES = 1024 * 1024;
const FLUSH_INTERVAL_MS = 250;
const NEWLINE = 0x0a;

export class LineWriter {
  private readonly block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  private used = 0;
  /** Bytes the descriptor has not taken yet (EAGAIN, partial writes), oldest first. */
  private readonly queue: Buffer[] = [];
  private queued = 0;
  /** Lines dropped, wholly or in part: stdout did not keep up, or failed. */
  droppedLines = 0;
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
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a cheap bound that avoids measuring the line.
    if (this.used + line.length * 3 > BLOCK_BYTES) {
      this.flush();
      if (line.length * 3 > BLOCK_BYTES) {
        this.send(Buffer.from(line));
        return true;
      }
    }
    this.used += this.block.write(line, this.used);
    return true;
  }

  flush(): void {
    if (this.used === 0 && this.queue.length === 0) return;
    const pending = this.block.subarray(0, this.used);
    this.used = 0;
    if (this.drainQueue()) {
      const written = this.tryWrite(pending);
      if (written < pending.length) this.enqueue(pending.subarray(written));
    } else {
      this.enqueue(pending);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /** Bytes that do not fit the block: written at once, after anything queued. */
  private send(bytes: Buffer): void {
    this.flush();
    const written = this.drainQueue() ? this.tryWrite(bytes) : 0;
    if (written < bytes.length) this.enqueue(bytes.subarray(written));
  }

  /** Writes the queue in order; true when it is empty afterwards. */
  private drainQueue(): boolean {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      const written = this.tryWrite(head);
      this.queued -= written;
      if (written < head.length) {
        this.queue[0] = head.subarray(written);
        return false;
      }
      this.queue.shift();
    }
    return true;
  }

  /** Copies (the block is reused) unless that would pass the cap. */
  private enqueue(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.queued + bytes.length > MAX_QUEUED_BYTES) {
      this.drop(bytes);
      return;
    }
    this.queue.push(Buffer.from(bytes));
    this.queued += bytes.length;
  }

  /**
   * Bytes written; 0 when a non-blocking pipe is full (EAGAIN). When the descriptor fails
   * otherwise, all of them: they are dropped and counted, never retried.
   */
  private tryWrite(bytes: Buffer): number {
    if (bytes.length === 0) return 0;
    try {
      return writeSync(this.fd, bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      this.drop(bytes);
      return bytes.length;
    }
  }

  /** Counts the lines these bytes end (a line cut short counts too: its newline is lost). */
  private drop(bytes: Buffer): void {
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) {
      this.droppedLines += 1;
    }
  }
}
