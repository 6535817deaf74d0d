// --start-at and --shard → the run's timetable settings, refusing what a timetable cannot hold (one
// line each, exit 2 through UsageError). A timetable is computed in advance from the options, the
// same on every machine, so every phase of every test must be known before the run starts.
import type { BenchOptions, ShardSpec } from './bench-options.js';
import type { TestName } from './choices.js';
import { UsageError } from './usage-error.js';

export interface ScheduleFlags {
  startAt?: number;
  shard?: ShardSpec;
  procs: number[];
}

export function scheduleFromFlags(
  { startAt, shard, procs }: ScheduleFlags,
  tests: readonly TestName[],
  tiersByTest: Partial<Record<TestName, number[]>>,
): Pick<BenchOptions, 'startAtEpochMs' | 'shard'> {
  if (shard !== undefined && startAt === undefined) {
    throw new UsageError(`--shard ${shard.index}/${shard.count} needs --start-at <unix ms>: every shard runs the same timetable from that time`);
  }
  if (startAt === undefined) return {};
  const flag = shard === undefined ? '--start-at' : '--shard';
  if (tests.includes('connection-limit')) {
    throw new UsageError(`${flag}: connection-limit cannot run on a timetable (each probe depends on the last); choose other tests with --test`);
  }
  if (tests.includes('fanout')) {
    // its publisher is started and stopped by one client when most subscribers are in: a wait no timetable can budget
    throw new UsageError(`${flag}: fanout cannot run on a timetable (one client starts the server's publisher once the subscribers are in); choose other tests with --test`);
  }
  if (procs.length > 1) throw new UsageError(`${flag}: a --procs list runs each test once per count; give one count`);
  if (shard === undefined) return { startAtEpochMs: startAt };
  for (const test of tests) {
    const smallest = Math.min(...(tiersByTest[test] ?? []));
    if (smallest < shard.count) {
      throw new UsageError(`--shard ${shard.index}/${shard.count}: ${test}'s tier of ${smallest} connections gives some shards none; use tiers of at least ${shard.count}`);
    }
  }
  return { startAtEpochMs: startAt, shard };
}
