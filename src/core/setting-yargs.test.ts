import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import * as kind from './setting-kinds.js';
import { type CommandSettings, setting } from './setting-table.js';
import { declareSettings, yargsOptions } from './setting-yargs.js';

const table = {
  port: setting({ flag: 'port', env: 'PORT', describe: 'Port', kind: kind.integer(0, 65535), default: 8080 }),
  pretty: setting({ flag: 'pretty', describe: 'Indent', kind: kind.boolean(), default: false }),
  format: setting({
    flag: 'format',
    describe: 'Format',
    kind: kind.choice(['json', 'text']),
    default: 'json',
  }),
  dest: setting({ flag: 'dest', describe: 'Where', kind: kind.list(kind.text()), default: undefined }),
};
const settings: CommandSettings = [{ table }];

/** What the command's handler gets for `args`, or the error that stopped it. */
function parse(args: string[]): Record<string, unknown> {
  let seen: Record<string, unknown> = {};
  yargs(['run', ...args])
    .command({
      command: 'run',
      describe: 'run',
      builder: (y) => declareSettings(y, settings, 'run'),
      handler: (argv) => {
        seen = argv;
      },
    })
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseSync();
  return seen;
}

describe('yargsOptions', () => {
  it('declares the kind, the variable in the description and the default for help only', () => {
    expect(yargsOptions(table, 'Group:')).toEqual({
      port: {
        type: 'number',
        string: true,
        describe: 'Port [env: PORT]',
        defaultDescription: '8080',
        group: 'Group:',
      },
      pretty: { type: 'boolean', describe: 'Indent', defaultDescription: 'false', group: 'Group:' },
      format: {
        type: 'string',
        choices: ['json', 'text'],
        describe: 'Format',
        defaultDescription: 'json',
        group: 'Group:',
      },
      dest: { type: 'string', array: true, describe: 'Where', group: 'Group:' },
    });
  });
});

describe('declareSettings', () => {
  it('leaves unset flags unset (no yargs defaults), so a variable can still apply', () => {
    const argv = parse([]);
    for (const flag of ['port', 'pretty', 'format', 'dest']) expect(argv[flag]).toBeUndefined();
  });

  it('hands an integer over as typed, not as yargs would turn it into a number', () => {
    expect(parse(['--port', '0x10']).port).toBe('0x10');
    expect(parse(['--port=']).port).toBe('');
    expect(parse(['--port', '1', '--port', '2']).port).toEqual(['1', '2']);
  });

  it("refuses a wrong choice with the setting's one-line CONFIG_INVALID, not yargs's own message", () => {
    expect(() => parse(['--format', 'xml'])).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: 'invalid --format: "xml" is not one of json, text',
      }),
    );
  });

  it('shows each kind as its yargs type in --help', async () => {
    // With a callback, parse hands the help over instead of printing it and exiting.
    const help = await new Promise<string>((resolve) => {
      yargs()
        .command({
          command: 'run',
          describe: 'run',
          builder: (y) => declareSettings(y, settings, 'run'),
          handler: () => {},
        })
        .wrap(200)
        .parse(['run', '--help'], (_error: unknown, _argv: unknown, output: string) => resolve(output));
    });
    expect(help).toMatch(/--port +Port \[env: PORT\] +\[number\] \[default: 8080\]/);
    expect(help).toMatch(/--pretty +Indent +\[boolean\] \[default: false\]/);
    expect(help).toMatch(/--format +Format +\[string\] \[choices: "json", "text"\] \[default: json\]/);
    expect(help).toMatch(/--dest +Where +\[array\]/);
  });

  it("puts the command's own options first, then the shared tables in order, then help and version", async () => {
    const shared = {
      host: setting({ flag: 'host', describe: 'Host', kind: kind.text(), default: undefined }),
    };
    const help = await new Promise<string>((resolve) => {
      yargs()
        .command({
          command: 'run',
          describe: 'run',
          builder: (y) => declareSettings(y, [{ table }, { table: shared, group: 'Shared:' }], 'run'),
          handler: () => {},
        })
        .wrap(200)
        .parse(['run', '--help'], (_error: unknown, _argv: unknown, output: string) => resolve(output));
    });
    const headings = help.split('\n').filter((line) => /^\S.*:$/.test(line));
    expect(headings).toEqual(['Run options:', 'Shared:', 'Options:']);
    expect(help.indexOf('--port')).toBeGreaterThan(help.indexOf('Run options:'));
    expect(help.indexOf('--help')).toBeGreaterThan(help.indexOf('Options:'));
  });
});
