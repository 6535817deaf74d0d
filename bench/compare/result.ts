// What `compare` measured: every run of every transport × runtime combination, kept whole, and the
// comparison tables computed from them (median, min–max, ratio to the first combination).
import type { ClientTransportName } from '../../adapters/client/names.js';
import type { RuntimeName } from '../options/choices.js';
import type { TestName } from '../options/choices.js';
import type { CorePinning } from '../process/pinning.js';
import { formatCompact, formatInteger, formatLatency, formatRate } from '../report/format.js';
import { TEST_TITLES, type Table } from '../report/tables.js';
import type { RunResult, ServerDescription, TestResult, TierResult } from '../results.js';
import { median } from '../stats/spread.js';

export const COMPARE_SCHEMA_VERSION = 1;

export interface Combination {
  /** 'core · node22' */
  name: string;
  transport: ClientTransportName;
  runtime: RuntimeName;
  runtimeLabel: string;
}

export interface CompareRun {
  combination: string;
  /** 1…repeat. */
  round: number;
  result?: RunResult;
  /** Why this run produced no result. */
  error?: string;
}

export interface CompareResult {
  kind: 'compare';
  schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  startedAt: string;
  finishedAt: string;
  server: ServerDescription;
  repeat: number;
  tests: TestName[];
  /** The test options every child run got. */
  childArgs: string[];
  /** --pin: the cores the embedded server and the runs were kept on. */
  pinning?: CorePinning;
  /** Runtimes and transports that were not run, one line each. */
  skipped: string[];
  combinations: Combination[];
  runs: CompareRun[];
}

interface Metric {
  name: string;
  lowerIsBetter: boolean;
  format(value: number): string;
  read(tier: TierResult): number | undefined;
}

const DELIVERED: Metric = { name: 'msg/s', lowerIsBetter: false, format: formatCompact, read: (t) => t.messages?.deliveredPerSec ?? undefined };

/**
 * The client's CPU time (user + system, every thread of the process) over the tier's measured
 * phase per delivered message, in ns: what a message costs the client, whoever set the rate.
 */
export function clientCpuNanosPerMessage(tier: TierResult): number | undefined {
  const delivered = tier.messages?.delivered;
  if (delivered === undefined || delivered === 0) return undefined;
  return ((tier.client.cpuUserMicros + tier.client.cpuSystemMicros) * 1000) / delivered;
}

const CPU_PER_MESSAGE: Metric = { name: 'client CPU/msg', lowerIsBetter: true, format: (ns) => `${ns.toFixed(0)} ns`, read: clientCpuNanosPerMessage };
const P50: Metric = { name: 'p50', lowerIsBetter: true, format: formatLatency, read: (t) => t.latency?.p50 };
const P99: Metric = { name: 'p99', lowerIsBetter: true, format: formatLatency, read: (t) => t.latency?.p99 };
const ACCEPT: Metric = { name: 'accept rate', lowerIsBetter: false, format: formatRate, read: (t) => t.connectRatePerSec ?? undefined };
// nothing received is no rate (—), not 0 deliveries/s
const DELIVERIES: Metric = { name: 'deliveries/s', lowerIsBetter: false, format: formatCompact, read: (t) => (t.fanout !== undefined && t.fanout.received > 0 ? t.fanout.deliveriesPerSec : undefined) };

/** The headline metric(s) of each test. connection-limit reads maxStableConnections instead. */
export const HEADLINE_METRICS: Record<TestName, Metric[]> = {
  throughput: [DELIVERED, CPU_PER_MESSAGE],
  'size-matrix': [DELIVERED, CPU_PER_MESSAGE],
  'format-comparison': [DELIVERED],
  'ping-latency': [P50, P99],
  'sustained-hold': [P50, P99],
  'connection-storm': [ACCEPT],
  fanout: [DELIVERIES],
  'connection-limit': [{ name: 'max connections', lowerIsBetter: false, format: formatInteger, read: () => undefined }],
};

