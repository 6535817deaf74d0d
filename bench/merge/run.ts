// Merging whole results: the tests of several worker processes (the launcher) or of several runs
// (`merge a.json b.json`, e.g. from other machines) into one RunResult, tier by tier.
import type { TestName } from '../options/choices.js';
import { RESULTS_SCHEMA_VERSION, type NotRunTest, type RunResult, type ServerSide, type TestResult, type TierResult } from '../results.js';
import { nothingMeasured } from '../run-result.js';
import type { WseMetrics } from '../server/wse-metrics.js';
import { mergeTiers } from './tier.js';

export interface TestMergeOptions {
  sources: readonly string[];
  /** The server side of tier i over the merged window, when the merger read it itself. */
  serverForTier?: (index: number) => ServerSide | undefined;
  /** The target's /metrics over tier i's merged window, likewise. */
  metricsForTier?: (index: number) => WseMetrics | undefined;
  /** Chooses one server reading when every part read the same server (see mergeRunResults). */
  serverPolicy?: 'sum' | 'widest';
  serverWorkers?: number;
  partial?: string;
  incomplete?: boolean;
  /** Notes for tier i (clock skew…). */
  notesForTier?: (index: number, parts: readonly TierResult[]) => string[];
}

/**
 * Tiers are matched by position: every part ran the same tier list (the launcher sends the same
 * options to each worker; runs to be merged must use the same --test/--tiers shape).
 */
export function mergeTestResults(parts: readonly TestResult[], options: TestMergeOptions): TestResult {
  const first = parts[0];
  if (first === undefined) throw new Error('mergeTestResults: no parts');
  if (parts.length === 1 && options.serverForTier === undefined && options.partial === undefined) return first;
  const tierCount = Math.min(...parts.map((p) => p.tiers.length));
  const tiers: TierResult[] = [];
  for (let i = 0; i < tierCount; i++) {
    const tierParts = parts.map((p) => p.tiers[i]!);
    const notes = options.notesForTier?.(i, tierParts) ?? [];
    const server = options.serverForTier?.(i) ?? (options.serverPolicy === 'widest' ? widestServerReading(tierParts) : undefined);
    const input: Parameters<typeof mergeTiers>[0] = { parts: tierParts, sources: options.sources, notes };
    if (server !== undefined) input.server = server;
    const serverMetrics = options.metricsForTier?.(i);
    if (serverMetrics !== undefined) input.serverMetrics = serverMetrics;
    if (options.serverWorkers !== undefined) input.serverWorkers = options.serverWorkers;
    if (options.partial !== undefined) input.partial = options.partial;
    if (options.incomplete === true) input.incomplete = true;
    tiers.push(mergeTiers(input));
  }
  const longest = Math.max(...parts.map((p) => p.tiers.length));
  if (longest > tierCount && tiers.length > 0) {
    tiers[tiers.length - 1]!.notes.push(`${longest - tierCount} tier(s) measured by only some of the clients were left out`);
  }
  const merged: TestResult = { test: first.test, tiers };
  if (first.test === 'connection-limit') {
    // Each client's search probed on its own, so capacities are not added up: the highest stands.
    merged.probes = parts.flatMap((p) => p.probes ?? []);
    merged.maxStableConnections = Math.max(...parts.map((p) => p.maxStableConnections ?? 0));
    const stopped = [...new Set(parts.map((p) => p.stoppedBy).filter((s): s is string => s !== undefined))];
    if (stopped.length > 0) merged.stoppedBy = stopped.join(', ');
  }
  return merged;
}

/**
 * Each run read the one server it shared with the others over its own window, so every reading
 * already holds (most of) the other runs' traffic: adding them would count it twice. The reading
 * that saw the most messages (the widest window) stands for all of them.
 */
function widestServerReading(parts: readonly TierResult[]): ServerSide | undefined {
  let widest: ServerSide | undefined;
  let most = -1;
  for (const part of parts) {
    if (part.server === undefined) continue;
    const m = part.server.counters.messages;
    const seen = m.text + m.binary + part.server.counters.connectionsOpened;
    if (seen > most) {
      most = seen;
      widest = part.server;
    }
  }
  return widest;
}

/**
 * How far apart the clients' measured phases began: the skew the merge assumes between their
 * clocks (and start times). The merged window runs from the earliest start to the latest end.
 */
export function windowStartSkewMs(parts: readonly TierResult[]): number {
  const starts = parts.map((p) => p.messages?.windowStartEpochMs ?? p.startedAtEpochMs);
  return Math.max(...starts) - Math.min(...starts);
}

/** Tests some run did not run and no run has a result of, with each run's reason. */
function testNamesNotRun(runs: readonly RunResult[], merged: readonly TestName[], sources: readonly string[]): NotRunTest[] {
  const reasons = new Map<TestName, string[]>();
  runs.forEach((run, i) => {
    for (const skipped of run.notRun ?? []) {
      if (merged.includes(skipped.test)) continue;
      reasons.set(skipped.test, [...(reasons.get(skipped.test) ?? []), `${sources[i] ?? `run ${i + 1}`}: ${skipped.reason}`]);
    }
  });
  return [...reasons].map(([test, why]) => ({ test, reason: why.join('; ') }));
}

export function mergeRunResults(runs: readonly RunResult[], sources: readonly string[]): RunResult {
  const first = runs[0];
  if (first === undefined) throw new Error('mergeRunResults: no runs');
  const sameServer = runs.every((r) => r.server.url === first.server.url);
  const testNames: TestName[] = [];
  for (const run of runs) for (const t of run.tests) if (!testNames.includes(t.test)) testNames.push(t.test);
  const tests: TestResult[] = [];
  for (const name of testNames) {
    const holders = runs.map((r, i) => ({ test: r.tests.find((t) => t.test === name), source: sources[i] ?? `run ${i + 1}` }))
      .filter((h): h is { test: TestResult; source: string } => h.test !== undefined);
    const options: TestMergeOptions = {
      sources: holders.map((h) => h.source),
      serverPolicy: sameServer ? 'widest' : 'sum',
      notesForTier: (_i, parts) => [
        `merged from ${parts.length} runs (${holders.map((h) => h.source).join(', ')}); assumed clock skew: their measured phases began ${windowStartSkewMs(parts).toFixed(1)} ms apart`,
        ...(sameServer ? ['server counters: the reading of the run that saw the most traffic (all runs read the same server)'] : []),
      ],
    };
    tests.push(holders.length === 1 ? holders[0]!.test : mergeTestResults(holders.map((h) => h.test), options));
  }
  const merged: RunResult = {
    ...first,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    startedAt: runs.map((r) => r.startedAt).sort()[0]!,
    finishedAt: runs.map((r) => r.finishedAt).sort().at(-1)!,
    procs: runs.reduce((n, r) => n + r.procs, 0),
    options: { ...first.options, mergedFrom: [...sources] },
    tests,
  };
  const partials = runs.map((r, i) => (r.partial === undefined ? undefined : `${sources[i] ?? `run ${i + 1}`}: ${r.partial}`)).filter((p) => p !== undefined);
  if (partials.length > 0) merged.partial = partials.join('; ');
  else delete merged.partial;
  // A test is not run when no run has it; each run's reason names the run.
  const notRun = testNamesNotRun(runs, testNames, sources);
  if (notRun.length > 0) merged.notRun = notRun;
  else delete merged.notRun;
  delete merged.nothingMeasured;
  const nothing = nothingMeasured(tests);
  if (nothing !== undefined) merged.nothingMeasured = nothing;
  return merged;
}
