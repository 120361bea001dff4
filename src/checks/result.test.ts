/**
 * CHECK_NAMES is a documented interface: every name has its row in the checks reference
 * (docs/reference/checks.md), and every cloud check (`--provider`) names the page its rule
 * comes from.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_NAMES } from './result.js';

const PAGE = 'docs/reference/checks.md';

/** The page's table rows whose first cell names a check: `| \`name\` …`. */
function rows(): string[] {
  const page = readFileSync(new URL(`../../${PAGE}`, import.meta.url), 'utf8');
  return page.split('\n').filter((line) => line.startsWith('| `'));
}

/** The row whose first cell names the check (a row may name two: `token-read` / `token-request`). */
function rowOf(name: string): string | undefined {
  return rows().find((line) => (line.split(' | ')[0] ?? '').includes(`\`${name}\``));
}

describe(`CHECK_NAMES in ${PAGE}`, () => {
  it.each(CHECK_NAMES)('%s has a row', (name) => {
    expect(rowOf(name), `${PAGE} has no row for ${name}`).toBeDefined();
  });

  it.each(CHECK_NAMES.filter((name) => /^(aws|gcp|azure)-/.test(name)))('%s cites its source', (name) => {
    const source = rowOf(name)?.split(' | ').at(-1) ?? '';
    expect(source).toMatch(/\]\(https:\/\/[^)]+\)|the same page/);
  });
});
