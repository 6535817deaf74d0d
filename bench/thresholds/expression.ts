// A threshold as the user writes it, k6-style, and as the evaluator reads it:
//
//   [TEST[ '[' TIER ']' ] '.'] METRIC  OP  NUMBER[UNIT]
//
//   TEST    one of the seven tests; without it, only counts (summed over the whole run): errors==0
//   TIER    a tier's connections (1000, 1k) and/or a row label (msgpack, 1 KB): [1000], [msgpack], [1000/msgpack]
//   METRIC  a name from the metric table (metrics.ts), or its unambiguous end: delivered_per_sec,
//           p99 (ping-latency's latency.p99), server_errors.RATE_LIMITED; camelCase is read too
//   OP      <  <=  >  >=  ==  !=
//   UNIT    durations need one: us µs ms s m; sizes B KB MB GB (1024); percent %; rates and counts k M
//
// Without TIER, a count is summed over the test's tiers (throughput.errors<=5) and any other figure
// must hold in every tier (throughput.delivered_per_sec>=1e6: each tier at least 1M msg/s).
import { TEST_NAMES, type TestName } from '../options/choices.js';
import { didYouMean } from '../options/suggest.js';
import { UsageError } from '../options/usage-error.js';
import type { ValueKind } from '../options/value-kinds.js';
import { METRICS, PRIMARY_GROUPS, snakeCase, type Metric, type MetricUnit } from './metrics.js';

export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface TierSelector {
  connections?: number;
  /** Lower case, without spaces: '1kb', 'msgpack'. */
  label?: string;
}

export interface Threshold {
  /** As given: 'ping-latency[1000].p99<=20ms'. */
  readonly text: string;
  readonly test: TestName | undefined;
  readonly tier: TierSelector | undefined;
  readonly metric: Metric;
  /** A map metric's key (RATE_LIMITED, 1006). */
  readonly key: string | undefined;
  readonly op: Comparison;
  /** In the metric's own unit (µs, ms, bytes, a fraction…). */
  readonly bound: number;
}

/** --threshold's value: checked when given (grammar, metric name), kept as written. */
export const thresholdExpression: ValueKind<string> = {
  placeholder: '<expr>',
  parse(raw) {
    parseThreshold(raw);
    return raw;
  },
  render: String,
  schema: { type: 'string' },
};

const SHAPE = /^\s*([^<>=!]+?)\s*(<=|>=|==|!=|<|>)\s*(\S.*?)\s*$/;

export function parseThreshold(text: string): Threshold {
  const shape = SHAPE.exec(text);
  if (shape === null) throw new UsageError(`--threshold "${text}": expected METRIC OP VALUE, e.g. 'ping-latency.p99<=20ms' or 'errors==0'`);
  const [, left = '', op = '==', right = ''] = shape;
  const { test, tier, path } = splitSubject(left, text);
  const { metric, key } = resolveMetric(path, test, text);

  if (tier !== undefined && metric.scope === 'test') throw new UsageError(`--threshold "${text}": ${metric.name} belongs to the whole test, not to a tier`);
  return { text, test, tier, metric, key, op: op as Comparison, bound: parseBound(right, metric.unit, text) };
}

/** 'ping-latency[1000].p99' → the test, the tier and 'p99'. */
function splitSubject(left: string, text: string): { test: TestName | undefined; tier: TierSelector | undefined; path: string } {
  const match = /^([a-z][a-z-]*)(?:\[([^\]]*)\])?\.(.+)$/i.exec(left);
  const word = match?.[1];
  if (match === null || word === undefined) {
    if (left.includes('[')) throw new UsageError(`--threshold "${text}": a tier selector follows a test name: ping-latency[1000].p99`);
    return { test: undefined, tier: undefined, path: left };
  }
  const test = TEST_NAMES.find((name) => name === word);
  if (test === undefined) {
    // 'latency.p99' is a metric path, not a test; 'ping-latncy.p99' is a misspelt test
    if (match[2] === undefined && !word.includes('-')) return { test: undefined, tier: undefined, path: left };
    throw new UsageError(`--threshold "${text}": unknown test "${word}"${didYouMean(word, TEST_NAMES)}`);
  }
  return { test, tier: match[2] === undefined ? undefined : parseTier(match[2], text), path: match[3]! };
}

/** '1000', '1k', 'msgpack', '1000/msgpack', '100/1 KB'. */
function parseTier(selector: string, text: string): TierSelector {
  const [first = '', ...rest] = selector.split('/');
  const count = /^\s*(\d+)\s*(k?)\s*$/i.exec(first);
  const tier: TierSelector = {};
  if (count !== null) tier.connections = Number(count[1]) * (count[2] === '' ? 1 : 1000);
  const label = (count !== null ? rest : [first, ...rest]).join('/');
  if (label.trim() !== '') tier.label = normalizeLabel(label);
  if (tier.connections === undefined && tier.label === undefined) throw new UsageError(`--threshold "${text}": empty tier selector []`);
  return tier;
}

