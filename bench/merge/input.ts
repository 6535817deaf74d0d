// One result given to `merge` (inputs.ts finds them in files and standard input): checked against the
// results' schema, every histogram in it checked to decode (bounded: a histogram is attacker-sized
// data), and a schema-1 result brought to schema 2 (its zeros for "nothing measured" become nulls).
// Every refusal names the input.
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { UsageError } from '../options/usage-error.js';
import { validateRunResult } from '../report/schema.js';
import { RESULTS_SCHEMA_VERSION, type LatencySummary, type RunResult, type TierResult } from '../results.js';
import { decodeHistogram } from '../stats/histogram.js';

/** A run given to merge, with what identifies it (the same run given twice is refused). */
export interface MergeInput {
  /** 'a.json', or 'stdin #2' where an input holds several results. */
  source: string;
  run: RunResult;
  /** sha256 of the result's text. */
  contentHash: string;
}

/** HDR V2 cookies (hdr-histogram-js, JsHistogram.encoding): the compressed wrapper and the histogram. */
const COMPRESSED_COOKIE_BASE = 0x1c849304;
const ENCODING_COOKIE_BASE = 0x1c849303;
/** Our histograms use 3 significant digits; more would let a file size the decoder's arrays (5: 66 MB). */
const MAX_SIGNIFICANT_DIGITS = 3;
/** Far above any histogram of ours (a few KB inflated), far below what a zlib bomb would claim. */
const MAX_INFLATED_BYTES = 1024 * 1024;

/** `value`, found in `source` as `text`, as a result merge can trust. */
export function checkedInput(value: unknown, source: string, text: string): MergeInput {
  const problems = validateRunResult(value);
  if (problems.length > 0) throw new UsageError(`merge: ${source} is not a wse-bench JSON result (${problems[0]})`);
  const run = value as RunResult;
  for (const [path, summary] of latencySummaries(run)) {
    const problem = histogramProblem(summary.hdr);
    if (problem !== undefined) throw new UsageError(`merge: ${source}: ${path}.hdr is not a usable HDR histogram (${problem})`);
  }
  return { source, run: upgradeToCurrentSchema(run), contentHash: createHash('sha256').update(text).digest('hex') };
}

/** Every latency summary of a run, with its JSON path. */
function* latencySummaries(run: RunResult): Generator<[string, LatencySummary]> {
  for (const [t, test] of run.tests.entries()) {
    for (const [i, tier] of test.tiers.entries()) {
      const path = `tests[${t}].tiers[${i}]`;
      for (const key of ['connectLatency', 'tlsHandshake', 'latency'] as const) {
        const summary = tier[key];
        if (summary) yield [`${path}.${key}`, summary];
      }
      if (tier.openLoop?.corrected) yield [`${path}.openLoop.corrected`, tier.openLoop.corrected];
      if (tier.openLoop?.uncorrected) yield [`${path}.openLoop.uncorrected`, tier.openLoop.uncorrected];
    }
  }
}

/** Undefined when `encoded` is one of our histograms that decodes; else what is wrong with it. */
export function histogramProblem(encoded: string): string | undefined {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length < 8 || (bytes.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE_BASE) return 'not a compressed HDR V2 histogram';
  const length = bytes.readInt32BE(4);
  if (length < 0 || 8 + length > bytes.length) return 'truncated';
  let inflated: Buffer;
  try {
    inflated = inflateSync(bytes.subarray(8, 8 + length), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    return `its compressed data does not inflate within ${MAX_INFLATED_BYTES / 1024} KiB: ${(error as Error).message}`;
  }
  if (inflated.length < 40 || (inflated.readInt32BE(0) & ~0xf0) !== ENCODING_COOKIE_BASE) return 'no HDR V2 histogram inside';
  const digits = inflated.readInt32BE(12);
  if (digits < 0 || digits > MAX_SIGNIFICANT_DIGITS) return `${digits} significant digits (at most ${MAX_SIGNIFICANT_DIGITS})`;
  try {
    decodeHistogram(encoded).destroy();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * A schema-1 result as schema 2 says it: an empty latency (count 0) is null, a rate over nothing
 * delivered is null, and so are a hold's survival without connections and an interval's p50 of 0.
 */
export function upgradeToCurrentSchema(run: RunResult): RunResult {
  if ((run.schemaVersion as number) === RESULTS_SCHEMA_VERSION) return run;
  for (const test of run.tests) for (const tier of test.tiers) upgradeTier(tier);
  return { ...run, schemaVersion: RESULTS_SCHEMA_VERSION };
}

function upgradeTier(tier: TierResult): void {
  const empty = (summary: LatencySummary | null | undefined): boolean => summary !== undefined && summary !== null && summary.count === 0;
  if (empty(tier.connectLatency)) tier.connectLatency = null;
  if (empty(tier.tlsHandshake)) tier.tlsHandshake = null;
  if (empty(tier.latency)) tier.latency = null;
  if (tier.openLoop !== undefined) {
    if (empty(tier.openLoop.corrected)) tier.openLoop.corrected = null;
    if (empty(tier.openLoop.uncorrected)) tier.openLoop.uncorrected = null;
  }
  const m = tier.messages;
  if (m !== undefined && !(m.delivered > 0 && m.windowMs > 0)) Object.assign(m, { deliveredPerSec: null, deliveredMBPerSec: null, perConnectionPerSec: null });
  if (tier.connectRatePerSec !== undefined && tier.connectionCounts.established === 0) tier.connectRatePerSec = null;
  if (tier.hold !== undefined) {
    if (tier.connectionCounts.established === 0) tier.hold.survivalPct = null;
    tier.hold.p50ByInterval = tier.hold.p50ByInterval.map((p50) => (p50 === 0 ? null : p50));
  }
}
