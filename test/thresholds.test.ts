// Thresholds: the grammar (the examples verbatim, units, tier selectors, every refusal a
// usage error before the run), the metric table derived from the results' schema, the verdicts
// (a value not measured fails, never passes; every tier must pass; counts add up), --fail-fast's
// "can no longer pass", and the exit code a run ends with.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonSchema } from '../bench/json-schema.js';
import type { BenchOptions } from '../bench/options/bench-options.js';
import { UsageError } from '../bench/options/usage-error.js';
import { EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_THRESHOLD_FAILED } from '../bench/process/exit-codes.js';
import { RUN_RESULT_SCHEMA } from '../bench/report/schema.js';
import type { RunResult, TestResult, TierResult } from '../bench/results.js';
import { judgeRun } from '../bench/run-verdict.js';
import { judge, thresholdOutcomes } from '../bench/thresholds/evaluate.js';
import { parseThreshold, type Threshold } from '../bench/thresholds/expression.js';
import { METRICS } from '../bench/thresholds/metrics.js';
import { checkThresholds, runThresholds } from '../bench/thresholds/run-thresholds.js';
import { runOptions, sampleRunResult } from './fixtures/run-result.js';

function refusal(text: string): string {
  try {
    parseThreshold(text);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(!error.message.includes('\n'));
    return error.message;
  }
  assert.fail(`accepted: ${text}`);
}

