import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, type Logger } from './log.js';

const opened: Array<{ dir: string; fd: number }> = [];

afterEach(() => {
  for (const { dir, fd } of opened.splice(0)) {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A buffered logger (as serve uses) into a temp file; output() flushes and reads it. */
function logTo(format: LogFormat): { logger: Logger; output(): string } {
  const dir = mkdtempSync(join(tmpdir(), 'log-test-'));
  const path = join(dir, 'out.log');
  const fd = openSync(path, 'w');
  opened.push({ dir, fd });
  const logger = createLogger({ format, level: 'info', fd, buffered: true });
  return {
    logger,
    output() {
      logger.flush();
      return readFileSync(path, 'utf8');
    },
  };
}

/** A logfmt reader: bare values run to the next space, quoted ones are JSON strings (as go-logfmt reads them). */
function parseLogfmt(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const pair = /([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ ]*)(?: |$)/gy;
  for (let match = pair.exec(line); match; match = pair.exec(line)) {
    const [, key, value] = match as unknown as [string, string, string];
    fields[key] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    if (pair.lastIndex === line.length) return fields;
  }
  throw new Error(`not logfmt: ${JSON.stringify(line)}`);
}

/** Every character some reader treats as the end of a line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding line breaks is the point.
const LINE_BREAKS = /[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;

/** Named, so test titles stay printable. */
const HOSTILE_PATHS: Array<[string, string]> = [
  ['LF and a forged request line', '/x\nstatus=500 cache_hit=false duration=1ms\npath=/forged'],
  ['CR LF', '/x\r\npath=/forged'],
  ['NEL (U+0085)', '/x\u0085path=/forged'],
  ['LINE SEPARATOR (U+2028)', '/x\u2028path=/forged'],
  ['PARAGRAPH SEPARATOR (U+2029)', '/x\u2029y'],
  ['terminal escapes', '/x\u001b[2K\u001b[1Gforged'],
  ['NUL, BEL, BS, TAB, VT, FF, DEL, CSI (U+009B)', '/x\u0000\u0007\u0008\t\u000b\u000c\u007f\u009b'],
];

describe('text request line (the Go gateway’s)', () => {
  it('is byte-identical to the Go gateway’s for ordinary paths', () => {
    const { logger, output } = logTo('text');
    const paths = [
      '/openid/v1/jwks',
      '/.well-known/openid-configuration',
      '/healthz',
      "/some/other-path_1.2~x:y@z!$&'()*+,;%20%22",
    ];
    for (const path of paths) logger.request({ path, status: 404, cacheHit: false, durationMs: 0.1234 });
    logger.request({ path: '/openid/v1/jwks', status: 200, cacheHit: true, durationMs: 12 });
    expect(output()).toBe(
      [
        ...paths.map((path) => `path=${path} status=404 cache_hit=false duration=0.123ms\n`),
        'path=/openid/v1/jwks status=200 cache_hit=true duration=12ms\n',
      ].join(''),
    );
  });

  it.each([
    ['/a"b', 'path="/a\\"b"'],
    ['/a=b', 'path="/a=b"'],
    ['/a b', 'path="/a b"'],
    ['', 'path=""'],
    ['/a\\b', 'path=/a\\b'],
  ])('quotes %j only because it must: %s', (path, expected) => {
    const { logger, output } = logTo('text');
    logger.request({ path, status: 404, cacheHit: false, durationMs: 1 });
    expect(output()).toBe(`${expected} status=404 cache_hit=false duration=1ms\n`);
    expect(parseLogfmt(output().slice(0, -1)).path).toBe(path);
  });

  it.each(HOSTILE_PATHS)(
    'cannot be forged or broken by control characters in the path: %s',
    (_name, path) => {
      const { logger, output } = logTo('text');
      logger.request({ path, status: 404, cacheHit: false, durationMs: 1 });
      const text = output();
      expect(text.endsWith('\n')).toBe(true);
      expect(text.slice(0, -1)).not.toMatch(LINE_BREAKS);
      // Nothing but printable ASCII: no terminal escapes, no invisible characters.
      expect(text).toMatch(/^[\x20-\x7e]+\n$/);
      expect(parseLogfmt(text.slice(0, -1))).toEqual({
        path,
        status: '404',
        cache_hit: 'false',
        duration: '1ms',
      });
    },
  );
});

describe('text event lines', () => {
  it('keep a message and fields with line breaks on one line, and read back exactly', () => {
    const { logger, output } = logTo('text');
    const msg = 'upstream fetch failed\ntime=2020-01-01T00:00:00Z level=info msg=forged';
    const error = 'UPSTREAM_STATUS: HTTP 500 (\u2028"=\u0085)';
    logger.error('upstream_fetch_failed', msg, { document: 'jwks', error, has_cached: false, attempts: 3 });
    const text = output();
    expect(text.slice(0, -1)).not.toMatch(LINE_BREAKS);
    const fields = parseLogfmt(text.slice(0, -1));
    expect(fields).toMatchObject({
      level: 'error',
      event: 'upstream_fetch_failed',
      msg,
      document: 'jwks',
      error,
      has_cached: 'false',
      attempts: '3',
    });
  });
});

describe('event lines', () => {
  it('carry their event right after the level in text, and as a member in JSON', () => {
    const text = logTo('text');
    text.logger.warn('jwks_uri_rewritten', 'jwks_uri moved', { jwks_uri: 'https://issuer/keys' });
    expect(text.output()).toMatch(
      /^time=\S+ level=warn event=jwks_uri_rewritten msg="jwks_uri moved" jwks_uri=https:\/\/issuer\/keys\n$/,
    );
    const json = logTo('json');
    json.logger.info('listening', 'listening', { port: 8080 });
    const line = json.output();
    expect(JSON.parse(line)).toEqual({
      level: 30,
      time: expect.any(Number),
      event: 'listening',
      port: 8080,
      msg: 'listening',
    });
    // pino's member order: level, time, then the rest, msg last.
    expect(Object.keys(JSON.parse(line))).toEqual(['level', 'time', 'event', 'port', 'msg']);
  });

  it('request lines carry none: the Go gateway’s line stays as it was', () => {
    const { logger, output } = logTo('json');
    logger.request({ path: '/healthz', status: 200, cacheHit: false, durationMs: 1 });
    expect(JSON.parse(output())).not.toHaveProperty('event');
  });
});

describe('JSON request line', () => {
  it.each([...HOSTILE_PATHS, ['a quote', '/a"b'], ['an equals sign', '/a=b']])(
    'is one line that reads back exactly with %s in the path',
    (_name, path) => {
      const { logger, output } = logTo('json');
      logger.request({ path, status: 404, cacheHit: false, durationMs: 1 });
      const text = output();
      expect(text.slice(0, -1)).not.toMatch(LINE_BREAKS);
      expect(text).toMatch(/^[\x20-\x7e]+\n$/);
      expect(JSON.parse(text)).toMatchObject({ msg: 'request', path, status: 404, cache_hit: false });
    },
  );
});
