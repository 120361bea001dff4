/**
 * `serve` and its own flags, read without yargs: what the image runs (`serve`, settings
 * from the environment) starts without the parser, which would cost about 10 MiB of RSS
 * for the life of the pod. The same tables and the same reading of switches as the yargs
 * command (core/setting-args.ts); anything but the plainest forms returns undefined and
 * goes to yargs, so every error and help text stays the one yargs gives.
 */
import { type PlainFlags, readPlainFlags } from '../core/setting-args.js';
import { serveCommandSettings } from './settings.js';

/** The flags as yargs would hand them to the command, or undefined. */
export function plainServeArgv(args: readonly string[]): PlainFlags | undefined {
  if (args[0] !== 'serve') return undefined;
  return readPlainFlags(serveCommandSettings, args.slice(1));
}
