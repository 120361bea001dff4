#!/usr/bin/env node
/**
 * The kube-oidc-gateway command line. A command with nothing but its own flags in plain
 * forms (what the image, a CronJob or a CI step runs) starts directly (src/plain-command.ts);
 * everything else (help, version, usage errors) goes through yargs (src/cli-program.ts),
 * loaded only then.
 */
// First: no SIGUSR1 may open the inspector while the rest loads.
import './core/no-inspector-signal.js';
import { enableCompileCache } from 'node:module';
import { describeError, exitCodeOf } from './core/errors.js';
import { plainCommand } from './plain-command.js';

async function main(): Promise<void> {
  // What loads from here on (yargs, the commands, an SDK) is compiled once and kept in
  // Node's compile cache (os.tmpdir()/node-compile-cache), as TypeScript's and npm's own
  // commands do: a second run starts in about half the CPU time. Where the directory
  // cannot be written (a read-only root filesystem), Node just compiles as before.
  enableCompileCache();
  const run = await plainCommand(process.argv.slice(2));
  if (run) {
    await run();
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
