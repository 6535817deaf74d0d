// The one RunResult of a run, and whether anything in it was measured at all.
import { describeEnvironment } from './environment.js';
import type { BenchOptions, RecordedOptions } from './options/bench-options.js';
import { RESULTS_SCHEMA_VERSION, type RunResult, type ServerDescription, type TestResult } from './results.js';
import { CLIENT_NAME, VERSION } from './version.js';

export interface RunRecord {
  options: BenchOptions;
  startedAt: string;
  server: ServerDescription;
  tests: TestResult[];
  /** Why the run is incomplete (interrupted, the server or a worker died), when it is. */
  partial: string | undefined;
}

export function buildRunResult(record: RunRecord): RunResult {
  const { options } = record;
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: CLIENT_NAME, version: VERSION },
    startedAt: record.startedAt,
    finishedAt: new Date().toISOString(),
    environment: describeEnvironment(),
    transport: options.transport,
    procs: options.procs,
    server: record.server,
    options: recordedOptions(options),
    tests: record.tests,
  };
  if (record.partial !== undefined) run.partial = record.partial;
  return run;
}

/** What every report writes in place of a secret. */
export const REDACTED = '(redacted)';

/**
 * The settings a report records: never the JWT secret (WSE_BENCH_SECRET or --secret), and of the
 * --header values only the names (a header may carry the server's own credentials).
 */
export function recordedOptions(options: BenchOptions): RecordedOptions {
  const recorded: RecordedOptions = { ...options, secret: REDACTED };
  if (options.headers !== undefined) recorded.headers = Object.fromEntries(Object.keys(options.headers).map((name) => [name, REDACTED]));
  return recorded;
}

/** Undefined when some test measured something; else the most telling reason it did not. */
export function nothingMeasured(tests: readonly TestResult[]): string | undefined {
  const tiers = tests.flatMap((t) => t.tiers);
  if (tiers.some((t) => t.connectionCounts.established > 0)) return undefined;
  if (tiers.length === 0) return 'no test produced a result';
  const byKind = new Map<string, number>();
  for (const tier of tiers) {
    for (const [kind, n] of Object.entries(tier.connectionCounts.failedByKind)) byKind.set(kind, (byKind.get(kind) ?? 0) + (n ?? 0));
  }
  const [kind] = [...byKind.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['unknown'];
  const hint = kind === 'auth' ? ' (check --secret, --issuer and --audience)' : '';
  return `every connection failed (mostly: ${kind})${hint}`;
}
