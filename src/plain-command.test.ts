import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { programArgs } from './cli-program.js';
import type { PlainFlags } from './core/setting-args.js';
import { type Setting, settingsOf } from './core/setting-table.js';
import { plainCommand } from './plain-command.js';
import { publishCommand } from './publish/command.js';
import { resolvePublishConfig } from './publish/config.js';
import { serveCommand } from './serve/command.js';
import { resolveServeConfig } from './serve/config.js';
import { verifyCommand } from './verify/command.js';
import { resolveVerifyConfig } from './verify/config.js';

const COMMANDS = [serveCommand, publishCommand, verifyCommand];

/** The argv a command's handler gets from yargs for `args`, as the CLI runs it. */
function viaYargs(args: string[]): Record<string, unknown> {
  let seen: Record<string, unknown> | undefined;
  let program = yargs(programArgs(args));
  for (const command of COMMANDS) {
    program = program.command({
      ...command,
      handler: (argv: Record<string, unknown>) => {
        seen = argv;
      },
    });
  }
  program
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseSync();
  if (!seen) throw new Error(`${args[0]} did not run`);
  return seen;
}

/** What the CLI's fast path hands the command for `args`: its flags, or undefined (left to yargs). */
async function viaFastPath(args: string[]): Promise<PlainFlags | undefined> {
  let seen: PlainFlags | undefined;
  const command = COMMANDS.find((candidate) => candidate.command === args[0]);
  const original = command?.handler;
  if (!command || !original) throw new Error(`no command ${args[0]}`);
  command.handler = async (argv) => {
    seen = argv as PlainFlags;
  };
  try {
    const run = await plainCommand(args);
    await run?.();
  } finally {
    command.handler = original;
  }
  return seen;
}

