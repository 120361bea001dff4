/**
 * A line diff for --dry-run: what would change in a document, as `-`/`+` lines with a
 * little context. The documents are small (100 keys at most), so a plain LCS table is fine.
 */

const CONTEXT = 2;

type DiffLine = { mark: ' ' | '-' | '+'; text: string };

export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  return withContext(editScript(a, b, commonLengths(a, b)));
}

/** lengths[i][j]: the length of the longest common subsequence of a[i..] and b[j..]. */
function commonLengths(a: readonly string[], b: readonly string[]): Uint32Array[] {
  const lengths = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lengths[i] as Uint32Array;
    const next = lengths[i + 1] as Uint32Array;
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  return lengths;
}

/** Every line of both, in order, marked kept, removed or added, along a longest common subsequence. */
function editScript(a: readonly string[], b: readonly string[], lengths: readonly Uint32Array[]): DiffLine[] {
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i++] as string });
      j++;
    } else if (i < a.length && (j >= b.length || (lengths[i + 1]?.[j] ?? 0) >= (lengths[i]?.[j + 1] ?? 0))) {
      // Removals before additions, as diff(1) prints them.
      lines.push({ mark: '-', text: a[i++] as string });
    } else {
      lines.push({ mark: '+', text: b[j++] as string });
    }
  }
  return lines;
}

/** The changed lines and CONTEXT lines around them; each gap marked once. */
function withContext(lines: readonly DiffLine[]): string[] {
  const keep = lines.map((line) => line.mark !== ' ');
  const near = keep.map((_, index) =>
    keep.slice(Math.max(0, index - CONTEXT), index + CONTEXT + 1).some((changed) => changed),
  );
  const out: string[] = [];
  let skipped = false;
  lines.forEach((line, index) => {
    if (near[index]) {
      out.push(`${line.mark} ${line.text}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  ...');
      skipped = true;
    }
  });
  return out;
}
