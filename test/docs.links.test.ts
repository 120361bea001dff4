/**
 * The documentation's links hold: every relative link and image in README.md, CONTRIBUTING.md,
 * SECURITY.md, CHANGELOG.md and docs/**\/*.md names a file or folder that exists, and its
 * `#anchor` a heading of the target as GitHub slugs it (lower case; punctuation but `-` and `_`
 * dropped; each space a `-`; a repeated heading `-1`, `-2`, …) or an `<a id>`/`<a name>` of it.
 * Links in code (fenced blocks, `spans`) are not links. Every `docs/…` path that src/ (tests
 * aside) and deploy/ name, in a message or a comment, resolves the same way. And no line of
 * these pages is over 200 characters outside a table, so that they read in a terminal too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINE = 200;

interface Link {
  line: number;
  target: string;
}

/** Every file below dir whose name passes keep, as absolute paths. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

function pages(): string[] {
  const top = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md'].map((name) => join(ROOT, name));
  return [
    ...top.filter((path) => existsSync(path)),
    ...filesUnder(join(ROOT, 'docs'), (name) => name.endsWith('.md')),
  ];
}

/** The page's lines with fenced code blocks blanked (line numbers kept). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker?.startsWith(fence)) fence = undefined;
      return '';
    }
    return line;
  });
}

/** GitHub's heading anchor for a heading's Markdown text. */
function slugOf(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image: its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, ''); // code and emphasis markers
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a page defines: its headings' slugs (repeats numbered) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = slugOf(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  }
  return anchors;
}

/** The link targets of a page: inline links and images, and reference definitions. */
function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  proseLines(markdown).forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: index + 1, target: match[1] as string });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line)?.[1];
    if (definition) links.push({ line: index + 1, target: definition });
  });
  return links;
}

/** Why a target does not resolve from a file in `from`, or undefined when it does. */
function brokenTarget(from: string, self: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) return undefined; // another site, mailto:
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? self : resolve(from, path);
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md'))
    return `#${anchor}: ${relative(ROOT, file)} is no page`;
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor)
    ? undefined
    : `${relative(ROOT, file)} has no heading #${anchor}`;
}

/** The broken links of one page, as `page:line: target (why)`. */
function brokenLinksOf(page: string, markdown: string): string[] {
  return linksOf(markdown).flatMap(({ line, target }) => {
    const why = brokenTarget(dirname(page), page, target);
    return why ? [`${relative(ROOT, page)}:${line}: ${target} (${why})`] : [];
  });
}

/** The `docs/…` paths a source or manifest names (not part of a longer path or URL). */
function docsPathsIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w./-])docs\/[\w./-]*[\w-](?:#[\w-]+)?/g)].map((match) => match[0]);
}

describe('documentation links', () => {
  it('slugs headings as GitHub does, and finds links outside code only', () => {
    expect(slugOf('Troubleshooting `serve`')).toBe('troubleshooting-serve');
    expect(slugOf('`jwks_uri` during a migration')).toBe('jwks_uri-during-a-migration');
    expect(slugOf('1. Make the new key')).toBe('1-make-the-new-key');
    expect(slugOf('Publish to [S3](s3.md) — or not?')).toBe('publish-to-s3--or-not');
    expect([...anchorsOf('# A\n## Setup\n```\n## Fenced\n```\n## Setup\n<a id="x"></a>')]).toEqual([
      'a',
      'setup',
      'setup-1',
      'x',
    ]);
    const page = [
      '[a](one.md#x) and `[b](two.md)`',
      '```',
      '[c](three.md)',
      '```',
      '[d]: four.md',
      '![e](f.png "t")',
    ];
    expect(linksOf(page.join('\n'))).toEqual([
      { line: 1, target: 'one.md#x' },
      { line: 5, target: 'four.md' },
      { line: 6, target: 'f.png' },
    ]);
    expect(
      docsPathsIn('see docs/how-to/s3-bucket.md#a-b, not https://kubernetes.io/docs/x or mydocs/y'),
    ).toEqual(['docs/how-to/s3-bucket.md#a-b']);
  });

  it('reports a missing page and a missing anchor', () => {
    const page = join(ROOT, 'docs/how-to/example.md');
    const broken = brokenLinksOf(
      page,
      '[a](s3-bucket.md#no-such-heading)\n[b](nowhere.md)\n[c](../README.md)',
    );
    expect(broken).toEqual([
      'docs/how-to/example.md:1: s3-bucket.md#no-such-heading (docs/how-to/s3-bucket.md has no heading #no-such-heading)',
      'docs/how-to/example.md:2: nowhere.md (docs/how-to/nowhere.md does not exist)',
    ]);
  });

  it.each(pages().map((page) => [relative(ROOT, page), page]))(
    '%s: every relative link resolves',
    (_, page) => {
      expect(brokenLinksOf(page, readFileSync(page, 'utf8'))).toEqual([]);
    },
  );

  it.each(pages().map((page) => [relative(ROOT, page), page]))(
    '%s: no line over 200 characters outside a table',
    (_, page) => {
      const long = readFileSync(page, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          line.length > MAX_LINE && !line.trimStart().startsWith('|') ? [index + 1] : [],
        );
      expect(long, 'lines over 200 characters').toEqual([]);
    },
  );

  it('every docs/ path named in src/ and deploy/ resolves', () => {
    const sources = [
      ...filesUnder(join(ROOT, 'src'), (name) => name.endsWith('.ts') && !name.endsWith('.test.ts')),
      ...filesUnder(join(ROOT, 'deploy'), () => true),
    ];
    const named = sources.flatMap((file) =>
      docsPathsIn(readFileSync(file, 'utf8')).map((path) => ({ file, path })),
    );
    expect(named.length, 'src/ and deploy/ name some docs/ page').toBeGreaterThan(0);
    const broken = named.flatMap(({ file, path }) => {
      const why = brokenTarget(ROOT, file, path);
      return why ? [`${relative(ROOT, file)}: ${path} (${why})`] : [];
    });
    expect(broken).toEqual([]);
  });
});
