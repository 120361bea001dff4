import { describe, expect, it } from 'vitest';
import { normalizeSwitchArgs, readCommandLine, readPlainFlags } from './setting-args.js';
import * as kind from './setting-kinds.js';
import { type CommandSettings, setting } from './setting-table.js';

const settings: CommandSettings = [
  {
    table: {
      dryRun: setting({ flag: 'dry-run', describe: 'd', kind: kind.boolean(), default: false }),
      port: setting({ flag: 'port', describe: 'p', kind: kind.integer(0, 9), default: 1 }),
    },
  },
  { table: { dest: setting({ flag: 'dest', describe: 'd', kind: kind.list(kind.text()), default: [] }) } },
];

describe('normalizeSwitchArgs', () => {
  it.each([
    [['--dry-run=1'], ['--dry-run=true']],
    [['--dry-run=F'], ['--dry-run=false']],
    [['--dry-run', 'TRUE'], ['--dry-run=true']],
    [
      ['--dry-run', '0', '--port', '1'],
      ['--dry-run=false', '--port', '1'],
    ],
    [['--dryRun=t'], ['--dry-run=true']],
    // Left as they are: a bare switch, its negation, any word that is no ParseBool spelling.
    [['--dry-run'], ['--dry-run']],
    [['--no-dry-run'], ['--no-dry-run']],
    [
      ['--dry-run', 'yes'],
      ['--dry-run', 'yes'],
    ],
    [
      ['--port=1', '--dest', '1'],
      ['--port=1', '--dest', '1'],
    ],
    [
      ['--', '--dry-run=1'],
      ['--', '--dry-run=1'],
    ],
  ])('%j -> %j', (args, normalized) => {
    expect(normalizeSwitchArgs(settings, args)).toEqual(normalized);
  });

  it('refuses a value after = that ParseBool does not take, naming the flag', () => {
    expect(() => normalizeSwitchArgs(settings, ['--dry-run=yes'])).toThrow(
      'invalid --dry-run: "yes" is not a boolean (true or false)',
    );
  });
});

describe('readPlainFlags', () => {
  it('gives text as typed, switches as booleans, a repeated flag as an array', () => {
    expect(readPlainFlags(settings, ['--port', '1', '--port=2', '--dry-run', '1'])).toEqual({
      port: ['1', '2'],
      'dry-run': true,
    });
    expect(readPlainFlags(settings, ['--dry-run', '--no-dry-run'])).toEqual({ 'dry-run': false });
  });

  it("gives a list's values in order, over every time it is given", () => {
    expect(readPlainFlags(settings, ['--dest', 'a'])).toEqual({ dest: ['a'] });
    expect(readPlainFlags(settings, ['--dest', 'a', 'b', '--port', '1', '--dest', 'c'])).toEqual({
      dest: ['a', 'b', 'c'],
      port: '1',
    });
  });

  it('leaves unknown flags and anything unusual to yargs', () => {
    for (const args of [
      ['--nope'],
      ['-p', '1'],
      ['--port', '-1'],
      ['--port="1"'],
      ['x'],
      ['--dest'],
      ['--dest', '-a'],
      ['--dest=a'],
      ['--no-dest'],
    ]) {
      expect(readPlainFlags(settings, args)).toBeUndefined();
    }
  });

  it('leaves a missing required flag, or two that conflict, to yargs', () => {
    const rules = { required: ['port'], conflicts: [['port', 'dry-run']] as const };
    expect(readPlainFlags(settings, ['--port', '1'], rules)).toEqual({ port: '1' });
    expect(readPlainFlags(settings, ['--dest', 'a'], rules)).toBeUndefined();
    expect(readPlainFlags(settings, ['--port', '1', '--no-dry-run'], rules)).toBeUndefined();
  });
});

describe('readCommandLine', () => {
  const settingsFor = (command: string | undefined) => (command === 'run' ? settings : []);
  const read = (args: string[]) => readCommandLine(args, settingsFor, ['help', 'h', 'version']);

  it('finds the command past the flags before it and their values, and the flags no table declares', () => {
    expect(read(['run', '--dets', 'x', '--port', '3'])).toEqual({ command: 'run', unknown: ['--dets'] });
    // Before the command, an unknown flag takes the next word as its value, as yargs-parser does.
    expect(read(['--frobnicate'])).toEqual({ command: undefined, unknown: ['--frobnicate'] });
    expect(read(['--frobnicate', 'x', 'pubish'])).toEqual({ command: 'pubish', unknown: ['--frobnicate'] });
    expect(read(['pubish', '--dest', 'x'])).toEqual({ command: 'pubish', unknown: ['--dest'] });
  });

  it('knows every form yargs accepts: =value, camelCase, --no-, ParseBool after a switch, list values, -h', () => {
    const args = [
      'run',
      '--port=3',
      '--dryRun',
      'false',
      '--no-dry-run',
      '--dest',
      'a',
      'b',
      '-h',
      '--version',
    ];
    expect(read(args)).toEqual({ command: 'run', unknown: [] });
    expect(read(['run', '--port', '-1'])).toEqual({ command: 'run', unknown: [] });
  });

  it('names unknown flags as typed, without their value, and stops at --', () => {
    expect(read(['run', '--frob=1', '-x', '--no-such-thing', '--', '--after'])).toEqual({
      command: 'run',
      unknown: ['--frob', '-x', '--no-such-thing'],
    });
  });
});
