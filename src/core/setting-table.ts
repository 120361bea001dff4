/**
 * Setting tables: each setting declares its flag, optional environment variable,
 * description, kind and typed default once. The resolved values (fully typed), the yargs
 * options (setting-yargs.ts), the CLI's yargs-free fast path (setting-args.ts) and the rows the
 * docs generator reads (describeSettings; scripts/reference-blocks.ts, `npm run docs`) all
 * come from the same table.
 *
 * Invariants: a value comes from the flag, else the variable, else the default; a malformed
 * value is a one-line CONFIG_INVALID naming the flag or variable it came from, never a silent
 * fallback to the default; a setting without a default resolves to undefined when not given.
 */
import type { Kind } from './setting-kinds.js';

export interface Setting<T, D extends T | undefined = T | undefined> {
  /** Without the dashes: `listen-port`. */
  readonly flag: string;
  readonly env?: string | undefined;
  readonly describe: string;
  readonly kind: Kind<T>;
  /** Used when neither the flag nor the variable is given; undefined: the setting stays unset. */
  readonly default: D;
}

/** Declares one setting; the default is checked against the kind's type. */
export function setting<T, D extends T | undefined>(declaration: Setting<T, D>): Setting<T, D> {
  return declaration;
}

export type SettingsTable = Readonly<Record<string, Setting<unknown>>>;

/** A command's settings: its tables, each under a heading of `--help` (none: "Options:"). */
export type CommandSettings = readonly { readonly table: SettingsTable; readonly group?: string }[];

export function settingsOf(settings: CommandSettings): Setting<unknown>[] {
  return settings.flatMap(({ table }) => Object.values(table));
}

/** The type a setting resolves to: its kind's, or undefined too when it has no default. */
export type SettingValue<S> =
  S extends Setting<infer T, infer D> ? ([D] extends [undefined] ? T | undefined : T) : never;

export type ResolvedSettings<S extends SettingsTable> = { -readonly [K in keyof S]: SettingValue<S[K]> };

/** The command line as yargs (or the CLI's fast path) hands it over: flag name to value. */
export type GivenFlags = Readonly<Record<string, unknown>>;
export type Env = Readonly<Record<string, string | undefined>>;

export function resolveSetting<T, D extends T | undefined>(
  declared: Setting<T, D>,
  argv: GivenFlags,
  env: Env,
): T | D {
  const given = argv[declared.flag];
  if (given !== undefined) return declared.kind.fromFlag(given, `--${declared.flag}`);
  const raw = declared.env === undefined ? undefined : env[declared.env];
  if (declared.env !== undefined && raw !== undefined) return declared.kind.fromEnv(raw, declared.env);
  return declared.default;
}

/** Whether the flag or the variable was given at all: some choices depend on being asked, not on the value. */
export function isGiven(declared: Setting<unknown>, argv: GivenFlags, env: Env): boolean {
  return argv[declared.flag] !== undefined || (declared.env !== undefined && env[declared.env] !== undefined);
}

export function resolveSettings<S extends SettingsTable>(
  table: S,
  argv: GivenFlags,
  env: Env,
): ResolvedSettings<S> {
  const values: Record<string, unknown> = {};
  for (const [key, declared] of Object.entries(table)) values[key] = resolveSetting(declared, argv, env);
  // The one cast: Object.entries loses the per-key types that resolveSetting keeps.
  return values as ResolvedSettings<S>;
}

/** One setting as documentation shows it. */
export interface SettingRow {
  /** `--listen-port` */
  flag: string;
  env: string | undefined;
  /** `integer 0..65535`, `boolean`, `list of path`, `one of json, text` */
  kind: string;
  /** As written on the command line; undefined: none. */
  default: string | undefined;
  describe: string;
}

export function describeSettings(table: SettingsTable): SettingRow[] {
  return Object.values(table).map((declared) => ({
    flag: `--${declared.flag}`,
    env: declared.env,
    kind: declared.kind.label,
    default: declared.default === undefined ? undefined : declared.kind.format(declared.default),
    describe: declared.describe,
  }));
}
