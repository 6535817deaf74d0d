// The one table of metric names a threshold can name, derived from the results' JSON schema
// (report/schema.ts), so a field added there is a metric here without a second list to keep:
// every number of a tier ('messages.delivered_per_sec', 'latency.p99', 'client.cpu_cores',
// 'server_errors.RATE_LIMITED'), of a --ramp verdict ('ramp.highest_passing_total') and of a test
// ('max_stable_connections'), in snake_case, plus a few computed from a tier ('errors').
// A metric's unit comes from its name (…Micros, …Ms, …Bytes, …PerSec, …Pct) and from the latency
// summary it sits in; epoch timestamps and the tier's own settings (params) are not metrics.
import type { JsonSchema } from '../json-schema.js';
import type { TestName } from '../options/choices.js';
import { RUN_RESULT_SCHEMA } from '../report/schema.js';
import type { RampVerdict, TestResult, TierResult } from '../results.js';

/**
 * What a value measures, which decides the units a threshold may use: 'micros' and 'millis' are
 * durations (a unit is required: 20ms, 500us, 1s), 'bytes' takes B/KB/MB/GB, 'percent' and
 * 'fraction' take %, 'rate' and 'count' take k/M, 'number' takes a plain number.
 */
export type MetricUnit = 'micros' | 'millis' | 'bytes' | 'percent' | 'fraction' | 'rate' | 'count' | 'number';

/** Where a metric lives: a row of a test (a tier or cell), a --ramp verdict, or the test itself. */
export type MetricScope = 'tier' | 'ramp' | 'test';

export interface Metric {
  /** 'messages.delivered_per_sec'; a map's entries are 'server_errors.<code>'. */
  readonly name: string;
  readonly scope: MetricScope;
  readonly unit: MetricUnit;
  /** Counts add up over a test's tiers and over the run; other figures are judged tier by tier. */
  readonly summable: boolean;
  /** A map of counts (server_errors, failed_by_kind): the name's last part is the key. */
  readonly map: boolean;
  /** What the metric means, for --print-metrics (computed metrics only; the rest are schema fields). */
  readonly description?: string;
  /** The path of fields in the result object; empty for computed metrics. */
  readonly path: readonly string[];
  /** For computed metrics. */
  readonly compute?: (tier: TierResult) => number | undefined;
}

/** The group a bare name resolves to in each test when several metrics end with it (ping-latency.p99 → latency.p99). */
export const PRIMARY_GROUPS: Record<TestName, readonly string[]> = {
  'connection-storm': ['connect_latency'],
  'ping-latency': ['latency'],
  throughput: ['messages', 'open_loop.corrected'],
  'size-matrix': ['messages', 'open_loop.corrected'],
  'format-comparison': ['messages'],
  'sustained-hold': ['hold', 'latency'],
  'connection-limit': ['connect_latency'],
  fanout: ['fanout', 'fanout.latency'],
};

/** Fields that are not measurements: when things happened, and the tier's settings. */
function isExcluded(field: string, ofTier: boolean): boolean {
  return field.includes('Epoch') || (ofTier && (field === 'params' || field === 'connections' || field === 'test'));
}

