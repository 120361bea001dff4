/**
 * The full command line, through yargs: every command, help, version and usage errors.
 * Each command's module is small; the heavy parts (cloud SDKs, the Kubernetes client) are
 * imported only by the code path that uses them.
 *
 * A usage error is one line on stderr and exit 2. yargs finds it; an unknown command or
 * option is then worded here, naming what was typed and the nearest known word.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_USAGE } from './core/errors.js';
import { normalizeSwitchArgs, readCommandLine } from './core/setting-args.js';
import type { CommandSettings } from './core/setting-table.js';
import { didYouMean } from './core/suggest.js';
import { publishCommand } from './publish/command.js';
import { serveCommand } from './serve/command.js';
import { verifyCommand } from './verify/command.js';

const COMMANDS = [serveCommand, publishCommand, verifyCommand];
const COMMAND_NAMES = COMMANDS.map((command) => command.command);
/** What yargs adds to every command: `--help`, `-h`, `--version`. */
const ALWAYS_KNOWN = ['help', 'h', 'version'];

/** A command's settings; before (or without) a known command, every command's. */
function settingsFor(name: string | undefined): CommandSettings {
  const command = COMMANDS.find((candidate) => candidate.command === name);
  return command ? command.settings : COMMANDS.flatMap((candidate) => candidate.settings);
}

/** The command line with the named command's switches normalized (core/setting-args.ts). */
export function programArgs(args: readonly string[]): string[] {
  const named = args.find((arg) => !arg.startsWith('-'));
  const command = COMMANDS.find((candidate) => candidate.command === named);
  return command ? normalizeSwitchArgs(command.settings, args) : [...args];
}

/**
 * The one line for a usage error yargs found in `args`: an unknown command or option named
 * as typed, with the nearest known word; anything else as yargs worded it.
 */
export function usageError(args: readonly string[], yargsMessage: string): string {
  const { command, unknown } = readCommandLine(args, settingsFor, ALWAYS_KNOWN);
  const known = command !== undefined && COMMAND_NAMES.includes(command);
  const help = `'kube-oidc-gateway${known ? ` ${command}` : ''} --help'`;
  if (command !== undefined && !known) {
    const suggestion = didYouMean(command, COMMAND_NAMES) || `; the commands are ${COMMAND_NAMES.join(', ')}`;
    return `unknown command "${command}"${suggestion}`;
  }
  if (unknown.length > 0) {
    const flags = settingsFor(command).flatMap(({ table }) =>
      Object.values(table).map((declared) => declared.flag),
    );
    const suggestions = unknown.map((flag) =>
      didYouMean(flag.replace(/^--?/, ''), flags, (name) => `--${name}`),
    );
    const where = known ? `${command}: ` : '';
    const after =
      command === undefined ? `; name a command: ${COMMAND_NAMES.join(', ')}` : `; ${help} lists the options`;
    if (unknown.length === 1) {
      // A suggestion is the way out; without one, the list of options is.
      return `${where}unknown option ${unknown[0]}${suggestions[0] || after}`;
    }
    const named = unknown.map(
      (flag, index) => `${flag}${suggestions[index]?.replace(/^; (.*)$/, ' ($1)') ?? ''}`,
    );
    return `${where}unknown options ${named.join(', ')}${after}`;
  }
  return `${yargsMessage}; see ${help}`;
}

export async function runProgram(): Promise<void> {
  const args = hideBin(process.argv);
  let program = yargs(programArgs(args)).scriptName('kube-oidc-gateway').usage('$0 <command> [options]');
  for (const command of COMMANDS) program = program.command(command);
  await program
    .demandCommand(1, `name a command: ${COMMAND_NAMES.join(', ')}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${usageError(args, message)}\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
}