export function normalizeLabel(label: string): string {
  return label.replace(/\s+/g, '').toLowerCase();
}

/** The metric `path` names in `test`: exact, or its unambiguous end, the test's own group first. */
function resolveMetric(path: string, test: TestName | undefined, text: string): { metric: Metric; key: string | undefined } {
  const parts = path.split('.');
  const wanted = parts.map(snakeCase).join('.');
  const endsWith = (name: string, end: string): boolean => name === end || name.endsWith(`.${end}`);
  const found: { metric: Metric; key: string | undefined }[] = METRICS.filter((m) => !m.map && endsWith(m.name, wanted)).map((metric) => ({ metric, key: undefined }));
  if (parts.length >= 2) {
    // a map's entry: 'server_errors.RATE_LIMITED' (the key as written), 'failed_by_kind.timeout'
    const base = parts.slice(0, -1).map(snakeCase).join('.');
    for (const metric of METRICS) if (metric.map && endsWith(metric.name.slice(0, -'.<key>'.length), base)) found.push({ metric, key: parts.at(-1)! });
  }
  // Without a test only counts summed over the run can be meant.
  const runWide = test === undefined ? found.filter((f) => f.metric.scope === 'tier' && f.metric.summable) : found;
  if (runWide.length === 0 && found.length > 0) throw new UsageError(`--threshold "${text}": ${path} is judged per test: name one, e.g. ping-latency.${path}`);
  if (runWide.length === 1) return runWide[0]!;
  if (found.length === 0) {
    const names = METRICS.map((m) => m.name);
    const hint = didYouMean(wanted, names) || didYouMean(wanted, names.map((n) => n.split('.').at(-1)!));
    throw new UsageError(`--threshold "${text}": unknown metric "${path}"${hint} (wse-bench --print-metrics lists them)`);
  }
  for (const group of test === undefined ? [] : PRIMARY_GROUPS[test]) {
    const inGroup = found.filter((f) => f.metric.name.startsWith(`${group}.`));
    if (inGroup.length === 1) return inGroup[0]!;
  }
  const names = runWide.map((f) => (f.key === undefined ? f.metric.name : f.metric.name.replace('<key>', f.key)));
  throw new UsageError(`--threshold "${text}": "${path}" could be ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}: write more of it`);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const DURATION_MICROS: Readonly<Record<string, number>> = { us: 1, 'µs': 1, ms: 1e3, s: 1e6, m: 6e7 };
const MAGNITUDE: Readonly<Record<string, number>> = { '': 1, k: 1e3, K: 1e3, M: 1e6 };

/** The bound in the metric's unit: '20ms' → 20,000 for a µs metric, '1e6' for a rate, '95%' → 0.95 for a fraction. */
function parseBound(raw: string, unit: MetricUnit, text: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-zµ%]*)(\/s)?$/i.exec(raw);
  if (match === null) throw new UsageError(`--threshold "${text}": "${raw}" is not a number`);
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  const refuse = (expected: string): never => {
    throw new UsageError(`--threshold "${text}": ${expected}, got "${raw}"`);
  };
  if (match[3] !== undefined && unit !== 'rate') refuse('only rates take /s');
  switch (unit) {
    case 'micros':
    case 'millis': {
      const micros = DURATION_MICROS[suffix];
      if (micros === undefined) refuse(`a duration needs a unit (${value}ms, ${value}us, ${value}s)`);
      return (value * micros!) / (unit === 'millis' ? 1000 : 1);
    }
    case 'bytes': {
      const factor = SIZE_UNITS[suffix.toLowerCase()];
      if (factor === undefined) refuse('a size takes B, KB, MB or GB');
      return value * factor!;
    }
    case 'percent':
      if (suffix !== '' && suffix !== '%') refuse('a percentage takes %');
      return value;
    case 'fraction':
      if (suffix !== '' && suffix !== '%') refuse('a fraction takes a number from 0 to 1, or %');
      return suffix === '%' ? value / 100 : value;
    case 'rate':
    case 'count': {
      const factor = MAGNITUDE[suffix];
      if (factor === undefined) refuse(suffix === 'm' ? 'write M for millions' : 'a count or rate takes k or M');
      return value * factor!;
    }
    case 'number':
      if (suffix !== '') refuse('a plain number');
      return value;
  }
}
