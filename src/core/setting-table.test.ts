import { describe, expect, expectTypeOf, it } from 'vitest';
import * as kind from './setting-kinds.js';
import { describeSettings, resolveSettings, setting } from './setting-table.js';

const table = {
  port: setting({ flag: 'port', env: 'PORT', describe: 'Port', kind: kind.integer(0, 65535), default: 8080 }),
  pretty: setting({ flag: 'pretty', env: 'PRETTY', describe: 'Indent', kind: kind.boolean(), default: true }),
  format: setting({
    flag: 'format',
    describe: 'Format',
    kind: kind.choice(['json', 'text']),
    default: 'json',
  }),
  urls: setting({ flag: 'url', env: 'URLS', describe: 'URLs', kind: kind.list(kind.text()), default: [] }),
  ca: setting({ flag: 'ca', describe: 'CA file', kind: kind.path(), default: undefined }),
  retain: setting({
    flag: 'retain',
    describe: 'Retention',
    kind: kind.duration(86_400_000, 'a day'),
    default: 3_600_000,
  }),
};

describe('resolveSettings', () => {
  it('gives the typed defaults; a setting without one stays undefined', () => {
    const resolved = resolveSettings(table, {}, {});
    expect(resolved).toEqual({
      port: 8080,
      pretty: true,
      format: 'json',
      urls: [],
      ca: undefined,
      retain: 3_600_000,
    });
    expectTypeOf(resolved.port).toEqualTypeOf<number>();
    expectTypeOf(resolved.pretty).toEqualTypeOf<boolean>();
    expectTypeOf(resolved.format).toEqualTypeOf<'json' | 'text'>();
    expectTypeOf(resolved.urls).toEqualTypeOf<string[]>();
    expectTypeOf(resolved.ca).toEqualTypeOf<string | undefined>();
  });

  it('a flag beats its variable, the variable beats the default', () => {
    const env = { PORT: '9000', PRETTY: 'false', URLS: 'a,b' };
    expect(resolveSettings(table, {}, env)).toMatchObject({ port: 9000, pretty: false, urls: ['a', 'b'] });
    expect(resolveSettings(table, { port: '9100', pretty: true, url: ['c'] }, env)).toMatchObject({
      port: 9100,
      pretty: true,
      urls: ['c'],
    });
  });

  it('a switch given as --no-flag beats a variable that turns it on', () => {
    expect(resolveSettings(table, { pretty: false }, { PRETTY: 'true' }).pretty).toBe(false);
  });

  it('reads no variable for a setting that has none', () => {
    expect(resolveSettings(table, {}, { FORMAT: 'text', CA: '/x' })).toMatchObject({
      format: 'json',
      ca: undefined,
    });
  });

  it('names the flag or the variable a malformed value came from', () => {
    expect(() => resolveSettings(table, { port: 'x' }, { PORT: '1' })).toThrow('invalid --port: "x"');
    expect(() => resolveSettings(table, {}, { PORT: 'x' })).toThrow('invalid PORT: "x"');
    expect(() => resolveSettings(table, {}, { PRETTY: 'yes' })).toThrow('invalid PRETTY: "yes"');
  });

  it('refuses a default of another type than its kind (checked by the compiler)', () => {
    // @ts-expect-error: an integer setting cannot default to text.
    setting({ flag: 'n', describe: 'n', kind: kind.integer(0, 1), default: '1' });
    // @ts-expect-error: a choice cannot default to a value outside its choices.
    setting({ flag: 'c', describe: 'c', kind: kind.choice(['a', 'b']), default: 'z' });
  });
});

describe('describeSettings', () => {
  it('lists flag, variable, kind, default and description, defaults as written on the command line', () => {
    expect(describeSettings(table)).toEqual([
      { flag: '--port', env: 'PORT', kind: 'integer 0..65535', default: '8080', describe: 'Port' },
      { flag: '--pretty', env: 'PRETTY', kind: 'boolean', default: 'true', describe: 'Indent' },
      { flag: '--format', env: undefined, kind: 'one of json, text', default: 'json', describe: 'Format' },
      { flag: '--url', env: 'URLS', kind: 'list of text', default: '', describe: 'URLs' },
      { flag: '--ca', env: undefined, kind: 'path', default: undefined, describe: 'CA file' },
      {
        flag: '--retain',
        env: undefined,
        kind: 'duration (24h, 90m, 1h30m, 45s or seconds)',
        default: '1h',
        describe: 'Retention',
      },
    ]);
  });
});
