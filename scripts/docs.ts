/**
 * `npm run docs`: rewrites the generated blocks of docs/reference (reference-blocks.ts) from
 * the code, and names each page it changed. A page is written only when its text changes,
 * so a second run writes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_BLOCKS, writeBlock } from './reference-blocks.js';

/** The repository root: this file runs from build/scripts/, and is type-checked from scripts/. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const pages = new Map<string, string>();
try {
  for (const block of GENERATED_BLOCKS) {
    const page = pages.get(block.file) ?? readFileSync(join(ROOT, block.file), 'utf8');
    pages.set(block.file, writeBlock(page, block.name, block.file, block.render()));
  }
} catch (error) {
  // A page without its markers, or unreadable: one line, and nothing written.
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let changed = 0;
for (const [file, text] of pages) {
  if (readFileSync(join(ROOT, file), 'utf8') === text) continue;
  writeFileSync(join(ROOT, file), text);
  console.log(`updated ${file}`);
  changed++;
}
console.log(changed === 0 ? 'docs/reference is up to date' : `${changed} page(s) updated`);
