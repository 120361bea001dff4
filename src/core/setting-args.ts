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
 * readPlainFlags: the yargs-free reading behind the CLI's fast path (src/plain-command.ts).
 * It takes only the plainest forms and gives exactly what yargs would (text as typed, a
 * switch's boolean, a list's values, an array when a flag is repeated); anything else (help,
 * an unknown or misspelled flag, a value that looks like a flag or is quoted, `--list=…`, a
 * required flag missing, two that conflict) returns undefined and is left to yargs, so every
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
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (word === '--') break;
    if (word === '-' || isValueWord(word)) {
      if (command === undefined) {
        command = word;
        byFlag = flagIndex(settingsFor(command));
      }
      continue;
    }
    const flag = readFlagWord(word, byFlag, alwaysKnown);
    if (flag.unknownAs !== undefined) unknown.push(flag.unknownAs);
    i += valueWordsAfter(flag.takes, args, i);
  }
  return { command, unknown };
}

/** A word yargs-parser reads as a value, not a flag: no leading dash, or a negative number. */
function isValueWord(word: string | undefined): word is string {
  return word !== undefined && (!word.startsWith('-') || /^-\d/.test(word));
}

/**
 * What a flag takes from the words after it: nothing (its value came after `=`, or it is a
 * `--no-` form), a switch's optional ParseBool word, a list's every value word, or one
 * value word.
 */
type ValueWords = 'none' | 'switch' | 'list' | 'one';

/** A flag word as yargs-parser reads it with the flags it knows. */
interface FlagWord {
  /** As typed, without a value (`--frobnicate`, `-x`), when no table declares it; else undefined. */
  unknownAs: string | undefined;
  takes: ValueWords;
}

function readFlagWord(
  word: string,
  byFlag: Map<string, Setting<unknown>>,
  alwaysKnown: readonly string[],
): FlagWord {
  const [, dashes = '', name = '', afterEquals] = /^(--?)([^=]*)(?:=([\s\S]*))?$/.exec(word) ?? [];
  const negated = name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
  const declared = byFlag.get(name) ?? negated;
  const always = alwaysKnown.includes(name);
  return {
    unknownAs: declared === undefined && !always ? `${dashes}${name}` : undefined,
    takes: afterEquals !== undefined || negated !== undefined ? 'none' : valueWordsOf(declared, always),
  };
}

/** What a flag written without `=` takes: help and version read like switches, an unknown flag one value. */
function valueWordsOf(declared: Setting<unknown> | undefined, alwaysKnown: boolean): ValueWords {
  if (declared?.kind.yargs.type === 'boolean' || alwaysKnown) return 'switch';
  if (declared?.kind.yargs.array) return 'list';
  return 'one';
}

/** How many of the words after `args[i]` the flag there takes as its values. */
function valueWordsAfter(takes: ValueWords, args: readonly string[], i: number): number {
  switch (takes) {
    case 'none':
      return 0;
    case 'switch': {
      const next = args[i + 1];
      return next !== undefined && isBooleanText(next) ? 1 : 0;
    }
    case 'list': {
      let count = 0;
      while (isValueWord(args[i + 1 + count])) count += 1;
      return count;
    }
    case 'one':
      return isValueWord(args[i + 1]) ? 1 : 0;
  }
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

/** What yargs enforces beyond each flag: flags that must be given, pairs that must not both be. */
export interface CommandRules {
  readonly required?: readonly string[];
  readonly conflicts?: readonly (readonly [string, string])[];
}

export function readPlainFlags(
  settings: CommandSettings,
  args: readonly string[],
  rules: CommandRules = {},
): PlainFlags | undefined {
  const byFlag = new Map(settingsOf(settings).map((declared) => [declared.flag, declared]));
  const flags: PlainFlags = {};
  const words = normalizeSwitchArgs(settings, args);
  for (let i = 0; i < words.length; ) {
    const read = readPlainFlag(words, i, byFlag);
    if (read === undefined) return undefined;
    putRepeated(flags, read.flag, read.value);
    i += 1 + read.wordsTaken;
  }
  // A rule broken is left to yargs, which words the error.
  const given = (flag: string) => flags[flag] !== undefined;
  if (rules.required?.some((flag) => !given(flag))) return undefined;
  if (rules.conflicts?.some(([one, other]) => given(one) && given(other))) return undefined;
  return flags;
}

/** One flag in a plain form: its name, its value (a list's values), and how many next words that took. */
interface PlainFlag {
  flag: string;
  value: string | boolean | string[];
  wordsTaken: number;
}

/** The flag at `words[i]` (switches normalized) when it is in a plain form; undefined to leave it to yargs. */
function readPlainFlag(
  words: readonly string[],
  i: number,
  byFlag: ReadonlyMap<string, Setting<unknown>>,
): PlainFlag | undefined {
  const [, name, afterEquals] = /^--([^=]+)(?:=([\s\S]*))?$/.exec(words[i] ?? '') ?? [];
  if (name === undefined) return undefined;
  const negated = afterEquals === undefined && name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
  if (negated?.kind.yargs.type === 'boolean') return { flag: negated.flag, value: false, wordsTaken: 0 };
  const declared = byFlag.get(name);
  if (declared === undefined) return undefined;
  if (declared.kind.yargs.array) return afterEquals === undefined ? plainList(name, words, i) : undefined;
  if (declared.kind.yargs.type === 'boolean') {
    // Normalized by normalizeSwitchArgs: bare, or =true / =false.
    return { flag: name, value: afterEquals === undefined || afterEquals === 'true', wordsTaken: 0 };
  }
  return plainValue(name, afterEquals, words[i + 1]);
}

/** A non-switch flag's value, after `=` or as the next word, when yargs would read it as typed. */
function plainValue(
  flag: string,
  afterEquals: string | undefined,
  next: string | undefined,
): PlainFlag | undefined {
  if (afterEquals !== undefined) {
    // yargs strips quotes from `--flag="x"`.
    return /^["']/.test(afterEquals) ? undefined : { flag, value: afterEquals, wordsTaken: 0 };
  }
  if (next === undefined || next.startsWith('-')) return undefined;
  return { flag, value: next, wordsTaken: 1 };
}

/**
 * A list flag written `--flag a b …`: every next word up to the next flag, at least one, as
 * yargs reads an array. (`--flag=a b` also takes `b` in yargs-parser: left to it.)
 */
function plainList(flag: string, words: readonly string[], i: number): PlainFlag | undefined {
  const values: string[] = [];
  let next = words[i + 1];
  while (next !== undefined && !next.startsWith('-')) {
    values.push(next);
    next = words[i + 1 + values.length];
  }
  return values.length === 0 ? undefined : { flag, value: values, wordsTaken: values.length };
}

/**
 * Repeated, as yargs gives it: a switch its last value, a list all its values in order, any
 * other flag an array (the resolver takes the last).
 */
function putRepeated(flags: PlainFlags, flag: string, value: string | boolean | string[]): void {
  const earlier = flags[flag];
  if (typeof value === 'boolean' || earlier === undefined) {
    flags[flag] = value;
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  if (Array.isArray(earlier)) earlier.push(...values);
  else flags[flag] = [String(earlier), ...values];
}
