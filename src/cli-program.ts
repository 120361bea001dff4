/**
 * The full command line, through yargs: every command, help, version and usage errors.
 * Each command's module is small; the heavy parts (cloud SDKs, the Kubernetes client) are
 * imported only by the code path that uses them.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { publishCommand } from './publish/command.js';
import { serveCommand } from './serve/command.js';
import { verifyCommand } from './verify/command.js';

/** Exit code of bad usage or configuration. */
export const EXIT_USAGE = 2;

export async function runProgram(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('kube-oidc-gateway')
    .usage('$0 <command> [options]')
    .command(serveCommand)
    .command(publishCommand)
    .command(verifyCommand)
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
