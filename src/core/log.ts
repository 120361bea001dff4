/**
 * Logging: JSON lines through pino by default, or the Go gateway's key=value lines.
 * Both write to stdout asynchronously (sonic-boom coalesces writes under load) and are
 * flushed on exit. Nothing here ever logs a token or an Authorization header.
 */
import pino from 'pino';
import { LineWriter } from './line-writer.js';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface RequestLogFields {
  path: string;
  status: number;
  cacheHit: boolean;
  durationMs: number;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  request(fields: RequestLogFields): void;
  flush(): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  fd?: number;
  /**
   * Collect lines into blocks (serve: one line per request would otherwise be one write
   * per request); see LineWriter. Call flush() before exiting.
   */
  buffered?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const destination: { write(line: string): unknown; flushSync(): void } = options.buffered
    ? bufferedDestination(new LineWriter(fd))
    : pino.destination({ dest: fd, sync: true });
  const threshold = LEVELS[options.level];
  if (options.format === 'json') {
    const logger = pino(
      // Epoch milliseconds: pino's cheapest timestamp, and what log pipelines parse natively.
      { level: options.level, base: undefined, timestamp: pino.stdTimeFunctions.epochTime },
      destination,
    );
    return {
      debug: (msg, fields) => logger.debug(fields ?? {}, msg),
      info: (msg, fields) => logger.info(fields ?? {}, msg),
      warn: (msg, fields) => logger.warn(fields ?? {}, msg),
      error: (msg, fields) => logger.error(fields ?? {}, msg),
      // pino's own line format, assembled here: this runs once per request, and a template
      // costs a fraction of serializing a fields object.
      request: ({ path, status, cacheHit, durationMs }) => {
        if (LEVELS.info < threshold) return;
        destination.write(
          `{"level":30,"time":${Date.now()},"msg":"request","path":${quotedPath(path)},"status":${status},"cache_hit":${cacheHit},"duration_ms":${round(durationMs)}}\n`,
        );
      },
      flush: () => destination.flushSync(),
    };
  }
  const line = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    destination.write(`time=${new Date().toISOString()} level=${level} msg=${quote(msg)}${logfmt(fields)}\n`);
  };
  return {
    debug: (msg, fields) => line('debug', msg, fields),
    info: (msg, fields) => line('info', msg, fields),
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
    request: ({ path, status, cacheHit, durationMs }) => {
      if (LEVELS.info < threshold) return;
      // The Go gateway's exact line, so existing log queries keep working.
      destination.write(
        `path=${path} status=${status} cache_hit=${cacheHit} duration=${round(durationMs)}ms\n`,
      );
    },
    flush: () => destination.flushSync(),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function quote(value: string): string {
  return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
}

function logfmt(fields?: LogFields): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out += ` ${key}=${typeof value === 'string' ? quote(value) : String(value)}`;
  }
  return out;
}

function bufferedDestination(writer: LineWriter) {
  return { write: (line: string) => writer.write(line), flushSync: () => writer.flush() };
}

const QUOTED_PATHS = new Map<string, string>();

/** JSON-quoted path, kept for the few paths that repeat (the routes) so most requests skip JSON.stringify. */
function quotedPath(path: string): string {
  let quoted = QUOTED_PATHS.get(path);
  if (quoted === undefined) {
    quoted = JSON.stringify(path);
    if (QUOTED_PATHS.size < 64) QUOTED_PATHS.set(path, quoted);
  }
  return quoted;
}
