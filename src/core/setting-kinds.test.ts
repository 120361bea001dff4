import { describe, expect, it } from 'vitest';
import type { GatewayError } from './errors.js';
import * as kind from './setting-kinds.js';

function refusal(read: () => unknown): { code: string; message: string } {
  try {
    read();
  } catch (error) {
    return { code: (error as GatewayError).code, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

describe('setting kinds', () => {
  it('integer: whole numbers in range, from a flag (text as yargs keeps it) or a variable', () => {
    const port = kind.integer(0, 65535);
    expect(port.fromEnv('8080', 'LISTEN_PORT')).toBe(8080);
    expect(port.fromFlag('0', '--listen-port')).toBe(0);
    expect(port.fromFlag(['1', '2'], '--listen-port')).toBe(2);
    expect(refusal(() => port.fromEnv('65536', 'LISTEN_PORT'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'invalid LISTEN_PORT: "65536" is out of range 0..65535',
    });
    for (const raw of ['abc', '1.5', '0x10', '1e3', '-1', '', '+5']) {
      expect(refusal(() => port.fromFlag(raw, '--listen-port')).message).toBe(
        `invalid --listen-port: "${raw}" is not a whole number`,
      );
    }
    expect(port.yargs).toEqual({ type: 'number' });
    expect(port.label).toBe('integer 0..65535');
    expect(port.format(8080)).toBe('8080');
  });

  it('boolean: every Go strconv.ParseBool spelling, from a variable or after = on a flag', () => {
    const pretty = kind.boolean();
    for (const raw of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(pretty.fromEnv(raw, 'X')).toBe(true);
    for (const raw of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      expect(pretty.fromEnv(raw, 'X')).toBe(false);
    for (const raw of ['yes', 'no', 'on', 'tRUE', '2', '']) {
      expect(refusal(() => pretty.fromEnv(raw, 'PRETTY_PRINT_JSON')).message).toBe(
        `invalid PRETTY_PRINT_JSON: "${raw}" is not a boolean (true or false)`,
      );
    }
    // A switch from yargs is a boolean already; repeated, the last one wins.
    expect(pretty.fromFlag(false, '--pretty-print-json')).toBe(false);
    expect(pretty.fromFlag([false, true], '--pretty-print-json')).toBe(true);
    expect(pretty.fromFlag('F', '--pretty-print-json')).toBe(false);
    expect(pretty.yargs).toEqual({ type: 'boolean' });
  });

  it('choice: one of the values, declared to yargs as choices', () => {
    const format = kind.choice(['json', 'text']);
    expect(format.fromEnv('text', 'LOG_FORMAT')).toBe('text');
    expect(refusal(() => format.fromFlag('xml', '--log-format')).message).toBe(
      'invalid --log-format: "xml" is not one of json, text',
    );
    expect(format.yargs).toEqual({ type: 'string', choices: ['json', 'text'] });
  });

  it('url: a parsable URL of the given protocols, kept as written', () => {
    const host = kind.url(['https:', 'http:']);
    expect(host.fromEnv('http://127.0.0.1:8001', 'UPSTREAM_HOST')).toBe('http://127.0.0.1:8001');
    expect(refusal(() => host.fromEnv('kubernetes', 'UPSTREAM_HOST')).message).toBe(
      'invalid UPSTREAM_HOST: "kubernetes" is not a URL',
    );
    expect(refusal(() => host.fromEnv('ftp://h', 'UPSTREAM_HOST')).message).toBe(
      'invalid UPSTREAM_HOST: "ftp://h" is not a https: or http: URL',
    );
    expect(host.label).toBe('https or http URL');
  });

  it('duration: Go-style, a bare number is seconds, bounded; written back the same way', () => {
    const retain = kind.duration(366 * 86_400_000, 'a year');
    const cases: [string, number][] = [
      ['24h', 86_400_000],
      ['90m', 5_400_000],
      ['1h30m', 5_400_000],
      ['45s', 45_000],
      ['3600', 3_600_000],
      ['0', 0],
    ];
    for (const [raw, ms] of cases) expect(retain.fromEnv(raw, 'X')).toBe(ms);
    for (const raw of ['', 'h', '1d', '-1h', '1.5h', '30m1h']) {
      expect(refusal(() => retain.fromFlag(raw, '--retain')).message).toContain(
        `invalid --retain: "${raw}" is not a duration`,
      );
    }
    expect(refusal(() => retain.fromFlag('9000h', '--retain')).message).toBe(
      'invalid --retain: "9000h" is longer than a year',
    );
    const written: [number, string][] = [
      [86_400_000, '24h'],
      [5_400_000, '1h30m'],
      [45_000, '45s'],
      [3_601_000, '1h1s'],
      [0, '0'],
    ];
    for (const [ms, text] of written) {
      expect(retain.format(ms)).toBe(text);
      expect(retain.fromEnv(text, 'X')).toBe(ms);
    }
  });

  it('path: any text but empty', () => {
    const token = kind.path();
    expect(token.fromFlag('/t', '--token')).toBe('/t');
    expect(refusal(() => token.fromFlag('', '--token')).message).toBe('invalid --token: empty path');
  });

  it('list: every value of a repeated flag; a variable split on commas and white space', () => {
    const urls = kind.list(kind.url(['https:']));
    expect(urls.fromFlag(['https://a', 'https://b'], '--u')).toEqual(['https://a', 'https://b']);
    expect(urls.fromFlag('https://a', '--u')).toEqual(['https://a']);
    expect(urls.fromFlag([], '--u')).toEqual([]);
    expect(urls.fromEnv(' https://a, https://b\n\thttps://c,,', 'U')).toEqual([
      'https://a',
      'https://b',
      'https://c',
    ]);
    expect(urls.fromEnv('', 'U')).toEqual([]);
    // An item is refused naming where the list came from.
    expect(refusal(() => urls.fromEnv('https://a,http://b', 'U')).message).toBe(
      'invalid U: "http://b" is not a https: URL',
    );
    expect(urls.yargs).toEqual({ type: 'string', array: true });
    expect(urls.label).toBe('list of https URL');
  });

  it('list with unique keys: the same value twice is refused', () => {
    const names = kind.list(kind.text(), { unique: (value) => value.toLowerCase() });
    expect(refusal(() => names.fromFlag(['a', 'A'], '--name')).message).toBe(
      'invalid --name: "a" is given twice',
    );
    expect(refusal(() => names.fromEnv('b a,b', 'NAMES')).message).toBe('invalid NAMES: "b" is given twice');
  });
});
