/**
 * A Logger (src/core/log.ts) that keeps what it is given, for in-process tests to read
 * back: each event line with its level, event, message and fields, and each request line.
 * The line formats themselves are tested on the real logger (src/core/log.test.ts).
 */

import type { LogFields, Logger, LogLevel, RequestLogFields } from '../../src/core/log.js';
import type { LogEvent } from '../../src/core/log-events.js';

export interface RecordedLine {
  level: LogLevel;
  event: LogEvent;
  msg: string;
  fields: LogFields;
}

export interface RecordingLogger extends Logger {
  readonly lines: RecordedLine[];
  readonly requests: RequestLogFields[];
  /** The lines of one event. */
  events(event: LogEvent): RecordedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordedLine[] = [];
  const requests: RequestLogFields[] = [];
  const record =
    (level: LogLevel) =>
    (event: LogEvent, msg: string, fields: LogFields = {}): void => {
      lines.push({ level, event, msg, fields });
    };
  return {
    lines,
    requests,
    events: (event) => lines.filter((line) => line.event === event),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    request: (fields) => {
      requests.push(fields);
    },
    flush() {},
    droppedLines: () => 0,
  };
}
