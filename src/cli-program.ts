/**
 * The full command line, through yargs: every command, help, version and usage errors.
 * Each command's module is small; the heavy parts (cloud SDKs, the Kubernetes client) are
 * imported only by the code path that uses them.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { normalizeSwitchArgs } from './core/setting-args.js';
import { publishCommand } from './publish/command.js';
import { serveCommand } from './serve/command.js';
import { verifyCommand } from './verify/command.js';

/** Exit code of bad usage or configuration. */
export const EXIT_USAGE = 2;

const COMMANDS = [serveCommand, publishCommand, verifyCommand];

/** The command line with the named command's switches normalized (core/setting-args.ts). */
export function programArgs(args: readonly string[]): string[] {
  const named = args.find((arg) => !arg.startsWith('-'));
  const command = COMMANDS.find((candidate) => candidate.command === named);
  return command ? normalizeSwitchArgs(command.settings, args) : [...args];
}

export async function runProgram(): Promise<void> {
  let program = yargs(programArgs(hideBin(process.argv)))
    .scriptName('kube-oidc-gateway')
    .usage('$0 <command> [options]');
  for (const command of COMMANDS) program = program.command(command);
  await program
    .demandCommand(1, 'name a command: serve, publish or verify')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\n`);
      process.stderr.write("run 'kube-oidc-gateway --help' for usage\n");
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
}
