/**
 * `serve` and its own flags, read without yargs: what the image runs (`serve`, settings
 * from the environment) starts without the parser, which would cost about 10 MiB of RSS
 * for the life of the pod. Only the plainest forms are taken (`--flag value`,
 * `--flag=value`, flags of serve's settings tables); anything else (help, an unknown or
 * misspelled flag, a value that looks like a flag) returns undefined and goes to yargs,
 * so every error and help text stays the one yargs gives.
 */
import { sourceSettings } from '../core/source-settings.js';
import { serveSettings } from './config.js';

const SERVE_FLAGS = new Set(
  [...Object.values(serveSettings), ...Object.values(sourceSettings)].map((s) => s.flag),
);

/** The flags as yargs hands them to the command (flag name to its last value), or undefined. */
export function plainServeArgv(args: readonly string[]): Record<string, string> | undefined {
  if (args[0] !== 'serve') return undefined;
  const argv: Record<string, string> = {};
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) return undefined;
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    if (!SERVE_FLAGS.has(flag)) return undefined;
    let value: string | undefined;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      value = args[i + 1];
      if (value === undefined || value.startsWith('-')) return undefined;
      i += 1;
    }
    // Repeated: the last one wins, as resolveSetting does with the array yargs gives.
    argv[flag] = value;
  }
  return argv;
}
