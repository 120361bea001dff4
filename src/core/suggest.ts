/**
 * "Did you mean …?": the known word nearest to a mistyped one. Near means at most two
 * edits (insert, delete, substitute, or swap two neighbours: `pubish`, `--dets`), and at
 * most a third of the word, so a short word is not "corrected" into an unrelated one; or,
 * short of that, the one known word the mistyped one begins.
 * Invariant: bounded work — words longer than MAX_WORD are never compared.
 */

const MAX_EDITS = 2;
/** Flags, commands and context names are short; a longer word is not a typo worth a suggestion. */
const MAX_WORD = 64;

/**
 * The nearest of `known` to `word`, or undefined when none is near enough; ties go to the
 * first. Failing that, the one known word that `word` begins (`cache-ttl` for
 * `cache-ttl-seconds`), when exactly one does and `word` has at least MIN_PREFIX letters.
 */
export function nearest(word: string, known: Iterable<string>): string | undefined {
  if (word.length > MAX_WORD) return undefined;
  const candidates = [...known];
  return nearestByEdits(word, candidates) ?? onlyExtension(word, candidates);
}

const MIN_PREFIX = 3;

function onlyExtension(word: string, known: readonly string[]): string | undefined {
  if (word.length < MIN_PREFIX) return undefined;
  const lower = word.toLowerCase();
  const extensions = known.filter((candidate) => candidate.toLowerCase().startsWith(lower));
  return extensions.length === 1 ? extensions[0] : undefined;
}

function nearestByEdits(word: string, known: readonly string[]): string | undefined {
  const limit = Math.min(MAX_EDITS, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    if (candidate.length > MAX_WORD || Math.abs(candidate.length - word.length) > limit) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] as number;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}

/** `; did you mean X?` for a message, or nothing. */
export function didYouMean(word: string, known: Iterable<string>, quote = (w: string) => w): string {
  const match = nearest(word, known);
  return match === undefined ? '' : `; did you mean ${quote(match)}?`;
}
