import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { programArgs } from '../cli-program.js';
import { settingsOf } from '../core/setting-table.js';
import { plainServeArgv } from './argv.js';
import { serveCommand } from './command.js';
import { resolveServeConfig } from './config.js';
import { serveCommandSettings } from './settings.js';

/** The argv the serve command's handler gets from yargs for `args`, as the CLI runs it. */
function viaYargs(args: string[]): Record<string, unknown> {
  let seen: Record<string, unknown> | undefined;
  yargs(programArgs(args))
    .command({
      ...serveCommand,
      handler: (argv: Record<string, unknown>) => {
        seen = argv;
      },
    })
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseSync();
  if (!seen) throw new Error('serve did not run');
  return seen;
}

/** The configuration, or the message of the error that refuses it. */
function outcome(resolve: () => unknown): unknown {
  try {
    return resolve();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const settings = settingsOf(serveCommandSettings);

/** Every form the fast path takes, for every setting of serve's tables: generated, so a new setting is covered. */
const forms: string[][] = settings.flatMap((declared) => {
  const flag = `--${declared.flag}`;
  if (declared.kind.yargs.type === 'boolean') {
    return [
      [flag],
      [`--no-${declared.flag}`],
      [`${flag}=false`],
      [`${flag}=0`],
      [`${flag}=T`],
      [flag, 'false'],
      [flag, '1'],
      [flag, `--no-${declared.flag}`],
      [`${flag}=FALSE`, flag],
    ];
  }
  const value = declared.default === undefined ? '/tmp/sample' : declared.kind.format(declared.default);
  return [[flag, value], [`${flag}=${value}`], [`${flag}=${value}`, flag, value], [`${flag}=`]];
});

describe('plainServeArgv', () => {
  it.each(forms.map((form) => [['serve', ...form]]))('takes %j exactly as yargs does', (args) => {
    const plain = plainServeArgv(args);
    expect(plain).toBeDefined();
    expect(outcome(() => resolveServeConfig(plain ?? {}, {}))).toEqual(
      outcome(() => resolveServeConfig(viaYargs(args), {})),
    );
    let yargsArgv: Record<string, unknown>;
    try {
      yargsArgv = viaYargs(args);
    } catch {
      return; // refused by both, with the same message (above)
    }
    const given = settings
      .filter((s) => yargsArgv[s.flag] !== undefined)
      .map((s) => [s.flag, yargsArgv[s.flag]]);
    expect(plain).toEqual(Object.fromEntries(given));
  });

  it.each([
    [['serve', '--listen-port', '9000', '--log-format=text', '--no-pretty-print-json']],
    [['serve', '--kubeconfig', '/tmp/kc', '--context', 'prod', '--pretty-print-json=f']],
    [['serve', '--sa-ca-cert-path=', '--upstream-host', 'http://127.0.0.1:8001']],
  ])('gives the same configuration as yargs for %j', (args) => {
    const plain = plainServeArgv(args);
    expect(plain).toBeDefined();
    expect(resolveServeConfig(plain ?? {}, {})).toEqual(resolveServeConfig(viaYargs(args), {}));
  });

  it('refuses a switch value that is not a ParseBool spelling, as the yargs path does', () => {
    const message = 'invalid --pretty-print-json: "yes" is not a boolean (true or false)';
    expect(() => plainServeArgv(['serve', '--pretty-print-json=yes'])).toThrow(message);
    expect(() => viaYargs(['serve', '--pretty-print-json=yes'])).toThrow(message);
  });

  it.each([
    [['publish']],
    [['serve', '--help']],
    [['serve', '-h']],
    [['serve', '--version']],
    [['serve', '--listen-prot', '9000']],
    [['serve', 'extra']],
    [['serve', '--listen-port']],
    [['serve', '--listen-addr', '-1']],
    [['serve', '--listen-addr="::"']],
    [['serve', '--listenPort', '9000']],
    [['serve', '--pretty-print-json', 'yes']],
    [['serve', '--no-listen-port']],
    [['serve', '--']],
  ])('leaves %j to yargs', (args) => {
    expect(plainServeArgv(args)).toBeUndefined();
  });
});