function settingsRefusal(options: BenchOptions): string {
  try {
    checkThresholds(options);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail('accepted');
}

describe('threshold grammar', () => {
  test('the issue\'s examples, verbatim', () => {
    const delivered = parseThreshold('throughput.delivered_per_sec>=1e6');
    assert.equal(delivered.test, 'throughput');
    assert.equal(delivered.metric.name, 'messages.delivered_per_sec');
    assert.equal(delivered.op, '>=');
    assert.equal(delivered.bound, 1e6);

    const p99 = parseThreshold('ping-latency.p99<=20ms');
    assert.equal(p99.metric.name, 'latency.p99', 'ping-latency\'s own latency, not connect_latency');
    assert.equal(p99.bound, 20_000, 'µs');

    const errors = parseThreshold('errors==0');
    assert.equal(errors.test, undefined);
    assert.equal(errors.metric.name, 'errors');

    const tier = parseThreshold('ping-latency[1000].p99<=20ms');
    assert.deepEqual(tier.tier, { connections: 1000 });
  });

  test('units: durations need one; sizes, percentages, fractions and magnitudes convert', () => {
    assert.equal(parseThreshold('ping-latency.p99 < 500us').bound, 500);
    assert.equal(parseThreshold('ping-latency.p99<1.5s').bound, 1_500_000);
    assert.equal(parseThreshold('sustained-hold.hold.held_ms>=10s').bound, 10_000, 'a ms metric in ms');
    assert.equal(parseThreshold('throughput.delivered_per_sec>=1.2M').bound, 1_200_000);
    assert.equal(parseThreshold('throughput.delivered_per_sec>=500k/s').bound, 500_000);
    assert.equal(parseThreshold('throughput.client.rss_bytes<512MB').bound, 512 * 1024 ** 2);
    assert.equal(parseThreshold('sustained-hold.survival_pct>=99.5%').bound, 99.5);
    assert.equal(parseThreshold('throughput.client.event_loop_utilization<90%').bound, 0.9);
    assert.match(refusal('ping-latency.p99<20'), /a duration needs a unit \(20ms, 20us, 20s\)/);
    assert.match(refusal('throughput.delivered_per_sec>=1ms'), /a count or rate takes k or M/);
    assert.match(refusal('throughput.delivered_per_sec>=1m'), /write M for millions/);
    assert.match(refusal('errors==zero'), /"zero" is not a number/);
  });

  test('selectors: connections with k, row labels, both', () => {
    assert.deepEqual(parseThreshold('throughput[1k].delivered_per_sec>1').tier, { connections: 1000 });
    assert.deepEqual(parseThreshold('format-comparison[msgpack].delivered_per_sec>1').tier, { label: 'msgpack' });
    assert.deepEqual(parseThreshold('size-matrix[100/1 KB].delivered_per_sec>1').tier, { connections: 100, label: '1kb' });
  });

  test('names: camelCase, full paths, map entries, and the did-you-mean of a typo', () => {
    assert.equal(parseThreshold('throughput.deliveredPerSec>1').metric.name, 'messages.delivered_per_sec');
    assert.equal(parseThreshold('throughput.messages.delivered_mb_per_sec>1').metric.unit, 'rate');
    const rateLimited = parseThreshold('throughput.server_errors.RATE_LIMITED==0');
    assert.equal(rateLimited.metric.name, 'server_errors.<key>');
    assert.equal(rateLimited.key, 'RATE_LIMITED', 'the key as written');
    assert.equal(parseThreshold('connection_counts.failed_by_kind.timeout==0').key, 'timeout');
    assert.match(refusal('ping-latency.p99.9<1ms'), /unknown metric/);
    assert.match(refusal('erors==0'), /unknown metric "erors" \(did you mean errors\?\)/);
    assert.match(refusal('ping-latncy.p99<5ms'), /unknown test "ping-latncy" \(did you mean ping-latency\?\)/);
    assert.match(refusal('throughput.delivred_per_sec>1'), /did you mean delivered_per_sec\?/);
  });

  test('refusals: ambiguous ends, figures without a test, a tier of a whole-test figure, bad shapes', () => {
    assert.match(refusal('format-comparison.p99<1ms'), /could be connect_latency.p99, tls_handshake.p99, latency.p99, open_loop.corrected.p99, …: write more of it/);
    assert.equal(parseThreshold('connection-storm.count>1').metric.name, 'connect_latency.count', 'the test\'s own group decides');
    assert.match(refusal('p99<5ms'), /p99 is judged per test: name one, e.g\. ping-latency\.p99/);
    assert.match(refusal('delivered_per_sec>1'), /delivered_per_sec is judged per test/);
    assert.match(refusal('connection-limit[1000].max_stable_connections>1'), /belongs to the whole test/);
    assert.match(refusal('throughput.delivered_per_sec'), /expected METRIC OP VALUE/);
    assert.match(refusal('[1000].p99<1ms'), /a tier selector follows a test name/);
  });
});

/** Every numeric leaf of a schema definition, as dotted field paths. */
function numericLeaves(schema: JsonSchema, path: string[] = []): string[] {
  const resolved = schema.$ref !== undefined ? RUN_RESULT_SCHEMA.$defs![schema.$ref.replace('#/$defs/', '')]! : schema;
  const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
  if (types.includes('number') || types.includes('integer')) return [path.join('.')];
  return Object.entries(resolved.properties ?? {}).flatMap(([key, child]) => numericLeaves(child, [...path, key]));
}

describe('metric table', () => {
  test('every number of a tier in the results\' schema is a metric (but timestamps and the tier\'s size)', () => {
    const names = new Set(METRICS.map((m) => m.path.join('.')));
    const leaves = numericLeaves(RUN_RESULT_SCHEMA.$defs!['tier']!).filter((path) => !path.includes('Epoch') && path !== 'connections');
    assert.ok(leaves.length > 40, `${leaves.length} leaves`);
    for (const leaf of leaves) assert.ok(names.has(leaf), `${leaf} is missing from the metric table`);
    assert.ok(METRICS.some((m) => m.name === 'max_stable_connections' && m.scope === 'test'));
    assert.ok(METRICS.some((m) => m.name === 'ramp.highest_passing_total' && m.scope === 'ramp'));
  });

  test('units follow the names: latency summaries in µs, …Ms in ms, …Bytes sizes, …PerSec rates', () => {
    const unit = (name: string) => METRICS.find((m) => m.name === name)?.unit;
    assert.equal(unit('latency.p99'), 'micros');
    assert.equal(unit('latency.count'), 'count');
    assert.equal(unit('messages.window_ms'), 'millis');
    assert.equal(unit('messages.queued_bytes_at_send_end'), 'bytes');
    assert.equal(unit('connect_rate_per_sec'), 'rate');
    assert.equal(unit('hold.survival_pct'), 'percent');
    assert.equal(unit('client.event_loop_utilization'), 'fraction');
  });
});

function tier(test: TierResult['test'], connections: number, extra: Partial<TierResult> = {}): TierResult {
  return { ...sampleRunResult().tests[0]!.tiers[0]!, test, connections, connectionCounts: { attempted: connections, established: connections, failed: 0, failedByKind: {} }, serverErrors: {}, unexpectedCloses: {}, ...extra };
}

function latency(p99: number) {
  return { count: 10, min: 1, mean: p99 / 2, p50: p99 / 2, p95: p99, p99, p999: p99, p9999: p99, max: p99, hdr: '' };
}

describe('verdicts', () => {
  const tests: TestResult[] = [
    { test: 'ping-latency', tiers: [tier('ping-latency', 100, { latency: latency(6_000) }), tier('ping-latency', 1000, { latency: latency(25_000) })] },
    { test: 'throughput', tiers: [tier('throughput', 100, { connectionCounts: { attempted: 100, established: 97, failed: 3, failedByKind: { timeout: 3 } }, serverErrors: { RATE_LIMITED: 2 } })] },
  ];

  test('every tier must pass; the worst tier is the one shown', () => {
    const all = judge(parseThreshold('ping-latency.p99<=20ms'), tests, true);
    assert.equal(all.verdict, 'fail');
    assert.equal(all.value, 25_000);
    assert.equal(all.where, 'ping-latency 1,000');
    assert.equal(judge(parseThreshold('ping-latency[100].p99<=20ms'), tests, true).verdict, 'pass');
    assert.equal(judge(parseThreshold('ping-latency.p99>=1ms'), tests, true).value, 6_000, 'a lower bound shows the lowest');
  });

  test('a value that was not measured fails as "not measured", never passes', () => {
    // throughput's tier has no messages (a tier that ended before sending), and null stands for nothing measured
    const outcome = thresholdOutcomes([parseThreshold('throughput.delivered_per_sec>=0')], tests)[0]!;
    assert.equal(outcome.passed, false);
    assert.equal(outcome.value, null);
    assert.equal(outcome.measured, 'not measured');
    const nulled: TestResult[] = [{ test: 'ping-latency', tiers: [tier('ping-latency', 100, { latency: { ...latency(1), p99: null } as unknown as TierResult['latency'] })] }];
    assert.equal(judge(parseThreshold('ping-latency.p99<=20ms'), nulled, true).verdict, 'fail');
    assert.equal(judge(parseThreshold('ping-latency.p99>=0ms'), nulled, true).verdict, 'fail', 'even a bound every number meets');
    assert.equal(judge(parseThreshold('sustained-hold.p99<=20ms'), tests, true).verdict, 'fail', 'a test that did not run');
  });

  test('counts add up over tiers and the run; connection-limit\'s failures are not the run\'s errors', () => {
    assert.deepEqual(judge(parseThreshold('errors==0'), tests, true), { verdict: 'fail', value: 5 });
    assert.equal(judge(parseThreshold('errors<=5'), tests, true).verdict, 'pass');
    assert.equal(judge(parseThreshold('throughput.server_errors.RATE_LIMITED==2'), tests, true).verdict, 'pass');
    assert.equal(judge(parseThreshold('throughput.server_errors.AUTH_FAILED==0'), tests, true).verdict, 'pass', 'an absent key counted 0');
    const withLimit = [...tests, { test: 'connection-limit' as const, tiers: [tier('connection-limit', 8000, { connectionCounts: { attempted: 8000, established: 5000, failed: 3000, failedByKind: {} } })] }];
    assert.equal(judge(parseThreshold('errors==5'), withLimit, true).verdict, 'pass');
    assert.equal(judge(parseThreshold('connection-limit.errors==3000'), withLimit, true).verdict, 'pass');
  });

  test('while the run goes (--fail-fast): only what can no longer pass fails', () => {
    assert.equal(judge(parseThreshold('ping-latency.p99<=20ms'), tests, false).verdict, 'fail', 'a tier over the bound');
    assert.equal(judge(parseThreshold('ping-latency.p99<=30ms'), tests, false).verdict, 'pending', 'later tiers may still fail it');
    assert.equal(judge(parseThreshold('errors<5'), tests, false).verdict, 'fail', 'a count at its limit only grows');
    assert.equal(judge(parseThreshold('errors>10'), tests, false).verdict, 'pending', 'it may still grow past it');
    assert.equal(judge(parseThreshold('sustained-hold.p99<=20ms'), tests, false).verdict, 'pending', 'not run yet');
    assert.equal(judge(parseThreshold('connection-limit.max_stable_connections>=100'), [], false).verdict, 'pending');
  });
});

describe('the run\'s thresholds and its settings', () => {
  test('--slo-ms without --ramp is a threshold; with --ramp it is not', () => {
    const open = runThresholds(runOptions(['--test', 'throughput', '--rate', '100', '--slo-ms', '20']));
    assert.equal(open.length, 1);
    assert.equal(open[0]!.metric.name, 'slo_failures');
    assert.equal(runThresholds(runOptions(['--test', 'throughput', '--ramp', '10,20', '--slo-ms', '20'])).length, 0);
  });

  test('a threshold the run could never judge is refused before it starts', () => {
    const options = runOptions(['--test', 'ping-latency', '--tiers', '100,1000']);
    const withThreshold = (text: string): BenchOptions => ({ ...options, thresholds: [text] });
    assert.match(settingsRefusal(withThreshold('throughput.delivered_per_sec>1')), /throughput is not among the tests this run runs/);
    assert.match(settingsRefusal(withThreshold('ping-latency[2000].p99<1ms')), /runs tiers 100, 1000, not 2000/);
    assert.match(settingsRefusal(withThreshold('ping-latency.open_loop.corrected.p99<1ms')), /open loop only/);
    const sizes = runOptions(['--test', 'size-matrix', '--sizes', '64,1k']);
    assert.match(settingsRefusal({ ...sizes, thresholds: ['size-matrix[2KB].delivered_per_sec>1'] }), /has rows 64 B, 1 KB/);
    assert.match(settingsRefusal({ ...options, failFast: true }), /--fail-fast needs a --threshold/);
    checkThresholds(withThreshold('ping-latency[1k].p99<1ms'));
  });
});

describe('exit code of a finished run', () => {
  const complete = (): RunResult => {
    const run = sampleRunResult();
    delete run.partial;
    run.tests = run.tests.filter((t) => t.test === 'ping-latency' || t.test === 'connection-limit');
    return run;
  };

  test('0: complete, every threshold passed', () => {
    const run = complete();
    run.thresholds = thresholdOutcomes([parseThreshold('ping-latency.p99<=20ms')], run.tests);
    assert.deepEqual(judgeRun(run, undefined), { exitCode: EXIT_OK, line: 'exit 0: complete, the threshold passed' });
  });

  test('99: a threshold failed', () => {
    const run = complete();
    const thresholds: Threshold[] = [parseThreshold('ping-latency.p99<=10ms'), parseThreshold('errors==0')];
    run.thresholds = thresholdOutcomes(thresholds, run.tests);
    const verdict = judgeRun(run, undefined);
    assert.equal(verdict.exitCode, EXIT_THRESHOLD_FAILED);
    assert.equal(verdict.line, 'exit 99: 1 of 2 thresholds failed');
  });

  test('98: PARTIAL tiers, ERROR rows and failed connections, even with every threshold passed', () => {
    const verdict = judgeRun(sampleRunResult(), undefined);
    assert.equal(verdict.exitCode, EXIT_INCOMPLETE);
    assert.match(verdict.line, /1 PARTIAL tier \(throughput 1,000: interrupted by SIGINT\)/);
    assert.match(verdict.line, /1 ERROR row: client and server disagree \(throughput 100\)/);
    assert.match(verdict.line, /connections failed in 1 tier \(connection-storm 1,000: 2 of 1,000\)/);
  });

  test('connection-limit\'s failed probes are its result, not an incomplete run', () => {
    const run = complete();
    const limit = run.tests.find((t) => t.test === 'connection-limit')!;
    limit.tiers[0]!.connectionCounts = { attempted: 8000, established: 5000, failed: 3000, failedByKind: { 'server-full': 3000 } };
    assert.equal(judgeRun(run, undefined).exitCode, EXIT_OK);
  });

  test('130 when interrupted, whatever else', () => {
    assert.equal(judgeRun(sampleRunResult(), EXIT_INTERRUPTED).exitCode, EXIT_INTERRUPTED);
  });
});
