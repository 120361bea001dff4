/**
 * The kinds of setting values. A kind says how a value is read from a flag (as yargs, or
 * the CLI's yargs-free fast path, hands it over) and from an environment variable, what yargs
 * declares for it (the type `--help` shows), and how a value (a default) is written in help
 * and docs.
 *
 * Invariants: every parser names the flag or variable the value came from in a one-line
 * CONFIG_INVALID and never falls back to a default; a repeated single-value flag gives its
 * last value; a list's variable is comma- or space-separated.
 */
import { GatewayError } from './errors.js';

/** What yargs declares for a kind: the parser's type and the label `--help` shows. */
export interface YargsType {
  readonly type: 'string' | 'number' | 'boolean';
  /** A repeatable flag that takes several values. */
  readonly array?: boolean;
  readonly choices?: readonly string[];
}

/** Method signatures (bivariant), so a `Kind<number>` is also a `Kind<unknown>` in a table. */
export interface Kind<T> {
  /** For help and docs: `integer 1..300`, `boolean`, `list of URLs`. */
  readonly label: string;
  readonly yargs: YargsType;
  /** A flag's value as given: text, a switch's boolean, or an array when repeated. */
  fromFlag(given: unknown, name: string): T;
  /** A variable's text. */
  fromEnv(raw: string, name: string): T;
  /** A value as help and docs write it. */
  format(value: T): string;
}

export function invalid(name: string, raw: string, reason: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `invalid ${name}: "${raw}" ${reason}`);
}

/** yargs gives an array when a flag is repeated: the last one wins, as on most command lines. */
function lastGiven(given: unknown): unknown {
  return Array.isArray(given) ? given[given.length - 1] : given;
}

/** A single-value kind from a parser of text; `format` writes a value back in the form parse takes. */
export function parsed<T>(
  label: string,
  parse: (raw: string, name: string) => T,
  format: (value: T) => string,
  yargs: YargsType = { type: 'string' },
): Kind<T> {
  return {
    label,
    yargs,
    fromFlag: (given, name) => parse(String(lastGiven(given) ?? ''), name),
    fromEnv: parse,
    format,
  };
}

export function text(): Kind<string> {
  return parsed(
    'text',
    (raw) => raw,
    (value) => value,
  );
}

/** A file path; empty is refused here rather than failing later as a file that cannot be read. */
export function path(): Kind<string> {
  return parsed(
    'path',
    (raw, name) => {
      if (raw === '') throw new GatewayError('CONFIG_INVALID', `invalid ${name}: empty path`);
      return raw;
    },
    (value) => value,
  );
}

export function integer(min: number, max: number): Kind<number> {
  return parsed(
    `integer ${min}..${max}`,
    (raw, name) => {
      const digits = raw.trim();
      if (!/^\d+$/.test(digits)) throw invalid(name, raw, 'is not a whole number');
      const value = Number(digits);
      if (value < min || value > max) throw invalid(name, raw, `is out of range ${min}..${max}`);
      return value;
    },
    String,
    { type: 'number' },
  );
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** What Go's strconv.ParseBool accepts, so values that worked with the Go gateway keep working. */
export function parseBoolean(raw: string, name: string): boolean {
  const value = raw.trim();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw invalid(name, raw, 'is not a boolean (true or false)');
}

/** True when `raw` is one of ParseBool's spellings. */
export function isBooleanText(raw: string): boolean {
  return TRUE.includes(raw) || FALSE.includes(raw);
}

/**
 * A switch: `--flag`, `--no-flag`, `--flag=VALUE` (VALUE one of ParseBool's spellings, see
 * setting-args.ts), or a variable with such a value.
 */
export function boolean(): Kind<boolean> {
  return {
    label: 'boolean',
    yargs: { type: 'boolean' },
    fromFlag: (given, name) => {
      const last = lastGiven(given);
      return typeof last === 'boolean' ? last : parseBoolean(String(last), name);
    },
    fromEnv: parseBoolean,
    format: String,
  };
}

export function choice<const T extends string>(choices: readonly T[]): Kind<T> {
  const isChoice = (raw: string): raw is T => choices.some((value) => value === raw);
  return parsed(
    `one of ${choices.join(', ')}`,
    (raw, name) => {
      if (isChoice(raw)) return raw;
      throw invalid(name, raw, `is not one of ${choices.join(', ')}`);
    },
    (value) => value,
    { type: 'string', choices },
  );
}

/** A URL with one of `protocols` (`https:`, `http:`), kept as written. */
export function url(protocols: readonly string[]): Kind<string> {
  return parsed(
    `${protocols.map((protocol) => protocol.replace(/:$/, '')).join(' or ')} URL`,
    (raw, name) => checkUrl(raw, name, protocols),
    (value) => value,
  );
}

export function checkUrl(raw: string, name: string, protocols: readonly string[]): string {
  const parsedUrl = URL.parse(raw);
  if (parsedUrl === null) throw invalid(name, raw, 'is not a URL');
  if (!protocols.includes(parsedUrl.protocol))
    throw invalid(name, raw, `is not a ${protocols.join(' or ')} URL`);
  return raw;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Go-style durations as kube flags take them: 24h, 90m, 1h30m, 45s; a bare number is seconds.
 * The value is in milliseconds; `longest` names the limit in words (`a year`).
 */
export function duration(maxMs: number, longest: string): Kind<number> {
  return parsed(
    'duration (24h, 90m, 1h30m, 45s or seconds)',
    (raw, name) => {
      const ms = parseDuration(raw, name);
      if (ms > maxMs) throw invalid(name, raw, `is longer than ${longest}`);
      return ms;
    },
    formatDuration,
  );
}

function parseDuration(raw: string, name: string): number {
  const value = raw.trim();
  if (/^\d+$/.test(value)) return Number(value) * SECOND_MS;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === '')
    throw invalid(name, raw, 'is not a duration (e.g. 24h, 90m, 1h30m, 0 to disable)');
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS + Number(seconds) * SECOND_MS;
}

/** `24h`, `1h30m`, `45s`, `0`: the form parseDuration takes back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const hours = Math.floor(ms / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const seconds = Math.floor((ms % MINUTE_MS) / SECOND_MS);
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}`;
}

export interface ListOptions<T> {
  /** A key per value: two values with the same key are refused (`is given twice`). */
  unique?: (value: T) => string;
}

/** A repeatable flag (`--dest a --dest b`, or `--dest a b`); its variable is comma- or space-separated. */
export function list<T>(item: Kind<T>, options: ListOptions<T> = {}): Kind<T[]> {
  const checked = (values: T[], name: string): T[] => {
    if (options.unique) {
      const seen = new Set<string>();
      for (const value of values) {
        const key = options.unique(value);
        if (seen.has(key)) throw invalid(name, key, 'is given twice');
        seen.add(key);
      }
    }
    return values;
  };
  return {
    label: `list of ${item.label}`,
    yargs: { ...item.yargs, array: true },
    fromFlag: (given, name) =>
      checked(
        (Array.isArray(given) ? given : [given]).map((value) => item.fromFlag(value, name)),
        name,
      ),
    fromEnv: (raw, name) =>
      checked(
        raw
          .split(/[\s,]+/)
          .filter((value) => value !== '')
          .map((value) => item.fromEnv(value, name)),
        name,
      ),
    format: (values) => values.map((value) => item.format(value)).join(', '),
  };
}
