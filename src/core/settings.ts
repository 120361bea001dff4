/**
 * Settings that come from a flag or an environment variable. A flag wins over its
 * variable, the variable over the default. A malformed value is an error naming the
 * flag or variable it came from, never a silent fallback to the default.
 */
import { GatewayError } from './errors.js';

export interface Setting<T> {
  flag: string;
  env?: string;
  describe: string;
  /** As shown in help and README; undefined means "not set". */
  default: string | undefined;
  parse: (raw: string, name: string) => T;
}

type Argv = Record<string, unknown>;
type Env = Record<string, string | undefined>;

export function resolveSetting<T>(setting: Setting<T>, argv: Argv, env: Env): T | undefined {
  const fromFlag = argv[setting.flag];
  if (fromFlag !== undefined) {
    // yargs gives an array when a string flag is repeated; the last one wins, as on most CLIs.
    const raw = Array.isArray(fromFlag) ? fromFlag[fromFlag.length - 1] : fromFlag;
    return setting.parse(String(raw), `--${setting.flag}`);
  }
  const fromEnv = setting.env ? env[setting.env] : undefined;
  if (fromEnv !== undefined) return setting.parse(fromEnv, setting.env as string);
  return setting.default === undefined ? undefined : setting.parse(setting.default, `--${setting.flag}`);
}

export function invalid(name: string, raw: string, reason: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `invalid ${name}: "${raw}" ${reason}`);
}

export function parseInteger(min: number, max: number) {
  return (raw: string, name: string): number => {
    const text = raw.trim();
    if (!/^\d+$/.test(text)) throw invalid(name, raw, 'is not a whole number');
    const value = Number(text);
    if (value < min || value > max) throw invalid(name, raw, `is out of range ${min}..${max}`);
    return value;
  };
}

/** What Go's strconv.ParseBool accepts, so values that worked with the Go gateway keep working. */
export function parseBoolean(raw: string, name: string): boolean {
  const text = raw.trim();
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw invalid(name, raw, 'is not a boolean (true or false)');
}

export function parseString(raw: string): string {
  return raw;
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (raw: string, name: string): T => {
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    throw invalid(name, raw, `is not one of ${choices.join(', ')}`);
  };
}

export function parseUrl(protocols: readonly string[]) {
  return (raw: string, name: string): string => {
    const url = URL.parse(raw);
    if (url === null) {
      throw invalid(name, raw, 'is not a URL');
    }
    if (!protocols.includes(url.protocol)) throw invalid(name, raw, `is not a ${protocols.join(' or ')} URL`);
    return raw;
  };
}

/** yargs option declarations for a table of settings: strings, no yargs defaults, so resolveSetting sees what was given. */
export function yargsOptions(settings: Record<string, Setting<unknown>>) {
  const options: Record<string, { type: 'string'; describe: string; group?: string }> = {};
  for (const setting of Object.values(settings)) {
    const parts = [setting.describe];
    if (setting.env) parts.push(`[env ${setting.env}]`);
    if (setting.default !== undefined && setting.default !== '') parts.push(`[default ${setting.default}]`);
    options[setting.flag] = { type: 'string', describe: parts.join(' ') };
  }
  return options;
}

export function resolveAll<S extends Record<string, Setting<unknown>>>(
  settings: S,
  argv: Argv,
  env: Env,
): { [K in keyof S]: S[K] extends Setting<infer T> ? T | undefined : never } {
  const result: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) result[key] = resolveSetting(setting, argv, env);
  return result as { [K in keyof S]: S[K] extends Setting<infer T> ? T | undefined : never };
}
