/**
 * A setting table as yargs options: yargs parses the command line and writes `--help`; the
 * table's kinds decide what a value means (setting-table.ts resolves it). Imports yargs's
 * types only, so it costs nothing where yargs is not loaded.
 *
 * - No yargs defaults: the resolver must see which flags were given (a flag beats its
 *   variable). The default and the variable are shown in `--help`, once each.
 * - An integer is declared `number` (help shows `[number]`) and `string` too: yargs-parser
 *   then hands over the text as typed, so `0x10`, `1e3` or an empty value reach the integer
 *   parser and its error, instead of becoming 16, 1000 and 0.
 * - A choice declares its choices (help shows `[choices: …]`); a check before yargs's own
 *   validation turns a wrong one into the setting's one-line CONFIG_INVALID, not yargs's
 *   multi-line "Invalid values".
 * - A switch is a yargs boolean; `--flag=VALUE` reaches yargs normalized (setting-args.ts).
 * - A command's rules (required flags, conflicts) are data, so the yargs-free reading keeps
 *   them too.
 */
import type { Argv, Options } from 'yargs';
import { type CommandRules, type PlainFlags, readPlainFlags } from './setting-args.js';
import type { CommandSettings, GivenFlags, SettingsTable } from './setting-table.js';

export function yargsOptions(table: SettingsTable, group?: string): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const declared of Object.values(table)) {
    const { type, array, choices } = declared.kind.yargs;
    options[declared.flag] = {
      type,
      string: type === 'number' ? true : undefined,
      array,
      choices,
      group,
      describe:
        declared.env === undefined ? declared.describe : `${declared.describe} [env: ${declared.env}]`,
      defaultDescription:
        declared.default === undefined ? undefined : declared.kind.format(declared.default) || undefined,
    };
  }
  return options;
}

/** A table's choice flags parsed as the resolver will, so a wrong value fails with the setting's message. */
export function checkChoiceFlags(table: SettingsTable): (argv: GivenFlags) => void {
  const withChoices = Object.values(table).filter((declared) => declared.kind.yargs.choices !== undefined);
  return (argv) => {
    for (const declared of withChoices) {
      const given = argv[declared.flag];
      if (given !== undefined) declared.kind.fromFlag(given, `--${declared.flag}`);
    }
  };
}

/**
 * Declares a command's settings on its yargs, each table under its `--help` heading, in
 * the order given. A table without a heading is the command's own: it goes under
 * "<Command> options:", first. (Left without a group, yargs would put it under its
 * "Options:" with help and version, which it prints after every named group.)
 */
export function declareSettings(yargs: Argv, settings: CommandSettings, command: string): Argv {
  const own = `${command.charAt(0).toUpperCase()}${command.slice(1)} options:`;
  let declared = yargs;
  for (const { table, group } of settings) {
    declared = declared.options(yargsOptions(table, group ?? own)).middleware(checkChoiceFlags(table), true);
  }
  return declared;
}

/** One `--help` example: what it does, and the command line (`$0` for the program; lines joined by ` \\`). */
export interface Example {
  readonly what: string;
  readonly lines: readonly string[];
}

/** The longest example line: one fits an 80-column terminal, whatever width help wraps at. */
export const MAX_EXAMPLE_COLUMNS = 80;

/**
 * A command's examples, as the last part of its `--help`: each a `# what` comment over the
 * command line, continuation lines indented, so each can be copied as it stands. Written as
 * yargs's epilog, which keeps the lines as they are; yargs's own example() puts command and
 * description side by side in two columns and folds a long command mid-word.
 */
export function examplesEpilog(examples: readonly Example[]): string {
  const lines = ['Examples:'];
  for (const { what, lines: command } of examples) {
    lines.push(`  # ${what}`);
    command.forEach((line, index) => {
      const last = index === command.length - 1;
      lines.push(`${index === 0 ? '  ' : '      '}${line}${last ? '' : ' \\'}`);
    });
  }
  return lines.join('\n');
}

/** A command as its module declares it; the implementation is imported by `run`, only when it runs. */
export interface CommandSpec {
  readonly name: string;
  readonly describe: string;
  readonly settings: CommandSettings;
  readonly examples: readonly Example[];
  /** What yargs enforces beyond each setting's own parsing: required flags, conflicts. */
  readonly rules?: CommandRules;
  readonly run: (argv: GivenFlags) => Promise<void>;
}

/** A command's rules on yargs: each required flag demanded, each pair in conflict. */
function applyRules(yargs: Argv, rules: CommandRules): Argv {
  let ruled = rules.required?.length ? yargs.demandOption([...rules.required]) : yargs;
  for (const [one, other] of rules.conflicts ?? []) ruled = ruled.conflicts(one, other);
  return ruled;
}

/**
 * The yargs command module for a spec: its settings declared in their groups, its rules, its
 * examples last. `readPlain` reads the command's flags without yargs when they are in the
 * plainest forms and keep the rules (setting-args.ts), else gives undefined.
 */
export function commandModule(spec: CommandSpec) {
  const rules = spec.rules ?? {};
  return {
    command: spec.name,
    describe: spec.describe,
    settings: spec.settings,
    builder: (yargs: Argv) =>
      applyRules(declareSettings(yargs, spec.settings, spec.name), rules).epilog(
        examplesEpilog(spec.examples),
      ),
    handler: spec.run,
    rules,
    readPlain: (args: readonly string[]): PlainFlags | undefined => {
      const flags = readPlainFlags(spec.settings, args, rules);
      // As the yargs middleware does, before anything else: a wrong choice is the error.
      if (flags) for (const { table } of spec.settings) checkChoiceFlags(table)(flags);
      return flags;
    },
  };
}
