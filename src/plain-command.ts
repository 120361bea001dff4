/**
 * A command and its own flags, read without yargs: `serve` as the image runs it, a `publish`
 * CronJob, a `verify` step in CI. Loading yargs (and the text-width tables its help needs)
 * costs about 50 ms of CPU and 10 MiB of RSS, for the life of a pod or the whole of a short
 * run. Only the named command's module is loaded (each loads its implementation only when it
 * runs). The same tables, the same reading of switches and the same rules as the yargs command
 * (core/setting-args.ts); anything but the plainest forms gives undefined and goes to yargs,
 * so every error and help text stays the one yargs gives.
 */
import type { PlainFlags } from './core/setting-args.js';

interface PlainCommand {
  readPlain(args: readonly string[]): PlainFlags | undefined;
  handler(argv: PlainFlags): Promise<void>;
}

/** Each command's module, by the word that names it; loaded on first use. */
const COMMAND_MODULES: ReadonlyMap<string, () => Promise<PlainCommand>> = new Map([
  ['serve', async () => (await import('./serve/command.js')).serveCommand],
  ['publish', async () => (await import('./publish/command.js')).publishCommand],
  ['verify', async () => (await import('./verify/command.js')).verifyCommand],
]);

/** The command `args` names, ready to run with its flags as yargs would hand them over; or undefined. */
export async function plainCommand(args: readonly string[]): Promise<(() => Promise<void>) | undefined> {
  const load = COMMAND_MODULES.get(args[0] ?? '');
  if (load === undefined) return undefined;
  const command = await load();
  const flags = command.readPlain(args.slice(1));
  return flags && (() => command.handler(flags));
}
