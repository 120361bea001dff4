/**
 * The module boundaries, as a failing check: core imports nothing of the project outside
 * core; the check engine (checks) and the object stores (stores) build on core only; each
 * frontend (serve, publish, verify) builds on core, checks and stores, never on another
 * frontend. Only cli.ts sees the frontends together. Static and dynamic imports both count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  checks: ['core', 'checks'],
  stores: ['core', 'stores'],
  serve: ['core', 'serve'],
  publish: ['core', 'checks', 'stores', 'publish'],
  verify: ['core', 'checks', 'verify'],
};

/** The top folder of a module under src/ ('core', 'serve', …), or '' for src/cli.ts. */
function areaOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? (parts[0] as string) : '';
}

/** Every relative specifier a module imports, statically or with import(). */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string);
  return specifiers;
}

/** The boundary violations of one module: `file -> target` for each import its area may not make. */
function violationsOf(file: string, source: string): string[] {
  const area = areaOf(file);
  const allowed = ALLOWED[area];
  if (!allowed) return [];
  return importsOf(source)
    .map((specifier) => resolve(dirname(file), specifier))
    .filter((target) => !allowed.includes(areaOf(target)))
    .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('module boundaries', () => {
  it('finds static, type-only, side-effect and dynamic imports, and flags a crossing', () => {
    const source = [
      "import { a } from '../publish/run.js';",
      "import type { B } from './b.js';",
      "import './side-effect.js';",
      "const c = await import('../verify/run.js');",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      '../publish/run.js',
      './b.js',
      './side-effect.js',
      '../verify/run.js',
    ]);
    expect(violationsOf(join(SRC, 'serve/server.ts'), source)).toEqual([
      'serve/server.ts -> publish/run.js',
      'serve/server.ts -> verify/run.js',
    ]);
    expect(violationsOf(join(SRC, 'core/x.ts'), "import { y } from '../checks/run.js';")).toEqual([
      'core/x.ts -> checks/run.js',
    ]);
  });

  it('hold across src/: core imports no frontend, no frontend imports another', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(40);
    const violations = files.flatMap((file) => violationsOf(file, readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('the memory store is for tests: no module under src/ imports it', () => {
    const memory = join(SRC, 'stores/memory.js');
    const importers = sourceFiles(SRC).filter((file) =>
      importsOf(readFileSync(file, 'utf8')).some((specifier) => resolve(dirname(file), specifier) === memory),
    );
    expect(importers.map((file) => relative(SRC, file))).toEqual([]);
    // The check sees such an import (its tests do).
    expect(importsOf("const { createMemoryStore } = await import('./memory.js');")).toEqual(['./memory.js']);
  });

  it('src/ is the architecture: core, checks, stores and the three frontends', () => {
    const areas = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(areas).toEqual(Object.keys(ALLOWED).sort());
  });
});
