/**
 * Logging: JSON lines through pino by default, or the Go gateway's key=value lines.
 * Both write to stdout asynchronously (sonic-boom coalesces writes under load) and are
 * flushed on exit. Nothing here ever logs a token or an Authorization header.
 */
import pino from 'pino';

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

export function createLogger(options: { format: LogFormat; level: LogLevel; fd?: number }): Logger {
  const destination = pino.destination({ dest: options.fd ?? 1, sync: false });
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
      request: ({ path, status, cacheHit, durationMs }) =>
        logger.info({ path, status, cache_hit: cacheHit, duration_ms: round(durationMs) }, 'request'),
      flush: () => destination.flushSync(),
    };
  }
  const threshold = LEVELS[options.level];
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
