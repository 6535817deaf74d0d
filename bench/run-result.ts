// The one RunResult of a run, and whether anything in it was measured at all.
import { describeEnvironment } from './environment.js';
import type { BenchOptions } from './options/bench-options.js';
import { RESULTS_SCHEMA_VERSION, type RunResult, type ServerDescription, type TestResult } from './results.js';
import { CLIENT_NAME, VERSION } from './version.js';

/**
 * What results record instead of the JWT secret: they are printed, logged (kubectl logs) and
 * shared, and the secret signs tokens the server trusts.
 */
export const REDACTED_SECRET = '(redacted)';

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
    options: { ...options, secret: REDACTED_SECRET },
    tests: record.tests,
  };
  if (record.partial !== undefined) run.partial = record.partial;
  return run;
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