/** The configuration, or the message of the error that refuses it. */
async function outcome(resolve: () => unknown): Promise<unknown> {
  try {
    return await resolve();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const RESOLVERS: Record<string, (argv: Record<string, unknown>) => unknown> = {
  serve: (argv) => resolveServeConfig(argv, {}),
  publish: (argv) => resolvePublishConfig(argv, {}),
  verify: (argv) => resolveVerifyConfig(argv, {}),
};

/** What each command needs besides the flag under test, written after it (so a list must stop there). */
const REQUIRED: Record<string, string[]> = {
  serve: [],
  publish: ['--dest', '/tmp/plain-command-dest'],
  verify: ['--issuer', 'https://oidc.example.com/c'],
};

/** Two values a setting takes (or refuses the same way on both paths). */
function samples(declared: Setting<unknown>): [string, string] {
  const choices = declared.kind.yargs.choices;
  if (choices && choices.length > 1) return [choices[0] as string, choices[1] as string];
  if (/URL/.test(declared.kind.label)) return ['https://a.example/x', 'https://b.example/y'];
  const value = declared.default === undefined ? '' : declared.kind.format(declared.default);
  return value && !value.includes(',') ? [value, value] : ['/tmp/sample-a', '/tmp/sample-b'];
}

/** Every form the fast path takes for a setting. */
function allFormsOf(declared: Setting<unknown>): string[][] {
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
  const [one, two] = samples(declared);
  if (declared.kind.yargs.array)
    return [
      [flag, one],
      [flag, one, two],
      [flag, one, flag, two],
    ];
  return [[flag, one], [`${flag}=${one}`], [`${flag}=${one}`, flag, two], [`${flag}=`]];
}

/** The form a command line most often has: `--switch`, `--flag value`, `--list a b`. */
function plainestFormOf(declared: Setting<unknown>): string[] {
  const flag = `--${declared.flag}`;
  if (declared.kind.yargs.type === 'boolean') return [flag];
  const [one, two] = samples(declared);
  return declared.kind.yargs.array ? [flag, one, two] : [flag, one];
}

/**
 * The cases, generated so that a new setting is covered. The fast path reads a flag by how
 * yargs declares it (switch, text, list, choices), whatever the command: every form of the
 * first flag of each such shape; and for each command, one command line with all of its flags
 * in their plainest forms (two where flags conflict). (yargs takes about 17 ms to declare
 * publish's options: a case per form per setting would take seconds.)
 */
const shapesSeen = new Set<string>();
const cases = COMMANDS.flatMap((command) => {
  const declaredFlags = settingsOf(command.settings);
  const required = REQUIRED[command.command] ?? [];
  const everyFormOfEachShape = declaredFlags.flatMap((declared) => {
    const { type, array, choices } = declared.kind.yargs;
    const shape = `${type} ${Boolean(array)} ${Boolean(choices)}`;
    if (shapesSeen.has(shape)) return [];
    shapesSeen.add(shape);
    const base = required[0] === `--${declared.flag}` ? [] : required;
    return allFormsOf(declared).map((form) => [command.command, ...form, ...base]);
  });
  const conflicts = command.rules.conflicts ?? [];
  const leftOut: string[][] =
    conflicts.length === 0 ? [[]] : [conflicts.map(([, other]) => other), conflicts.map(([one]) => one)];
  const everyFlagAtOnce = leftOut.map((left) => [
    command.command,
    ...declaredFlags.filter((declared) => !left.includes(declared.flag)).flatMap(plainestFormOf),
  ]);
  return [...everyFormOfEachShape, ...everyFlagAtOnce].map((args) => [args]);
});

describe('the fast path (plainCommand)', () => {
  it('covers every setting of every command', () => {
    for (const command of COMMANDS) {
      for (const declared of settingsOf(command.settings)) {
        expect(
          cases.some(([args]) => args?.[0] === command.command && args.includes(`--${declared.flag}`)),
        ).toBe(true);
      }
    }
  });

  it.each(cases)('takes %j exactly as yargs does', async (args) => {
    const resolve = RESOLVERS[args[0] ?? ''];
    if (!resolve) throw new Error(`no resolver for ${args[0]}`);
    let yargsArgv: Record<string, unknown> | undefined;
    let refusal: unknown;
    try {
      yargsArgv = viaYargs(args);
    } catch (error) {
      refusal = error;
    }
    const viaYargsResolved = yargsArgv
      ? await outcome(() => resolve(yargsArgv))
      : { error: (refusal as Error).message };
    // The fast path takes the form: the command gets its flags, or it refuses a wrong choice
    // at once, as yargs's middleware does.
    let plain: PlainFlags | undefined;
    let plainRefusal: string | undefined;
    try {
      plain = await viaFastPath(args);
    } catch (error) {
      plainRefusal = (error as Error).message;
    }
    expect(plain ?? plainRefusal).toBeDefined();
    const viaFastPathResolved =
      plainRefusal === undefined ? await outcome(() => resolve(plain ?? {})) : { error: plainRefusal };
    expect(viaFastPathResolved).toEqual(viaYargsResolved);
    if (!yargsArgv) return; // refused by both, with the same message (above)
    const command = COMMANDS.find((candidate) => candidate.command === args[0]);
    const given = settingsOf(command?.settings ?? [])
      .filter((s) => yargsArgv[s.flag] !== undefined)
      .map((s) => [s.flag, yargsArgv[s.flag]]);
    expect(plain).toEqual(Object.fromEntries(given));
  });

  it.each([
    [['serve', '--listen-port', '9000', '--log-format=text', '--no-pretty-print-json']],
    [['serve', '--kubeconfig', '/tmp/kc', '--context', 'prod', '--pretty-print-json=f']],
    [['serve', '--sa-ca-cert-path=', '--upstream-host', 'http://127.0.0.1:8001']],
    [['publish', '--from-keys', 'a.pub', 'b.pub', '--issuer', 'https://o.example/c', '--dest', './public']],
    [['publish', '--dest', 's3://b/c', 'gs://b/c', '--provider', 'aws', '--provider', 'gcp', '--dry-run']],
    [['verify', '--issuer', 'https://o.example/c', '--provider', 'aws', 'azure', '--output', 'json']],
    [['verify', '--issuer=https://o.example/c', '--compare-cluster', '--token-request', 'ns/sa']],
  ])('gives the same configuration as yargs for %j', async (args) => {
    const plain = await viaFastPath(args);
    expect(plain).toBeDefined();
    const resolve = RESOLVERS[args[0] ?? ''];
    if (!resolve) throw new Error(`no resolver for ${args[0]}`);
    expect(await outcome(() => resolve(plain ?? {}))).toEqual(await outcome(() => resolve(viaYargs(args))));
  });

  it.each([
    [['verify', '--issuer', 'https://o.example/c', '--output', 'xml', '--timeout-seconds', 'abc']],
    [['publish', '--dest', '/tmp/x', '--max-age', 'abc', '--provider', 'nope']],
    [['serve', '--listen-port', 'abc', '--log-format', 'xml']],
  ])('refuses a wrong choice before any other wrong value, as the yargs path does: %j', async (args) => {
    let yargsMessage = '';
    try {
      viaYargs(args);
    } catch (error) {
      yargsMessage = (error as Error).message;
    }
    expect(yargsMessage).toMatch(/^invalid --(output|provider|log-format): /);
    await expect(viaFastPath(args)).rejects.toThrow(yargsMessage);
  });

  it('refuses a switch value that is not a ParseBool spelling, as the yargs path does', async () => {
    const message = 'invalid --pretty-print-json: "yes" is not a boolean (true or false)';
    await expect(viaFastPath(['serve', '--pretty-print-json=yes'])).rejects.toThrow(message);
    expect(() => viaYargs(['serve', '--pretty-print-json=yes'])).toThrow(message);
  });

  it.each([
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
    [['publish', '--help']],
    [['publish', '--dest=./public', 'extra']],
    [['publish', '--from-keys=a.pub', 'b.pub', '--dest', './public']],
    [['publish', '--from-keys', '--dest', './public']],
    [['publish', '--dest', './public', '--provider', '-x']],
    [['verify']],
    [['verify', '--provider', 'aws']],
    [['verify', '--issuer', 'https://o.example/c', '--token', 't.jwt', '--token-request', 'ns/sa']],
  ])('leaves %j to yargs', async (args) => {
    expect(await viaFastPath(args)).toBeUndefined();
  });

  it.each([[['pubish', '--dest', 'x']], [['--version']], [['constructor']], [[]]])(
    'leaves %j, no command of its own, to yargs',
    async (args) => {
      expect(await plainCommand(args)).toBeUndefined();
    },
  );
});
