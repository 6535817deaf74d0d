// --shard I/N: this machine runs share I of N of every tier's connections. The split is --procs's
// (shareOf: floor, and one more for the first n % N shards), so a tier over N shards of P
// processes each is split exactly as a tier over N × P processes on one machine would be.
import type { BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import { shareOf } from './ipc.js';

/** The options as this shard runs them: every tier replaced by its share (unchanged without --shard). */
export function shardShare(options: BenchOptions): BenchOptions {
  const shard = options.shard;
  if (shard === undefined) return options;
  const share = (tiers: readonly number[]): number[] => tiers.map((n) => shareOf(n, shard.index, shard.count));
  const tiersByTest: Partial<Record<TestName, number[]>> = {};
  for (const test of options.tests) {
    const tiers = options.tiersByTest?.[test];
    if (tiers !== undefined) tiersByTest[test] = share(tiers);
  }
  return { ...options, tiers: share(options.tiers), tiersByTest };
}
