/**
 * `--help` of each command through the built CLI: every setting of the command's tables is
 * listed with its kind's type (numbers as [number], switches as [boolean], lists as [array],
 * choices as [choices: …]), its variable and its default, each once. Generated from the
 * tables, so a new setting is checked too.
 */
import { describe, expect, it } from 'vitest';
import type { CommandSettings, Setting } from '../src/core/setting-table.js';
import { settingsOf } from '../src/core/setting-table.js';
import { MAX_EXAMPLE_COLUMNS } from '../src/core/setting-yargs.js';
import { publishCommand } from '../src/publish/command.js';
import { publishCommandSettings } from '../src/publish/settings.js';
import { serveCommandSettings } from '../src/serve/settings.js';
import { verifyCommandSettings } from '../src/verify/settings.js';
import { runCli } from './support/cli.js';

/** Each option's text in the help, wrapped lines joined: `--flag` to its description and tags. */
function optionTexts(help: string): Map<string, string> {
  const texts = new Map<string, string>();
  let current: string | undefined;
  for (const line of help.split('\n')) {
    if (line === 'Examples:') break;
    // An option starts in the switch column; a description's wrapped line is indented further.
    const start = /^(?: {2}-\w, | {6})--([\w-]+)\s/.exec(line);
    if (start?.[1]) {
      current = start[1];
      texts.set(current, line.trim());
    } else if (current && line.trim() !== '') {
      texts.set(current, `${texts.get(current)} ${line.trim()}`);
    } else {
      current = undefined;
    }
  }
  for (const [flag, text] of texts) texts.set(flag, text.replace(/\s+/g, ' '));
  return texts;
}

/** The tag --help must show for a kind, from what the kind is (not from what it declares to yargs). */
function typeTag(declared: Setting<unknown>): string {
  const { label } = declared.kind;
  if (label.startsWith('integer ')) return '[number]';
  if (label === 'boolean') return '[boolean]';
  if (label.startsWith('list of ')) return '[array]';
  const choices = /^one of (.+)$/.exec(label)?.[1];
  if (choices)
    return `[string] [choices: ${choices
      .split(', ')
      .map((value) => `"${value}"`)
      .join(', ')}]`;
  return '[string]';
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe.concurrent('--help of each command shows every setting typed', () => {
  it.each([
    ['serve', serveCommandSettings],
    ['publish', publishCommandSettings],
    ['verify', verifyCommandSettings],
  ] as [string, CommandSettings][])('%s --help', async (command, settings) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    const texts = optionTexts(run.stdout);
    for (const declared of settingsOf(settings)) {
      const text = texts.get(declared.flag) ?? '';
      expect(text, declared.flag).toContain(typeTag(declared));
      if (declared.env !== undefined) expect(count(text, `[env: ${declared.env}]`), declared.flag).toBe(1);
      const shown = declared.default === undefined ? '' : declared.kind.format(declared.default);
      if (shown !== '') expect(count(text, `[default: ${shown}]`), declared.flag).toBe(1);
      else expect(text, declared.flag).not.toContain('[default');
    }
    // The kinds the brief names, spelled out once, so a table change cannot hide them.
    const typed = [...texts.values()].join('\n');
    expect(typed).toMatch(/\[number\]/);
    expect(typed).toMatch(/\[boolean\] \[default: (true|false)\]/);
  });
});

/** The help's width when stdout is not a terminal (cli-program.ts), as in CI logs and pipes. */
const HELP_COLUMNS = 100;

describe.concurrent('--help of each command reads from the top down', () => {
  it.each([
    ['serve', serveCommandSettings],
    ['publish', publishCommandSettings],
    ['verify', verifyCommandSettings],
  ] as [string, CommandSettings][])(
    '%s --help: its own options first, examples that fit',
    async (command, settings) => {
      const run = await runCli([command, '--help']);
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      const headings = lines.filter((line) => /^\S.*:$/.test(line));
      const own = `${command.charAt(0).toUpperCase()}${command.slice(1)} options:`;
      const shared = [...new Set(settings.flatMap(({ group }) => (group ? [group] : [])))];
      expect(headings).toEqual([own, ...shared, 'Options:', 'Examples:']);
      const ownFlags = Object.values(settings[0]?.table ?? {}).map((declared) => `--${declared.flag}`);
      const firstShared = run.stdout.indexOf(`\n${shared[0]}\n`);
      for (const flag of ownFlags) expect(run.stdout.indexOf(` ${flag} `), flag).toBeLessThan(firstShared);

      expect(lines.filter((line) => line.length > HELP_COLUMNS)).toEqual([]);
      const examples = lines.slice(lines.indexOf('Examples:') + 1).filter((line) => line !== '');
      expect(examples.filter((line) => line.length > MAX_EXAMPLE_COLUMNS)).toEqual([]);
      // Each example: a comment saying what it does, then the command, continued with a backslash.
      const commands = examples.filter((line) => line.startsWith(`  kube-oidc-gateway ${command}`));
      expect(commands.length).toBeGreaterThanOrEqual(3);
      for (const [index, line] of examples.entries()) {
        if (line.startsWith('  # '))
          expect(examples[index + 1], line).toMatch(new RegExp(`^  kube-oidc-gateway ${command}`));
        else if (line.startsWith('      --')) expect(examples[index - 1], line).toMatch(/ \\$/);
        else expect(line).toMatch(new RegExp(`^  kube-oidc-gateway ${command}`));
      }
    },
  );
});

describe('the command list of --help', () => {
  it('says publish writes to every kind of destination --dest takes', () => {
    for (const kind of ['S3', 'GCS', 'Azure Blob', 'a folder'])
      expect(publishCommand.describe).toContain(kind);
  });
});
