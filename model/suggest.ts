/** "Did you mean …?" suggestions for unknown keys, enum values and dangling references. */

/**
 * Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions):
 * the number of single-character insertions, deletions, substitutions or swaps from `a` to `b`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate closest to `given`, or undefined when none is close enough to be a plausible typo
 * (only case differences up to 2 characters, distance 1 up to 4, 2 up to 8, 3 beyond; case
 * differences count as 0), else a candidate that starts with `given` or that `given` starts with.
 */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  const limit = given.length <= 2 ? 0 : given.length <= 4 ? 1 : given.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === given) continue;
    const distance =
      candidate.toLowerCase() === given.toLowerCase()
        ? 0
        : editDistance(given.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined && given.length >= 4) {
    // A truncated or extended key (`webhook` for `webhookSecret`) is far in edits but obvious to a reader.
    const lower = given.toLowerCase();
    for (const candidate of candidates) {
      const other = candidate.toLowerCase();
      if (candidate !== given && (other.startsWith(lower) || lower.startsWith(other))) return candidate;
    }
  }
  return best;
}

/** `; did you mean "x"?` when a candidate is close, else the empty string. */
export function didYouMean(given: string, candidates: Iterable<string>): string {
  const hint = closest(given, candidates);
  return hint === undefined ? "" : `; did you mean "${hint}"?`;
}
