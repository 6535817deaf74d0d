// The one RunResult of a run, and whether anything in it was measured at all.
import { describeEnvironment } from './environment.js';
import type { BenchOptions, RecordedOptions } from './options/bench-options.js';
import { REDACTED, redactSecret } from './options/secret.js';
import { RESULTS_SCHEMA_VERSION, type NotRunTest, type RunResult, type ServerDescription, type TestResult, type TierResult } from './results.js';
import { CLIENT_NAME, VERSION } from './version.js';

export interface RunRecord {
  options: BenchOptions;
  startedAt: string;
  server: ServerDescription;
  tests: TestResult[];
  /** Selected tests without a result, and why. */
  notRun: NotRunTest[];
  /** Why the run is incomplete (interrupted, the server or a worker died), when it is. */
  partial: string | undefined;
  /** Why nothing was measured, when nothing was. */
  nothingMeasured: string | undefined;
}

export function buildRunResult(record: RunRecord): RunResult {
  const { options } = record;
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: CLIENT_NAME, version: VERSION },
    startedAt: record.startedAt,
    finishedAt: new Date().toISOString(),
    environment: { ...describeEnvironment(), pid: process.pid },
    transport: options.transport,
    procs: options.procs,
    server: record.server,
    options: recordedOptions(options),
    tests: record.tests,
  };
  if (record.partial !== undefined) run.partial = record.partial;
  if (record.notRun.length > 0) run.notRun = record.notRun;
  if (record.nothingMeasured !== undefined) run.nothingMeasured = record.nothingMeasured;
  return run;
}

/**
 * The settings a report records: a secret other than the public default never (WSE_BENCH_SECRET
 * or --secret), and of the --header values only the names (a header may carry the server's own
 * credentials).
 */
export function recordedOptions(options: BenchOptions): RecordedOptions {
  const recorded: RecordedOptions = { ...options, secret: redactSecret(options.secret) };
  if (options.headers !== undefined) recorded.headers = Object.fromEntries(Object.keys(options.headers).map((name) => [name, REDACTED]));
  return recorded;
}

/**
 * Whether a tier holds its test's measurement: a connect latency for the connection tests, a
 * survival figure for the hold, a latency for ping-latency, a message received for fan-out, a
 * delivered rate for the sending tests.
 * A tier whose measurement is null (no PONG came back, nothing was delivered) measured nothing.
 */
export function tierMeasured(tier: TierResult): boolean {
  switch (tier.test) {
    case 'connection-storm':
    case 'connection-limit':
      return tier.connectionCounts.established > 0;
    case 'sustained-hold':
      return tier.hold?.survivalPct !== null && tier.hold?.survivalPct !== undefined;
    case 'ping-latency':
      return tier.latency !== null && tier.latency !== undefined;
    case 'fanout':
      return (tier.fanout?.received ?? 0) > 0;
    default:
      return tier.messages?.deliveredPerSec !== null && tier.messages?.deliveredPerSec !== undefined;
  }
}

/** What an established tier of `test` lacked when it measured nothing. */
const EMPTY_MEASUREMENT: Record<string, string> = {
  'ping-latency': 'no PONG came back',
  'sustained-hold': 'no connection was held',
  fanout: 'no published message was received',
};
const NOTHING_DELIVERED = 'no message was proven delivered';

/** Undefined when some tier measured something; else the most telling reason none did. */
export function nothingMeasured(tests: readonly TestResult[]): string | undefined {
  const tiers = tests.flatMap((t) => t.tiers);
  if (tiers.some(tierMeasured)) return undefined;
  if (tiers.length === 0) return 'no test produced a result';
  if (tiers.some((t) => t.connectionCounts.established > 0)) {
    const lacks = [...new Set(tiers.map((t) => `${EMPTY_MEASUREMENT[t.test] ?? NOTHING_DELIVERED} (${t.test})`))];
    return `connections were established, but ${lacks.join('; ')}`;
  }
  const byKind = new Map<string, number>();
  for (const tier of tiers) {
    for (const [kind, n] of Object.entries(tier.connectionCounts.failedByKind)) byKind.set(kind, (byKind.get(kind) ?? 0) + (n ?? 0));
  }
  const [kind] = [...byKind.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['unknown'];
  const hint = kind === 'auth' ? ' (check --secret, --issuer and --audience)' : '';
  return `every connection failed (mostly: ${kind})${hint}`;
}
