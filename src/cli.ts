#!/usr/bin/env node
/**
 * The kube-oidc-gateway command line. `serve` with nothing but its own flags (what the
 * image runs) starts directly; everything else goes through yargs (src/cli-program.ts),
 * loaded only then.
 */
// First: no SIGUSR1 may open the inspector while the rest loads.
import './core/no-inspector-signal.js';
import { describeError, exitCodeOf } from './core/errors.js';
import { plainServeArgv } from './serve/argv.js';

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
  // One rule for every command: the error's code decides (core/errors.ts, EXIT_CODES).
  process.exitCode = exitCodeOf(error);
});
