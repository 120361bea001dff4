/**
 * CHECK_NAMES is a documented interface: every name has its row in the README's verify
 * reference, and every cloud check (`--provider`) names the page its rule comes from.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_NAMES } from './result.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The text from a `### heading` line to the next heading of any level. */
function section(heading: string): string {
  const start = README.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`README has no "### ${heading}"`);
  const end = README.indexOf('\n#', start + heading.length + 6);
  return README.slice(start, end < 0 ? undefined : end);
}

describe('CHECK_NAMES in the README', () => {
  // Read in each test: a missing section fails the tests, not the collection.
  const reference = () => `${section('The checks')}${section('The cloud checks (`--provider`)')}`;

  it.each(CHECK_NAMES)('%s has a row', (name) => {
    expect(reference()).toMatch(new RegExp(`^\\|[^\\n]*\`${name}\``, 'm'));
  });

  it.each(CHECK_NAMES.filter((name) => /^(aws|gcp|azure)-/.test(name)))('%s cites its source', (name) => {
    const row = section('The cloud checks (`--provider`)')
      .split('\n')
      .find((line) => line.startsWith(`| \`${name}\` |`));
    const source = row?.split(' | ').at(-1) ?? '';
    expect(source).toMatch(/\]\(https:\/\/[^)]+\)|the same page/);
  });
});
