import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOG_EVENTS } from './log-events.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PAGE = 'docs/reference/log-events.md';

/** The `event` column of the events table in the log reference. */
function documentedEvents(): string[] {
  const page = readFileSync(join(ROOT, PAGE), 'utf8');
  return [...page.matchAll(/^\| `([a-z_]+)` \| (?:debug|info|warn|error) \|/gm)].map((m) => m[1] as string);
}

/** Every module under src/ but tests and the list itself, as one text. */
function sources(dir = join(ROOT, 'src')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts');
      return isSource && entry.name !== 'log-events.ts' ? readFileSync(path, 'utf8') : '';
    })
    .join('\n');
}

describe('log events', () => {
  it(`are all in ${PAGE}'s events table, in order, and the table names no other`, () => {
    expect(documentedEvents()).toEqual([...LOG_EVENTS]);
  });

  it('are each logged somewhere: the list holds no name nothing uses', () => {
    const text = sources();
    expect(LOG_EVENTS.filter((event) => !text.includes(`'${event}'`))).toEqual([]);
  });
});