function tierKey(tier: TierResult): string {
  return `${formatInteger(tier.connections)} conns${tier.label === undefined ? '' : ` · ${tier.label}`}`;
}

/** Per tier key, per combination: the metric values of every round. */
function collect(result: CompareResult, test: TestName, metric: Metric): Map<string, Map<string, number[]>> {
  const byKey = new Map<string, Map<string, number[]>>();
  const add = (key: string, combination: string, value: number | undefined): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const byCombination = byKey.get(key) ?? new Map<string, number[]>();
    byKey.set(key, byCombination);
    byCombination.set(combination, [...(byCombination.get(combination) ?? []), value]);
  };
  for (const run of result.runs) {
    const testResult: TestResult | undefined = run.result?.tests.find((t) => t.test === test);
    if (testResult === undefined) continue;
    if (test === 'connection-limit') add('search', run.combination, testResult.maxStableConnections);
    else for (const tier of testResult.tiers) add(tierKey(tier), run.combination, metric.read(tier));
  }
  return byKey;
}

export function compareTables(result: CompareResult): Table[] {
  const tables: Table[] = [];
  for (const test of result.tests) {
    const metrics = HEADLINE_METRICS[test];
    const perMetric = metrics.map((m) => collect(result, test, m));
    const keys = [...new Set(perMetric.flatMap((m) => [...m.keys()]))];
    for (const key of keys) {
      const headers = ['Transport · runtime'];
      for (const m of metrics) headers.push(`${m.name} median`, `${m.name} min–max`, `${m.name} vs first`);
      headers.push('Runs');
      const baseline = result.combinations[0]?.name;
      const rows = result.combinations.map((c) => {
        const row = [c.name];
        let runs = 0;
        metrics.forEach((m, i) => {
          const values = perMetric[i]!.get(key)?.get(c.name) ?? [];
          const base = baseline === undefined ? [] : (perMetric[i]!.get(key)?.get(baseline) ?? []);
          runs = Math.max(runs, values.length);
          if (values.length === 0) {
            row.push('-', '-', '-');
            return;
          }
          const med = median(values);
          row.push(m.format(med), `${m.format(Math.min(...values))} – ${m.format(Math.max(...values))}`);
          row.push(base.length > 0 && median(base) > 0 ? `${(med / median(base)).toFixed(2)}×` : '-');
        });
        row.push(String(runs));
        return row;
      });
      const lower = metrics.filter((m) => m.lowerIsBetter).map((m) => m.name);
      const lines = [
        `median of ${result.repeat} interleaved run(s) per combination; "vs first" = median ÷ ${baseline ?? 'the first'}'s median` +
          (lower.length > 0 ? ` (${lower.join(', ')}: lower is better)` : ''),
      ];
      tables.push({ title: `${TEST_TITLES[test]} — ${key}`, headers, rows, lines });
    }
  }
  const problems = problemLines(result);
  if (tables.length > 0) tables[tables.length - 1]!.lines.push(...problems);
  else if (problems.length > 0) tables.push({ title: 'compare', headers: [], rows: [], lines: problems });
  return tables;
}

/** Skipped combinations, failed runs, partial tiers and client/server disagreements. */
export function problemLines(result: CompareResult): string[] {
  const lines = [...result.skipped];
  for (const run of result.runs) {
    const who = `${run.combination}, round ${run.round}`;
    if (run.error !== undefined) lines.push(`FAILED (${who}): ${run.error}`);
    for (const test of run.result?.tests ?? []) {
      for (const tier of test.tiers) {
        if (tier.consistency !== undefined && !tier.consistency.ok) lines.push(`ERROR (${who}, ${test.test} ${tierKey(tier)}): ${tier.consistency.message}`);
        if (tier.partial !== undefined) lines.push(`PARTIAL (${who}, ${test.test} ${tierKey(tier)}): ${tier.partial}`);
      }
    }
  }
  return lines;
}
