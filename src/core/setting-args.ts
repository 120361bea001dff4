/**
 * The raw command line, before (or instead of) yargs, for a command's setting tables.
 *
 * normalizeSwitchArgs: yargs reads `--switch=VALUE` as true only for the exact text `true`,
 * so `--pretty-print-json=1` would silently mean false. Every ParseBool spelling
 * (`1`/`0`, `t`/`f`, `TRUE`/`FALSE`, …), after `=` or as the next word, is rewritten to
 * `--switch=true|false` before yargs sees it; any other value after `=` is a one-line
 * CONFIG_INVALID naming the flag.
 *
 * readCommandLine: which command a command line names and which of its flags no table
 * declares, read as yargs-parser reads them, to word a usage error yargs has already found
 * (unknown command, unknown option) with a suggestion. It never decides that a command line
 * is wrong: yargs does.
 *
 * readPlainFlags: the yargs-free reading behind serve's fast path. It takes only the plainest
 * forms and gives exactly what yargs would (text as typed, a switch's boolean, an array when
 * a flag is repeated); anything else (help, an unknown or misspelled flag, a list, a value
 * that looks like a flag or is quoted) returns undefined and is left to yargs, so every
 * error and help text stays the one yargs gives.
 */
import { isBooleanText, parseBoolean } from './setting-kinds.js';
import { type CommandSettings, type Setting, settingsOf } from './setting-table.js';

/** yargs-parser also takes a flag in camelCase (`--dryRun`). */
function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function normalizeSwitchArgs(settings: CommandSettings, args: readonly string[]): string[] {
  const switches = new Map<string, string>();
  for (const declared of settingsOf(settings)) {
    if (declared.kind.yargs.type !== 'boolean') continue;
    switches.set(declared.flag, declared.flag);
    switches.set(camelCase(declared.flag), declared.flag);
  }
  const normalized: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      normalized.push(...args.slice(i));
      break;
    }
    const [, written = '', afterEquals] = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg) ?? [];
    const flag = switches.get(written);
    if (flag === undefined) {
      normalized.push(arg);
      continue;
    }
    let raw = afterEquals;
    const next = args[i + 1];
    if (raw === undefined && next !== undefined && isBooleanText(next)) {
      raw = next;
      i += 1;
    }
    normalized.push(raw === undefined ? arg : `--${flag}=${parseBoolean(raw, `--${flag}`)}`);
  }
  return normalized;
}

/** A command line's shape: the command word and the flags no table of that command declares. */
export interface CommandLine {
  /** The first word that is neither a flag nor a flag's value, as typed; undefined when none. */
  command: string | undefined;
  /** Unknown flags as typed, without a value: `--frobnicate`, `-x`. */
  unknown: string[];
}

/**
 * Reads `args` with the flags of `settingsOf(command)` (before the command word: those of
 * every command, `settingsOf(undefined)`), plus `alwaysKnown` (help, version). As
 * yargs-parser: `--flag=v`, `--flag v`, a switch's optional ParseBool value, a list's
 * following words, `--no-flag`, camelCase; an unknown flag takes the next word as its value.
 */
export function readCommandLine(
  args: readonly string[],
  settingsFor: (command: string | undefined) => CommandSettings,
  alwaysKnown: readonly string[],
): CommandLine {
  let command: string | undefined;
  let byFlag = flagIndex(settingsFor(undefined));
  const unknown: string[] = [];
  const isValue = (word: string | undefined) =>
    word !== undefined && (!word.startsWith('-') || /^-\d/.test(word));
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (word === '--') break;
    if (word === '-' || isValue(word)) {
      if (command === undefined) {
        command = word;
        byFlag = flagIndex(settingsFor(command));
      }
      continue;
    }
    const [, dashes = '', name = '', afterEquals] = /^(--?)([^=]*)(?:=([\s\S]*))?$/.exec(word) ?? [];
    const negated = name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
    const declared = byFlag.get(name) ?? negated;
    if (declared === undefined && !alwaysKnown.includes(name)) unknown.push(`${dashes}${name}`);
    if (afterEquals !== undefined || negated !== undefined) continue;
    if (declared?.kind.yargs.type === 'boolean' || alwaysKnown.includes(name)) {
      if (args[i + 1] !== undefined && isBooleanText(args[i + 1] as string)) i += 1;
    } else if (declared?.kind.yargs.array) {
      while (isValue(args[i + 1])) i += 1;
    } else if (isValue(args[i + 1])) {
      i += 1;
    }
  }
  return { command, unknown };
}

/** Flag name (and its camelCase) to setting. */
function flagIndex(settings: CommandSettings): Map<string, Setting<unknown>> {
  const byFlag = new Map<string, Setting<unknown>>();
  for (const declared of settingsOf(settings)) {
    byFlag.set(declared.flag, declared);
    byFlag.set(camelCase(declared.flag), declared);
  }
  return byFlag;
}

/** What yargs hands a command for these flags: flag name to text, a switch's boolean, or an array. */
export type PlainFlags = Record<string, string | boolean | string[]>;

export function readPlainFlags(settings: CommandSettings, args: readonly string[]): PlainFlags | undefined {
  const byFlag = new Map(settingsOf(settings).map((declared) => [declared.flag, declared]));
  const flags: PlainFlags = {};
  // Repeated, as yargs gives it: a switch its last value, any other flag an array (the resolver takes the last).
  const put = (flag: string, value: string | boolean) => {
    const earlier = flags[flag];
    if (typeof value === 'boolean' || earlier === undefined) flags[flag] = value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else flags[flag] = [String(earlier), value];
  };
  const words = normalizeSwitchArgs(settings, args);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const [, name, afterEquals] = /^--([^=]+)(?:=([\s\S]*))?$/.exec(word) ?? [];
    if (name === undefined) return undefined;
    const negated =
      afterEquals === undefined && name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
    if (negated?.kind.yargs.type === 'boolean') {
      put(negated.flag, false);
      continue;
    }
    const declared = byFlag.get(name);
    if (declared === undefined || declared.kind.yargs.array) return undefined;
    if (declared.kind.yargs.type === 'boolean') {
      // Normalized above: bare, or =true / =false.
      put(name, afterEquals === undefined || afterEquals === 'true');
      continue;
    }
    let value = afterEquals;
    if (value === undefined) {
      value = words[i + 1];
      if (value === undefined || value.startsWith('-')) return undefined;
      i += 1;
    } else if (/^["']/.test(value)) {
      // yargs strips quotes from `--flag="x"`.
      return undefined;
    }
    put(name, value);
  }
  return flags;
}
