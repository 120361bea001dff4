/**
 * docs/reference is current with the code: every generated block (the flag tables, the error
 * codes, the check names: scripts/reference-blocks.ts) is what `npm run docs` would write
 * now, and the hand-written parts around them name everything the code has (a section per
 * error code, a row per log event, check and metric are checked beside their lists).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_BLOCKS, readBlock, writeBlock } from '../scripts/reference-blocks.js';
import { EXIT_CODES } from '../src/core/errors.js';
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
