#!/usr/bin/env node
/**
 * The kube-oidc-gateway command line. `serve` with nothing but its own flags (what the
 * image runs) starts directly; everything else goes through yargs (src/cli-program.ts),
 * loaded only then.
 */
// First: no SIGUSR1 may open the inspector while the rest loads.
import './core/no-inspector-signal.js';
import { describeError, isGatewayError } from './core/errors.js';
import { plainServeArgv } from './serve/argv.js';

/** Exit codes: 1 a run that failed, 2 bad usage or configuration. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(): Promise<void> {
  const serveArgv = plainServeArgv(process.argv.slice(2));
  if (serveArgv) {
    const { serveCommand } = await import('./serve/command.js');
    await serveCommand.handler(serveArgv);
    return;
  }
  const { runProgram } = await import('./cli-program.js');
  await runProgram();
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exitCode = isGatewayError(error, 'CONFIG_INVALID') ? EXIT_USAGE : EXIT_FAILURE;
});
