// Whether the runs given to `merge` can be merged at all. Merging sums counts and computes rates over
// the common window, so two things make a wrong number instead of a merged one (issue 12): the same
// run given twice (its counts doubled: 1.5M msg/s from one 735K run), and runs whose measured windows
// never overlap (two back-to-back 735K msg/s runs merged into "471K msg/s" over both windows).
import { UsageError } from '../options/usage-error.js';
import type { TierResult } from '../results.js';
import type { MergeInput } from './input.js';

/** Refuses the same run given twice: the same file content, or the same start, host and process. */
export function checkDistinctRuns(inputs: readonly MergeInput[]): void {
  inputs.forEach((input, i) => {
    const earlier = inputs.slice(0, i).find((other) => other.contentHash === input.contentHash || sameRun(other, input));
    if (earlier !== undefined) {
      const how = earlier.contentHash === input.contentHash ? 'the same file content' : `the same run (started ${input.run.startedAt} on ${input.run.environment.hostname}${input.run.environment.pid === undefined ? '' : `, pid ${input.run.environment.pid}`})`;
      throw new UsageError(`merge: ${input.source} and ${earlier.source} are ${how}: merging would count it twice`);
    }
  });
}

function sameRun(a: MergeInput, b: MergeInput): boolean {
  const [x, y] = [a.run, b.run];
  if (x.startedAt !== y.startedAt || x.environment.hostname !== y.environment.hostname) return false;
  // shards of one run start together, on hosts that may share a name (network namespaces): their index tells them apart
  if (x.options.shard !== undefined && y.options.shard !== undefined && x.options.shard.index !== y.options.shard.index) return false;
  // schema-1 results have no pid: the same start to the millisecond on the same host is taken as one run
  return x.environment.pid === undefined || y.environment.pid === undefined || x.environment.pid === y.environment.pid;
}

/** The measured window of a tier: its send window where it delivered, else its measured phase. */
function windowOf(tier: TierResult): [number, number] {
  const m = tier.messages;
  if (m !== undefined && m.delivered > 0) return [m.windowStartEpochMs, m.windowEndEpochMs];
  return [tier.startedAtEpochMs, tier.endedAtEpochMs];
}

/**
 * Refuses tiers (matched by test and position, as merging matches them) measured in windows without
 * a common moment: no rate of theirs together exists. Partly overlapping windows merge; each merged
 * tier states the skew it assumed.
 */
export function checkWindowsOverlap(inputs: readonly MergeInput[]): void {
  const tests = new Set(inputs.flatMap((input) => input.run.tests.map((t) => t.test)));
  for (const test of tests) {
    const holders = inputs.flatMap((input) => {
      const result = input.run.tests.find((t) => t.test === test);
      return result === undefined ? [] : [{ input, tiers: result.tiers }];
    });
    if (holders.length < 2) continue;
    const tierCount = Math.min(...holders.map((h) => h.tiers.length));
    for (let i = 0; i < tierCount; i++) {
      const windows = holders.map((h) => ({ source: h.input.source, tier: h.tiers[i]!, window: windowOf(h.tiers[i]!) }));
      const lastStart = windows.reduce((a, b) => (b.window[0] > a.window[0] ? b : a));
      const firstEnd = windows.reduce((a, b) => (b.window[1] < a.window[1] ? b : a));
      if (lastStart.window[0] < firstEnd.window[1]) continue;
      const tier = lastStart.tier;
      throw new UsageError(
        `merge: ${test} tier ${i + 1} (${tier.connections} connections${tier.label === undefined ? '' : `, ${tier.label}`}): ` +
          `${lastStart.source} was measured from ${iso(lastStart.window[0])}, after ${firstEnd.source}'s ended at ${iso(firstEnd.window[1])}; ` +
          'windows that do not overlap have no common rate (start the runs together, e.g. with the same --start-at)',
      );
    }
  }
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
