// Keeps a run to its timetable (timetable.ts): at each phase barrier it waits for the phase's slot.
// A phase reached after its slot is not skipped: it runs at once, and its row of the result is
// marked partial with how late it began (a shard that started late, or a phase that overran its
// budget, measured out of step with the other shards). The single-process run's barrier and the
// launcher's barrier hook (--procs) both go through one TimetableClock.
import { epochNowMs } from '../engine/pool.js';
import type { BenchOptions, ShardSpec } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import { formatInteger } from '../report/format.js';
import type { TestResult } from '../results.js';
import { sleepUntilEpoch } from './start-at.js';
import { buildTimetable, describeTimetable, slotsOf, type Slot, type Timetable } from './timetable.js';

/**
 * Arriving this long after a slot still counts as on time: a phase that ends just at its slot's
 * time, or an event loop a few timer ticks behind on a loaded machine, is not a shard out of step.
 */
export const LATE_TOLERANCE_MS = 100;

interface Lateness {
  slot: Slot;
  lateMs: number;
}

export class TimetableClock {
  private slots: Slot[] = [];
  private next = 0;
  private late: Lateness[] = [];

  constructor(
    readonly timetable: Timetable,
    private readonly signal: AbortSignal,
    private readonly shard: ShardSpec | undefined,
  ) {}

  /** A test begins: its slots, from its first. */
  beginTest(test: TestName): void {
    this.slots = slotsOf(this.timetable, test);
    this.next = 0;
    this.late = [];
  }

  /**
   * Waits for the next slot of `phase` ('connected' has none: it resolves at once). Slots are
   * searched forward, so a row the test did not run (interrupted) skips its slots, never shifts them.
   */
  reach(phase: string): Promise<void> {
    let index = this.next;
    while (index < this.slots.length && this.slots[index]!.phase !== phase) index++;
    const slot = this.slots[index];
    if (slot === undefined) return Promise.resolve();
    this.next = index + 1;
    const dueAt = this.timetable.startAtEpochMs + slot.offsetMs;
    const lateMs = epochNowMs() - dueAt;
    if (lateMs > LATE_TOLERANCE_MS) {
      this.late.push({ slot, lateMs });
      return Promise.resolve();
    }
    return sleepUntilEpoch(dueAt, this.signal);
  }

  /** Marks the rows of `result` whose phases began late: partial, with how late, and lateMs. */
  markLate(result: TestResult): void {
    const who = this.shard === undefined ? 'this run' : `shard ${this.shard.index}/${this.shard.count}`;
    for (const { slot, lateMs } of this.late) {
      const tier = result.tiers[slot.row];
      if (tier === undefined) continue;
      const text = `${who} began its ${slot.what} ${formatInteger(Math.round(lateMs))} ms after its slot (+${(slot.offsetMs / 1000).toFixed(1)} s): out of step with the timetable`;
      tier.partial = tier.partial === undefined ? text : `${tier.partial}; ${text}`;
      tier.lateMs = Math.max(tier.lateMs ?? 0, Math.round(lateMs));
    }
    this.late = [];
  }
}

/**
 * With --start-at, the run's clock, after showing its timetable line by line (and saying so when
 * the start has passed already); without, undefined.
 */
export function startTimetable(options: BenchOptions, signal: AbortSignal, show: (line: string) => void): TimetableClock | undefined {
  if (options.startAtEpochMs === undefined) return undefined;
  const timetable = buildTimetable(options, options.startAtEpochMs);
  for (const line of describeTimetable(timetable, options)) show(line);
  const passedMs = epochNowMs() - options.startAtEpochMs;
  if (passedMs > LATE_TOLERANCE_MS) {
    show(`warning: --start-at was ${(passedMs / 1000).toFixed(1)} s ago: every phase whose slot has passed runs at once, and its tier is marked partial with how late`);
  }
  return new TimetableClock(timetable, signal, options.shard);
}
