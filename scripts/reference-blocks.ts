/**
 * The generated parts of docs/reference: each command's flag tables (from its settings
 * tables, through describeSettings), the error codes with their exit codes (EXIT_CODES) and
 * the verify check names (CHECK_NAMES). Each block sits in its page between
 *
 *   <!-- BEGIN GENERATED: <name> -->
 *   <!-- END GENERATED: <name> -->
 *
 * and `npm run docs` (scripts/docs.ts) rewrites only what lies between the two; the
 * hand-written text around them is never touched. test/docs.reference.test.ts renders the
 * same blocks and fails on a page that differs.
 *
 * Invariants: rendering is a pure function of the code (no clock, no environment, no file
 * system), so a second `npm run docs` changes nothing; a page without its markers, or with
 * them twice, is an error, never a silently appended block.
 */
import { CHECK_NAMES } from '../src/checks/result.js';
import { EXIT_CODES, EXIT_FAILURE, EXIT_USAGE } from '../src/core/errors.js';
import { type CommandSettings, describeSettings, type SettingRow } from '../src/core/setting-table.js';
import { publishCommandSettings } from '../src/publish/settings.js';
import { serveCommandSettings } from '../src/serve/settings.js';
import { verifyCommandSettings } from '../src/verify/settings.js';

export interface GeneratedBlock {
  /** The page, relative to the repository root. */
  readonly file: string;
  /** The marker's name: `publish flags`. */
  readonly name: string;
  /** The block's lines between the markers, newline-terminated. */
  render(): string;
}

const NONE = '—';

/** Text for a table cell: a `|` would end the cell, and `<word>` would be taken for HTML. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A code span for a cell; an empty or missing value is a dash. */
function code(text: string | undefined): string {
  if (text === undefined || text === '') return NONE;
  return `\`${text.replaceAll('|', '\\|')}\``;
}

function settingRow(row: SettingRow): string {
  return `| ${code(row.flag)} | ${code(row.env)} | ${cell(row.kind)} | ${code(row.default)} | ${cell(row.describe)} |`;
}

/**
 * One table per `--help` group, in `--help` order; tables that share a group (verify's
 * upstream and rendering settings) are one table, as `--help` shows them under one heading.
 */
export function renderSettings(settings: CommandSettings): string {
  const groups = new Map<string, SettingRow[]>();
  for (const { table, group } of settings) {
    const title = (group ?? 'Options:').replace(/:$/, '');
    groups.set(title, [...(groups.get(title) ?? []), ...describeSettings(table)]);
  }
  const sections = [...groups].map(([title, rows]) =>
    [
      `**${cell(title)}**`,
      '',
      '| flag | variable | type | default | description |',
      '|---|---|---|---|---|',
      ...rows.map(settingRow),
    ].join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

const EXIT_MEANING: Record<typeof EXIT_FAILURE | typeof EXIT_USAGE, string> = {
  [EXIT_FAILURE]: 'a run that failed',
  [EXIT_USAGE]: 'usage or configuration',
};

/** GitHub's anchor of a heading that is the code alone: `### \`CONFIG_INVALID\`` is `#config_invalid`. */
export function errorAnchor(errorCode: string): string {
  return errorCode.toLowerCase();
}

/** Every error code, in EXIT_CODES's order, with its exit code and a link to its section. */
export function renderErrorCodes(): string {
  const rows = Object.entries(EXIT_CODES).map(
    ([errorCode, exit]) =>
      `| [\`${errorCode}\`](#${errorAnchor(errorCode)}) | \`${exit}\` | ${EXIT_MEANING[exit]} |`,
  );
  return ['| code | exit code | kind |', '|---|---|---|', ...rows].join('\n').concat('\n');
}

/** Every check name, in the order a run reports them. */
export function renderCheckNames(): string {
  return `${CHECK_NAMES.map((name, index) => `${index + 1}. \`${name}\``).join('\n')}\n`;
}

export const GENERATED_BLOCKS: readonly GeneratedBlock[] = [
  {
    file: 'docs/reference/publish.md',
    name: 'publish flags',
    render: () => renderSettings(publishCommandSettings),
  },
  {
    file: 'docs/reference/serve.md',
    name: 'serve flags',
    render: () => renderSettings(serveCommandSettings),
  },
  {
    file: 'docs/reference/verify.md',
    name: 'verify flags',
    render: () => renderSettings(verifyCommandSettings),
  },
  { file: 'docs/reference/errors.md', name: 'error codes', render: renderErrorCodes },
  { file: 'docs/reference/checks.md', name: 'check names', render: renderCheckNames },
];

const begin = (name: string) => `<!-- BEGIN GENERATED: ${name} -->\n`;
const end = (name: string) => `<!-- END GENERATED: ${name} -->`;

/** Where a block's content lies in a page: between the end of its BEGIN line and its END marker. */
function blockSpan(page: string, name: string, file: string): { start: number; end: number } {
  const open = page.indexOf(begin(name));
  const close = page.indexOf(end(name));
  if (open < 0 || close < 0 || close < open) {
    throw new Error(`${file} has no "${begin(name).trim()}" … "${end(name)}" pair: add the two markers`);
  }
  if (page.indexOf(begin(name), open + 1) >= 0 || page.indexOf(end(name), close + 1) >= 0) {
    throw new Error(`${file} has the markers of "${name}" more than once`);
  }
  return { start: open + begin(name).length, end: close };
}

/** The block's current content in a page. */
export function readBlock(page: string, name: string, file: string): string {
  const span = blockSpan(page, name, file);
  return page.slice(span.start, span.end);
}

/** The page with the block's content replaced, everything outside the markers as it was. */
export function writeBlock(page: string, name: string, file: string, content: string): string {
  const span = blockSpan(page, name, file);
  return `${page.slice(0, span.start)}${content}${page.slice(span.end)}`;
}
