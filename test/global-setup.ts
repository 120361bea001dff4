/**
 * Builds dist/ once before the suites: end-to-end tests run the built CLI, never the sources.
 * Prints the Node version first: npm scripts run on the pinned `node` dev dependency
 * (node_modules/.bin), not on whatever Node the machine has, and the log shows which.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  process.stdout.write(`tests run on Node ${process.version} (${process.execPath})\n`);
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    stdio: 'inherit',
  });
}
