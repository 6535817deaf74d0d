// "did you mean …?" for a misspelt flag, value or metric name: the known word closest to what was
// typed, by edit distance, when it is close enough to be a likely typo rather than another word.

/** Edits from `a` to `b`: insert, delete, substitute, or swap two neighbours ('tires' → 'tiers'), 1 each. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, substitute);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate closest to `typed` (case-insensitive), or undefined when none is within a third
 * of its length, rounded up (at least 1, at most 3 edits): '--quik' → '--quick', 'tires' → 'tiers'.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const word = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // a flag's dashes are not what was misspelt
  const allowed = Math.min(3, Math.max(1, Math.ceil(word.replace(/^-+/, '').length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** ' (did you mean --quick?)', or '' when nothing is close. */
export function didYouMean(typed: string, candidates: Iterable<string>): string {
  const match = closest(typed, candidates);
  return match === undefined ? '' : ` (did you mean ${match}?)`;
}
