// --print-metrics: the metric table (metrics.ts) as --threshold reads it: each name, its unit, and
// whether it is summed or judged tier by tier.
import { METRICS, type Metric, type MetricUnit } from './metrics.js';

const UNIT_TEXT: Record<MetricUnit, string> = {
  micros: 'duration (µs; write 20ms, 500us, 1s)',
  millis: 'duration (ms; write 20ms, 1s)',
  bytes: 'bytes (B, KB, MB, GB)',
  percent: 'percent (95 or 95%)',
  fraction: '0…1 (or %)',
  rate: 'per second (k, M)',
  count: 'count (k, M)',
  number: 'number',
};

function judged(metric: Metric): string {
  if (metric.scope === 'test') return 'per test';
  if (metric.scope === 'ramp') return 'per --ramp verdict';
  return metric.summable ? 'summed over tiers' : 'every tier';
}

export function renderMetricTable(): string {
  const width = Math.max(...METRICS.map((m) => m.name.length));
  const unitWidth = Math.max(...METRICS.map((m) => UNIT_TEXT[m.unit].length));
  const lines = [
    'Metrics for --threshold [TEST[TIER].]METRIC OP VALUE (a name may be shortened to its unambiguous end: p99, delivered_per_sec):',
    ...METRICS.map((m) => `  ${m.name.padEnd(width)}  ${UNIT_TEXT[m.unit].padEnd(unitWidth)}  ${judged(m)}${m.description === undefined ? '' : `: ${m.description}`}`),
    'Without TEST only counts are allowed, summed over the whole run (errors==0). TIER: [1000], [1k], [msgpack], [1000/1 KB].',
  ];
  return `${lines.join('\n')}\n`;
}