/** 'deliveredMBPerSec' → 'delivered_mb_per_sec'. */
export function snakeCase(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

function unitOf(path: readonly string[], inLatency: boolean): MetricUnit {
  const field = path[path.length - 1]!;
  if (inLatency) return field === 'count' ? 'count' : 'micros';
  if (field.endsWith('Micros')) return 'micros';
  if (field.endsWith('Ms')) return 'millis';
  if (field.includes('Bytes')) return 'bytes';
  if (field.endsWith('PerSec')) return 'rate';
  if (field.endsWith('Pct')) return 'percent';
  if (field === 'eventLoopUtilization') return 'fraction';
  if (field === 'cpuCores') return 'number';
  return 'count';
}

function resolveRef(schema: JsonSchema): { schema: JsonSchema; ref: string | undefined } {
  if (schema.$ref === undefined) return { schema, ref: undefined };
  const name = schema.$ref.replace(/^#\/\$defs\//, '');
  return { schema: RUN_RESULT_SCHEMA.$defs?.[name] ?? {}, ref: name };
}

function isNumeric(schema: JsonSchema): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('number') || types.includes('integer');
}

/** Every numeric leaf under `schema`, as metrics of `scope`. */
function leaves(schema: JsonSchema, scope: MetricScope, path: string[], inLatency: boolean, out: Metric[]): void {
  const { schema: resolved, ref } = resolveRef(schema);
  const latency = inLatency || ref === 'latency';
  if (isNumeric(resolved)) {
    const unit = unitOf(path, latency);
    out.push({ name: path.map(snakeCase).join('.'), scope, unit, summable: unit === 'count', map: false, path: [...path] });
    return;
  }
  if (resolved.properties !== undefined) {
    for (const [field, child] of Object.entries(resolved.properties)) {
      if (!isExcluded(field, path.length === 0)) leaves(child, scope, [...path, field], latency, out);
    }
  } else if (typeof resolved.additionalProperties === 'object' && isNumeric(resolveRef(resolved.additionalProperties).schema)) {
    // A map of counts by key (server_errors.RATE_LIMITED): a key that is absent counted 0.
    out.push({ name: `${path.map(snakeCase).join('.')}.<key>`, scope, unit: 'count', summable: true, map: true, path: [...path] });
  }
}

function sum(record: Readonly<Record<string, number | undefined>>): number {
  let total = 0;
  for (const n of Object.values(record)) total += n ?? 0;
  return total;
}

/** Metrics computed from a tier: what the report's Errors column, ERROR and PARTIAL rows and SLO column count. */
const COMPUTED: readonly Metric[] = [
  {
    name: 'errors', scope: 'tier', unit: 'count', summable: true, map: false, path: [],
    description: 'failed connects + server error frames + unexpected closes (the Errors column)',
    compute: (t) => t.connectionCounts.failed + sum(t.serverErrors) + sum(t.unexpectedCloses),
  },
  {
    name: 'consistency_errors', scope: 'tier', unit: 'count', summable: true, map: false, path: [],
    description: 'tiers whose client and server counts disagree (ERROR rows)',
    compute: (t) => (t.consistency !== undefined && !t.consistency.ok ? 1 : 0),
  },
  {
    name: 'partial_tiers', scope: 'tier', unit: 'count', summable: true, map: false, path: [],
    description: 'tiers that ended early (PARTIAL rows)',
    compute: (t) => (t.partial !== undefined ? 1 : 0),
  },
  {
    name: 'slo_failures', scope: 'tier', unit: 'count', summable: true, map: false, path: [],
    description: 'open-loop steps that missed --slo-ms (the SLO column\'s FAIL)',
    compute: (t) => (t.openLoop?.withinSlo === false ? 1 : 0),
  },
];

function buildTable(): readonly Metric[] {
  const defs = RUN_RESULT_SCHEMA.$defs ?? {};
  const out: Metric[] = [...COMPUTED];
  leaves(defs['tier'] ?? {}, 'tier', [], false, out);
  const test = defs['test']?.properties ?? {};
  for (const [field, child] of Object.entries(test)) {
    if (field === 'ramp' && child.items !== undefined) leaves(child.items, 'ramp', ['ramp'], false, out);
    else if (isNumeric(child)) leaves(child, 'test', [field], false, out);
  }
  return out;
}

export const METRICS: readonly Metric[] = buildTable();

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Readonly<Record<string, unknown>>)[name] : undefined;
}

/**
 * A metric's value in a tier, a ramp verdict or a test (by its scope); null or undefined when it
 * was not measured. A map's absent key counted nothing: 0.
 */
export function readValue(metric: Metric, row: TierResult | RampVerdict | TestResult, key: string | undefined): number | null | undefined {
  if (metric.compute !== undefined) return 'startedAtEpochMs' in row ? metric.compute(row) : undefined;
  let value: unknown = row;
  for (const name of metric.path) value = field(value, name);
  if (metric.map) {
    const entry = field(value, key ?? '');
    return typeof entry === 'number' ? entry : 0;
  }
  return typeof value === 'number' ? value : value === null ? null : undefined;
}
