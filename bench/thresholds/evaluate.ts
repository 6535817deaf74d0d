// Judging thresholds against results: at the end of a run (every threshold passes or fails), or
// while it runs, for --fail-fast (a threshold that can no longer pass fails at once; the others
// stay pending). A value that was not measured (absent, or null) fails, never passes.
import { formatBytes, formatCompact, formatInteger, formatLatency } from '../report/format.js';
import type { RampVerdict, TestResult, ThresholdOutcome, TierResult } from '../results.js';
import { normalizeLabel, type Comparison, type Threshold, type TierSelector } from './expression.js';
import { readValue, type Metric } from './metrics.js';

export type Verdict = 'pass' | 'fail' | 'pending';

export interface Judgement {
  verdict: Verdict;
  /** The value that decided (the worst row, or the sum); null when nothing was measured. */
  value: number | null;
  /** Which row decided: 'ping-latency 1,000'. */
  where?: string;
}

function holds(value: number, op: Comparison, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '==':
      return value === bound;
    case '!=':
      return value !== bound;
  }
}

type Row = TierResult | RampVerdict;

function matches(row: Row, tier: TierSelector | undefined): boolean {
  if (tier === undefined) return true;
  if (tier.connections !== undefined && row.connections !== tier.connections) return false;
  return tier.label === undefined || (row.label !== undefined && normalizeLabel(row.label) === tier.label);
}

function rowName(test: TestResult, row: Row): string {
  return `${test.test} ${formatInteger(row.connections)}${row.label === undefined ? '' : ` ${row.label}`}`;
}

/**
 * Judges `threshold` on `tests`; with `final` false, only a verdict no later result can change is
 * given (a whole test's figure waits for the end: judge it with `final` once its test is over).
 */
export function judge(threshold: Threshold, tests: readonly TestResult[], final: boolean): Judgement {
  // Run-wide counts leave out connection-limit, whose failed connects are how it finds the limit.
  const selected = tests.filter((t) => (threshold.test === undefined ? t.test !== 'connection-limit' : t.test === threshold.test));
  const { metric } = threshold;
  if (metric.scope === 'test') {
    const test = selected[0];
    if (test === undefined || !final) return { verdict: final ? 'fail' : 'pending', value: null };
    return judgeRows(threshold, [{ value: readValue(metric, test, undefined), where: test.test }], true);
  }
  const rows: { value: number | null | undefined; where: string }[] = [];
  for (const test of selected) {
    const source: readonly Row[] = metric.scope === 'ramp' ? (test.ramp ?? []) : test.tiers;
    for (const row of source) if (matches(row, threshold.tier)) rows.push({ value: readValue(metric, row, threshold.key), where: rowName(test, row) });
  }
  return metric.summable ? judgeSum(threshold, rows, final) : judgeRows(threshold, rows, final);
}

/** Counts add up: judged on their sum, which only grows, so a bound below it already fails. */
function judgeSum(threshold: Threshold, rows: readonly { value: number | null | undefined }[], final: boolean): Judgement {
  let total = 0;
  let measured = false;
  for (const row of rows) {
    if (typeof row.value !== 'number') continue;
    total += row.value;
    measured = true;
  }
  if (!measured) return { verdict: final ? 'fail' : 'pending', value: null };
  const passes = holds(total, threshold.op, threshold.bound);
  if (final) return { verdict: passes ? 'pass' : 'fail', value: total };
  const exceeded = threshold.op === '<' ? total >= threshold.bound : (threshold.op === '<=' || threshold.op === '==') && total > threshold.bound;
  return { verdict: exceeded ? 'fail' : 'pending', value: total };
}

/** Every row must pass; the worst one is shown (a missing value first, then the one furthest past the bound). */
function judgeRows(threshold: Threshold, rows: readonly { value: number | null | undefined; where: string }[], final: boolean): Judgement {
  if (rows.length === 0) return { verdict: final ? 'fail' : 'pending', value: null };
  const unmeasured = rows.find((r) => typeof r.value !== 'number');
  if (unmeasured !== undefined) return { verdict: 'fail', value: null, where: unmeasured.where };
  const measured = rows.filter((r): r is { value: number; where: string } => typeof r.value === 'number');
  const lower = threshold.op === '<' || threshold.op === '<=';
  const worst = measured.reduce((a, b) => {
    if (threshold.op === '==' || threshold.op === '!=') return holds(a.value, threshold.op, threshold.bound) ? b : a;
    return lower === b.value > a.value ? b : a;
  });
  const passes = measured.every((r) => holds(r.value, threshold.op, threshold.bound));
  return { verdict: passes ? (final ? 'pass' : 'pending') : 'fail', value: worst.value, where: worst.where };
}

/** A value in its metric's unit, as the reports write it: '6.1 ms', '598K/s', '1,024', '97.5%'. */
export function formatMetricValue(metric: Metric, value: number): string {
  switch (metric.unit) {
    case 'micros':
      return formatLatency(value);
    case 'millis':
      return formatLatency(value * 1000);
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${Number(value.toFixed(2))}%`;
    case 'fraction':
      return value.toFixed(2);
    case 'rate':
      return `${formatCompact(value)}/s`;
    case 'count':
      return formatInteger(value);
    case 'number':
      return String(Number(value.toPrecision(4)));
  }
}

/** The end-of-run verdict of every threshold, as results record it. */
export function thresholdOutcomes(thresholds: readonly Threshold[], tests: readonly TestResult[]): ThresholdOutcome[] {
  return thresholds.map((threshold) => {
    const judgement = judge(threshold, tests, true);
    const metric = threshold.key === undefined ? threshold.metric.name : threshold.metric.name.replace('<key>', threshold.key);
    const outcome: ThresholdOutcome = {
      threshold: threshold.text,
      metric: threshold.test === undefined ? metric : `${threshold.test}.${metric}`,
      passed: judgement.verdict === 'pass',
      value: judgement.value,
      measured: judgement.value === null ? 'not measured' : formatMetricValue(threshold.metric, judgement.value),
    };
    if (judgement.where !== undefined) outcome.where = judgement.where;
    return outcome;
  });
}
