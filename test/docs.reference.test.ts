/**
 * docs/reference is current with the code: every generated block (the flag tables, the error
 * codes, the check names: scripts/reference-blocks.ts) is what `npm run docs` would write
 * now, and the hand-written parts name everything the code has: a section per error code here,
 * and every field of a real publish report (the built CLI's) in the JSON report's tables. (A row
 * per log event, check and metric is checked beside their lists.)
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_BLOCKS, readBlock, writeBlock } from '../scripts/reference-blocks.js';
import { EXIT_CODES } from '../src/core/errors.js';
import { runCli } from './support/cli.js';
import { REPO_ROOT } from './support/dockerfile.js';

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

describe('docs/reference generated blocks', () => {
  it.each(GENERATED_BLOCKS.map((block) => [`${block.file}: ${block.name}`, block] as const))(
    '%s is current',
    (_label, block) => {
      const current = readBlock(read(block.file), block.name, block.file);
      expect(current, `${block.file} ("${block.name}") is out of date: run npm run docs`).toBe(
        block.render(),
      );
    },
  );

  it('writing a block changes only the text between its markers', () => {
    const page = 'before\n<!-- BEGIN GENERATED: x -->\nold\n<!-- END GENERATED: x -->\nafter\n';
    const written = writeBlock(page, 'x', 'page.md', 'new\n');
    expect(written).toBe('before\n<!-- BEGIN GENERATED: x -->\nnew\n<!-- END GENERATED: x -->\nafter\n');
    expect(writeBlock(written, 'x', 'page.md', 'new\n')).toBe(written);
  });

  it('a page without the markers, or with them twice, is an error naming the page', () => {
    expect(() => readBlock('no markers\n', 'x', 'page.md')).toThrow(/page\.md has no .*BEGIN GENERATED: x/);
    const twice = '<!-- BEGIN GENERATED: x -->\n<!-- END GENERATED: x -->\n'.repeat(2);
    expect(() => readBlock(twice, 'x', 'page.md')).toThrow(/page\.md has the markers of "x" more than once/);
  });
});

describe('docs/reference/errors.md', () => {
  const page = () => read('docs/reference/errors.md');

  it.each(Object.keys(EXIT_CODES))('%s has a section saying what it means and how to fix it', (code) => {
    const headings = page()
      .split('\n')
      .filter((line) => line.startsWith('### '));
    expect(headings).toContain(`### \`${code}\``);
  });
});

describe('docs/reference/json-report.md', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kog-docs-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Every name written in a code span of a table row: `kind`, `checks[].status`, `{ kid, until }`. */
  function documentedFields(): Set<string> {
    const rows = read('docs/reference/json-report.md')
      .split('\n')
      .filter((line) => line.startsWith('|'));
    const spans = rows.flatMap((row) => [...row.matchAll(/`([^`]+)`/g)].map(([, span]) => span as string));
    return new Set(spans.flatMap((span) => span.split(/[^A-Za-z0-9]+/)));
  }

  /** Every member name in a JSON value, at any depth. */
  function fieldsOf(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(fieldsOf);
    if (value === null || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, member]) => [key, ...fieldsOf(member)]);
  }

  it("describes every field of publish's report: a first run, a key retained, a failed run", async () => {
    const publish = (keys: string[], dest = join(dir, 'site')) =>
      runCli([
        'publish',
        '--from-keys',
        ...keys,
        '--issuer',
        'https://oidc.example.com/c',
        '--dest',
        dest,
        '--output',
        'json',
      ]);
    const rsa = join(REPO_ROOT, 'examples/service-account.pub');
    const ec = join(REPO_ROOT, 'examples/service-account-ec.pub');
    const runs = [await publish([rsa, ec]), await publish([rsa]), await publish([join(dir, 'missing.pub')])];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 2]);
    const fields = new Set(runs.flatMap((run) => fieldsOf(JSON.parse(run.stdout))));
    for (const expected of ['retained', 'removedAt', 'previousEtag', 'error', 'code'])
      expect(fields).toContain(expected);
    const documented = documentedFields();
    expect([...fields].filter((field) => !documented.has(field))).toEqual([]);
  });
});
