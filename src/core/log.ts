/**
 * Logging: JSON lines by default (pino's line format: level number, epoch-ms time, the
 * fields, msg last), or the Go gateway's key=value lines, to stdout through a LineWriter
 * (serve: collected into blocks; otherwise each line written at once), flushed on exit.
 * The lines are assembled here rather than by pino: a handful of shapes, and pino with
 * its stream modules costs about 5 MiB of RSS for the life of the pod. Invariants:
 * - Every line but a request line carries an `event` from log-events.ts, right after
 *   the level; the request line keeps the Go gateway's exact shape.
 * - Nothing here ever logs a token or an Authorization header.
 * - One event is one line in either format, whatever a value holds: JSON escapes control
 *   characters (the request path's U+2028/U+2029 and C1 controls too), and the text
 *   format quotes (JSON-style) any value holding a space, a quote, `=`, or a control or
 *   line-separator character, and escapes those. A value without them is written bare,
 *   so the Go gateway's request line is byte-identical for ordinary paths.
 * - A failing stdout never throws into the caller (see LineWriter); serve counts the
 *   lines it drops.
 */

import { LineWriter } from './line-writer.js';
import type { LogEvent } from './log-events.js';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface RequestLogFields {
  path: string;
  status: number;
  cacheHit: boolean;
  durationMs: number;
}

/** One line: its stable `event` name, a message for people, and fields. */
export type LogMethod = (event: LogEvent, msg: string, fields?: LogFields) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  request(fields: RequestLogFields): void;
  flush(): void;
  /** Lines dropped because stdout failed or did not keep up. */
  droppedLines(): number;
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
  const writer = new LineWriter(fd, options.buffered ? {} : { intervalMs: 0 });
  const destination = lineDestination(writer, options.buffered === true);
  const droppedLines = () => writer.droppedLines;
  const threshold = LEVELS[options.level];
  if (options.format === 'json') {
    const json = (level: LogLevel, event: LogEvent, msg: string, fields?: LogFields) => {
      if (LEVELS[level] < threshold) return;
      // Epoch milliseconds: the cheapest timestamp, and what log pipelines parse natively.
      // JSON.stringify leaves out undefined fields, as pino does. Event names need no escaping.
      const members = fields ? JSON.stringify(fields).slice(1, -1) : '';
      destination.write(
        `{"level":${LEVELS[level]},"time":${Date.now()},"event":"${event}"${members ? `,${members}` : ''},"msg":${JSON.stringify(msg)}}\n`,
      );
    };
    return {
      debug: (event, msg, fields) => json('debug', event, msg, fields),
      info: (event, msg, fields) => json('info', event, msg, fields),
      warn: (event, msg, fields) => json('warn', event, msg, fields),
      error: (event, msg, fields) => json('error', event, msg, fields),
      // The same line from a template: this runs once per request, and a template costs a
      // fraction of serializing a fields object.
      request: ({ path, status, cacheHit, durationMs }) => {
        if (LEVELS.info < threshold) return;
        destination.write(
          `{"level":30,"time":${Date.now()},"msg":"request","path":${quotedPath(path)},"status":${status},"cache_hit":${cacheHit},"duration_ms":${round(durationMs)}}\n`,
        );
      },
      flush: () => destination.flushSync(),
      droppedLines,
    };
  }
  const line = (level: LogLevel, event: LogEvent, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    destination.write(
      `time=${new Date().toISOString()} level=${level} event=${event} msg=${logfmtValue(msg)}${logfmt(fields)}\n`,
    );
  };
  return {
    debug: (event, msg, fields) => line('debug', event, msg, fields),
    info: (event, msg, fields) => line('info', event, msg, fields),
    warn: (event, msg, fields) => line('warn', event, msg, fields),
    error: (event, msg, fields) => line('error', event, msg, fields),
    request: ({ path, status, cacheHit, durationMs }) => {
      if (LEVELS.info < threshold) return;
      // The Go gateway's exact line, so existing log queries keep working; the path quoted
      // only when it must be (the Go gateway never quoted, so `path=/a"b` could not be parsed).
      destination.write(
        `path=${logfmtValue(path)} status=${status} cache_hit=${cacheHit} duration=${round(durationMs)}ms\n`,
      );
    },
    flush: () => destination.flushSync(),
    droppedLines,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * What a bare logfmt value must not hold: space and C0 controls (a space or newline would
 * end the value or the line), `"` and `=` (parsers read them as syntax), DEL, C1 controls
 * (U+0085 is a newline to some readers) and U+2028/U+2029. Node's HTTP parser already
 * refuses most of these in a request target, but not `"` or `=`, and log fields (upstream
 * error messages) carry whatever they carry.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NEEDS_QUOTING = /[\u0000-\u0020"=\u007f-\u009f\u2028\u2029]/;
/** Left unescaped by JSON.stringify, escaped here so a quoted value cannot break a line either. */
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/** A logfmt value: bare when that is unambiguous, else a JSON string (go-logfmt reads both). */
function logfmtValue(value: string): string {
  if (value !== '' && !NEEDS_QUOTING.test(value)) return value;
  return JSON.stringify(value).replace(UNESCAPED_BY_JSON, unicodeEscape);
}

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function logfmt(fields?: LogFields): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined)
      out += ` ${key}=${typeof value === 'string' ? logfmtValue(value) : String(value)}`;
  }
  return out;
}

/** Lines into blocks written when full, every 250 ms and on flush; or each written at once. */
function lineDestination(writer: LineWriter, buffered: boolean) {
  return {
    write: buffered
      ? (line: string) => writer.write(line)
      : (line: string) => {
          writer.write(line);
          writer.flush();
        },
    flushSync: () => writer.flush(),
  };
}

const QUOTED_PATHS = new Map<string, string>();

/**
 * JSON-quoted path, kept for the few paths that repeat (the routes) so most requests skip
 * JSON.stringify. Line separators are escaped too, as in the text format.
 */
function quotedPath(path: string): string {
  let quoted = QUOTED_PATHS.get(path);
  if (quoted === undefined) {
    quoted = JSON.stringify(path).replace(UNESCAPED_BY_JSON, unicodeEscape);
    if (QUOTED_PATHS.size < 64) QUOTED_PATHS.set(path, quoted);
  }
  return quoted;
}
