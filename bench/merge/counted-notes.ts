// Counted notes of one tier measured by several clients: the numbers of each kind are added up
// (a kind some parts did not note counts 0 there), never merged by their sentence's text. Before
// this, `--procs 2` printed "100 connections closed before the barrier" while 200 had (issue 12).
import type { CountedNote } from '../results.js';

export function mergeCountedNotes(parts: readonly (readonly CountedNote[] | undefined)[]): CountedNote[] {
  const byKind = new Map<CountedNote['kind'], CountedNote>();
  for (const notes of parts) {
    for (const note of notes ?? []) {
      const sum = byKind.get(note.kind);
      byKind.set(note.kind, sum === undefined ? { ...note } : addCounts(sum, note));
    }
  }
  return [...byKind.values()];
}

/** Two notes of one kind, added: counts and totals summed (a hold's length is the same for all). */
function addCounts(a: CountedNote, b: CountedNote): CountedNote {
  const sum = { ...a, count: a.count + b.count };
  if ('of' in sum && 'of' in b) sum.of += b.of;
  return sum;
}
