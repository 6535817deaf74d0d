// Shards given to `merge` (--shard I/N results): they must be shares of one run (the same options
// but the shard index, the same --start-at), each index once; a missing shard leaves the merge
// partial. Their clocks are compared through the offsets each measured against the same target.
import type { ShardSpec } from '../options/bench-options.js';
import type { ClockOffset, RunResult } from '../results.js';
import type { MergeInput } from './input.js';

export interface ShardCheck {
  count: number;
  /** Shard indexes no input holds. */
  missing: number[];
  /** How far apart the shards' clocks are, from their offsets to the target; undefined with fewer than two. */
  skew: ClockSkew | undefined;
}

export interface ClockSkew {
  /** Largest offset minus smallest: how far apart the two most distant clocks are. */
  spreadMs: number;
  /** The spread lies within ± this (the two offsets' uncertainties added). */
  uncertaintyMs: number;
  /** Per shard: 'shard 0/3 +0.4 ms ±0.6'. */
  offsets: string[];
}

/** Options that say how a run was shown, not what it measured: shards may differ in them. */
const PRESENTATION_OPTIONS = new Set(['shard', 'output', 'outFile', 'svgDir', 'progress', 'perWorker', 'mergedFrom']);

function shardOf(input: MergeInput): ShardSpec | undefined {
  const shard: unknown = input.run.options.shard;
  if (shard === undefined) return undefined;
  const index = typeof shard === 'object' && shard !== null ? Reflect.get(shard, 'index') : undefined;
  const count = typeof shard === 'object' && shard !== null ? Reflect.get(shard, 'count') : undefined;
  if (!Number.isInteger(index) || !Number.isInteger(count) || Number(index) < 0 || Number(index) >= Number(count)) {
    throw new Error(`${input.source}: options.shard is not a shard (${JSON.stringify(shard)})`);
  }
  return { index: Number(index), count: Number(count) };
}

/** The first option (by name) whose values differ, ignoring how the runs were shown; undefined when none does. */
export function differingOption(a: RunResult['options'], b: RunResult['options']): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !PRESENTATION_OPTIONS.has(key)).sort();
  return keys.find((key) => JSON.stringify(Reflect.get(a, key)) !== JSON.stringify(Reflect.get(b, key)));
}

function describeValue(value: unknown): string {
  return value === undefined ? 'unset' : JSON.stringify(value);
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;
}

/**
 * Undefined when no input is a shard. Throws an Error naming the inputs when shards cannot be
 * merged: whole runs among them, another shard count, a shard given twice, another start time or
 * other options.
 */
export function checkShards(inputs: readonly MergeInput[]): ShardCheck | undefined {
  const shards = inputs.map((input) => ({ input, shard: shardOf(input) }));
  const first = shards.find((s) => s.shard !== undefined);
  if (first === undefined || first.shard === undefined) return undefined;
  const firstShard = first.shard;
  const name = (s: { input: MergeInput; shard: ShardSpec | undefined }): string =>
    s.shard === undefined ? s.input.source : `${s.input.source} (shard ${s.shard.index}/${s.shard.count})`;
  const seen = new Map<number, { input: MergeInput; shard: ShardSpec }>();
  for (const s of shards) {
    if (s.shard === undefined) throw new Error(`${name(s)} is a whole run and ${name(first)} a shard: merge shards of one run only`);
    if (s.shard.count !== firstShard.count) throw new Error(`${name(first)} and ${name(s)} are shards of different runs (${firstShard.count} and ${s.shard.count} shards)`);
    const twin = seen.get(s.shard.index);
    if (twin !== undefined) throw new Error(`shard ${s.shard.index}/${s.shard.count} is given twice: ${twin.input.source} and ${s.input.source}`);
    seen.set(s.shard.index, { input: s.input, shard: s.shard });
    const startA = first.input.run.options.startAtEpochMs;
    const startB = s.input.run.options.startAtEpochMs;
    if (startA !== startB) {
      const when = (ms: number | undefined): string => (ms === undefined ? 'none' : new Date(ms).toISOString());
      throw new Error(`${name(first)} and ${name(s)} are shards of different runs: --start-at ${when(startA)} and ${when(startB)}`);
    }
    const differing = differingOption(first.input.run.options, s.input.run.options);
    if (differing !== undefined) {
      const a = describeValue(Reflect.get(first.input.run.options, differing));
      const b = describeValue(Reflect.get(s.input.run.options, differing));
      throw new Error(`${name(first)} and ${name(s)} are shards of different runs: their options differ in ${differing} (${a} and ${b})`);
    }
  }
  const missing = Array.from({ length: firstShard.count }, (_, i) => i).filter((i) => !seen.has(i));
  const measured = [...seen.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, s]) => ({ label: `shard ${s.shard.index}/${s.shard.count}`, offset: s.input.run.clockOffset }))
    .filter((s): s is { label: string; offset: ClockOffset } => s.offset !== undefined);
  return { count: firstShard.count, missing, skew: clockSkew(measured) };
}

function clockSkew(measured: readonly { label: string; offset: ClockOffset }[]): ClockSkew | undefined {
  if (measured.length < 2) return undefined;
  let low = measured[0]!;
  let high = measured[0]!;
  for (const m of measured) {
    if (m.offset.offsetMs < low.offset.offsetMs) low = m;
    if (m.offset.offsetMs > high.offset.offsetMs) high = m;
  }
  return {
    spreadMs: high.offset.offsetMs - low.offset.offsetMs,
    uncertaintyMs: high.offset.uncertaintyMs + low.offset.uncertaintyMs,
    offsets: measured.map((m) => `${m.label} ${signed(m.offset.offsetMs)} ±${m.offset.uncertaintyMs.toFixed(1)}`),
  };
}

/** The skew in one line: 'clocks (offsets to the target): spread 1.2 ms ±1.8 (shard 0/3 +0.4 ms ±0.6, …)'. */
export function describeSkew(skew: ClockSkew): string {
  return `shard clocks (offsets to the target): spread ${skew.spreadMs.toFixed(1)} ms ±${skew.uncertaintyMs.toFixed(1)} (${skew.offsets.join(', ')})`;
}

/**
 * Finishes a merge of shards: the merged result is the whole run (no shard index, no one shard's
 * clock offset), partial where shards are missing, and every tier notes the clocks' spread.
 * Returns the lines to show the user.
 */
export function completeShardMerge(merged: RunResult, check: ShardCheck): string[] {
  const { shard: _shard, ...options } = merged.options;
  merged.options = options;
  delete merged.clockOffset;
  const lines: string[] = [];
  if (check.missing.length > 0) {
    const missing = `shard${check.missing.length > 1 ? 's' : ''} ${check.missing.map((i) => `${i}/${check.count}`).join(', ')} missing: ` +
      `the merge holds ${check.count - check.missing.length} of ${check.count} shards' connections`;
    merged.partial = merged.partial === undefined ? missing : `${merged.partial}; ${missing}`;
    for (const test of merged.tests) for (const tier of test.tiers) tier.partial = tier.partial === undefined ? missing : `${tier.partial}; ${missing}`;
    lines.push(missing);
  }
  if (check.skew !== undefined) {
    const skew = describeSkew(check.skew);
    for (const test of merged.tests) for (const tier of test.tiers) tier.notes.push(skew);
    lines.push(skew);
  } else {
    lines.push('shard clocks: fewer than two shards measured their offset to the target; only the measured phases\' start times show the skew');
  }
  return lines;
}
