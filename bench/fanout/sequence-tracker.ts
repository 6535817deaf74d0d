// One subscriber's view of a published stream: which seq numbers arrived, how many twice, how many
// out of order. A stream over TCP arrives in order, so the hot path is one comparison; missing
// ranges are remembered only once a gap appears, so a message that arrives late fills its gap
// (reordered) and one that arrives again is a duplicate.

/** Missing ranges remembered per subscriber; past this the oldest are forgotten. */
const MAX_GAP_RANGES = 1024;

export class SequenceTracker {
  /** The first and highest seq seen; 0 before any. */
  first = 0;
  last = 0;
  /** Different seqs received. */
  distinct = 0;
  /** Seqs received again. */
  duplicates = 0;
  /** Seqs that arrived after a higher one (they filled a gap). */
  reordered = 0;
  /**
   * Seqs that arrived after their gap had been forgotten (more than MAX_GAP_RANGES gaps open):
   * counted as distinct (they were missing), but whether they were duplicates cannot be told.
   */
  lateBeyondMemory = 0;
  /** Missing ranges inside first…last as [from, to] pairs, oldest first; undefined until a gap. */
  private gaps: number[] | undefined;
  /** Ranges dropped from `gaps` to keep it bounded. */
  private forgotten = 0;

  record(seq: number): void {
    const last = this.last;
    if (seq === last + 1 && this.distinct > 0) {
      this.last = seq;
      this.distinct++;
      return;
    }
    if (this.distinct === 0) {
      this.first = seq;
      this.last = seq;
      this.distinct = 1;
      return;
    }
    if (seq > last) {
      this.addGap(last + 1, seq - 1);
      this.last = seq;
      this.distinct++;
      return;
    }
    if (seq < this.first) {
      // older than anything seen: the ones between were never there either
      if (seq < this.first - 1) this.addGap(seq + 1, this.first - 1, true);
      this.first = seq;
      this.distinct++;
      this.reordered++;
      return;
    }
    if (this.fillGap(seq)) {
      this.distinct++;
      this.reordered++;
    } else if (this.forgotten > 0 && this.gaps !== undefined && this.gaps.length > 0 && seq < this.gaps[0]!) {
      this.distinct++;
      this.lateBeyondMemory++;
    } else {
      this.duplicates++;
    }
  }

  /** Seqs missing between the first and the last seen. */
  get innerLoss(): number {
    return this.distinct === 0 ? 0 : Math.max(0, this.last - this.first + 1 - this.distinct);
  }

  /** Seqs of `from`…`to` not received (all of them when nothing arrived). */
  lossWithin(from: number, to: number): number {
    if (to < from) return 0;
    if (this.distinct === 0) return to - from + 1;
    const head = Math.max(0, Math.min(this.first, to + 1) - from);
    const tail = Math.max(0, to - Math.max(this.last, from - 1));
    return head + tail + this.innerLoss;
  }

  private addGap(from: number, to: number, atStart = false): void {
    const gaps = (this.gaps ??= []);
    if (atStart) gaps.unshift(from, to);
    else gaps.push(from, to);
    if (gaps.length > 2 * MAX_GAP_RANGES) {
      // forget the oldest half at once: amortised O(1) per gap
      gaps.splice(0, MAX_GAP_RANGES);
      this.forgotten += MAX_GAP_RANGES / 2;
    }
  }

  /** Removes `seq` from the range holding it; false when no remembered range does. */
  private fillGap(seq: number): boolean {
    const gaps = this.gaps;
    if (gaps === undefined) return false;
    for (let i = 0; i < gaps.length; i += 2) {
      const from = gaps[i]!;
      const to = gaps[i + 1]!;
      if (seq < from || seq > to) continue;
      if (from === to) gaps.splice(i, 2);
      else if (seq === from) gaps[i] = from + 1;
      else if (seq === to) gaps[i + 1] = to - 1;
      else gaps.splice(i, 2, from, seq - 1, seq + 1, to);
      return true;
    }
    return false;
  }
}
