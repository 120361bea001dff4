#!/usr/bin/env node
/**
 * The kube-oidc-gateway command line. Each command's module is small; the heavy parts
 * (cloud SDKs, the Kubernetes client) are imported only by the code path that uses them.
 */
// First: no SIGUSR1 may open the inspector while the rest loads.
import './core/no-inspector-signal.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeError, isGatewayError } from './core/errors.js';
import { publishCommand } from './publish/command.js';
import { serveCommand } from './serve/command.js';
import { verifyCommand } from './verify/command.js';

/** Exit codes: 1 a run that failed, 2 bad usage or configuration. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(): Promise<void> {
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

main().catch((error: unknown) => {
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exitCode = isGatewayError(error, 'CONFIG_INVALID') ? EXIT_USAGE : EXIT_FAILURE;
});
