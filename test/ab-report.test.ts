// bench:ab's issue 14 verdicts and section (scripts/ab/): from a synthetic session, the ratios to
// the native floor point the right way, each goal is judged at its threshold, the throughput cost
// is the client's CPU per message against the JS writer's per frame, and without a Rust compiler
// the native column is said to be left out. No benchmark runs here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { groupsOf, metricsOf, nativeSinkKey, NATIVE_FLOOR_KEY, scaleOf } from '../scripts/ab/metrics.js';
import { abSection } from '../scripts/ab/report.js';
import { Samples } from '../scripts/ab/samples.js';
import { issue14Verdicts, type Session } from '../scripts/ab/targets.js';

/** Ratios of medians, compared to the last bits that floating point leaves. */
function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is not ${expected}`);
}

function sessionOf(samples: Samples, writers: Session['writers'], nativeUnavailable?: string): Session {
  const scale = scaleOf(false);
  return {
    quick: false, repeat: 3, holdRounds: 3, runtimes: ['node'], labels: new Map([['node', 'Node 20.20.2']]), scale, groups: groupsOf(scale, 3), metrics: metricsOf(scale),
    samples, ceilings: new Map(), writers, nativeUnavailable, procs: { 1: [], 2: [], cpu1: [], cpu2: [] }, memory: new Map(), errors: [],
    banner: 'ws://127.0.0.1:1/wse transport=core mode=sink', serverRuntime: 'Bun 1.4.5', pinning: undefined, startedMs: Date.now(),
    load: { before: { uptime: 'load average: 0.10', oneMinute: 0.1 }, after: { uptime: 'load average: 0.20', oneMinute: 0.2 } }, profiles: {},
  };
}

function samplesOf(): Samples {
  const samples = new Samples();
  // Ping p50 at 100: core 1.2 ms against native 1.0 (met, ≤ 1.25×); p99 at 100: 4 against 2 (not met).
  for (const [key, p50, p99, storm] of [['node/core', 1.2, 4, 9000], [NATIVE_FLOOR_KEY, 1.0, 2, 10_000], ['node/ws', 3, 12, 3000], ['node/floor', 1.1, 3, 9500]] as const) {
    for (const value of [p50, p50 * 1.1, p50 * 0.9]) samples.add(key, 'pingP50_100', value);
    samples.add(key, 'pingP99_100', p99);
    samples.add(key, 'storm1000', storm);
  }
  samples.add(nativeSinkKey('node/core'), 'cpuPerMsg', 50);
  samples.add(nativeSinkKey('node/core'), 'size64k', 1200);
  samples.add('node/core', 'size64k', 800);
  samples.add('node/core', 'rssPerConn', 4.9);
  return samples;
}

describe('bench:ab issue 14 verdicts', () => {
  test('latency and storm against the native floor, with core ÷ ws and core ÷ JS floor beside', () => {
    const { native } = issue14Verdicts(sessionOf(samplesOf(), new Map()));
    const byTarget = new Map(native.map((v) => [v.metric, v]));
    const p50 = byTarget.get('pingP50_100')!;
    near(p50.ratio, 1.2, 'p50 core ÷ native');
    assert.equal(p50.met, true);
    assert.equal(p50.rustMet, false, '1.2 ms is above the Rust client\'s 0.72');
    near(p50.wsRatio, 0.4, 'p50 core ÷ ws');
    const p99 = byTarget.get('pingP99_100')!;
    near(p99.ratio, 2, 'p99 core ÷ native');
    assert.equal(p99.met, false);
    const storm = byTarget.get('storm1000')!;
    near(storm.ratio, 0.9, 'storm core ÷ native');
    assert.equal(storm.met, true, '0.9× native is the goal itself');
    assert.equal(storm.rustMet, false, '9,000 conn/s is below the Rust client\'s 11,400');
    near(storm.floorRatio, 9000 / 9500, 'storm core ÷ JS floor');
  });

  test('the client\'s CPU per message against the JS writer\'s per frame; 64 KB and RSS against their thresholds', () => {
    const met = issue14Verdicts(sessionOf(samplesOf(), new Map([['node', [25]], ['native', [10]]]))).costs;
    const cpu = met.find((v) => v.unit === 'ns')!;
    near(cpu.ratio, 2, 'CPU per message ÷ writer per frame');
    assert.equal(cpu.met, true);
    assert.equal(cpu.nativeWriter?.median, 10);
    assert.deepEqual(met.filter((v) => v.unit === 'MB/s').map((v) => [v.target.includes('native sink'), v.met]), [[true, true], [false, false]]);
    assert.equal(met.find((v) => v.unit === 'KB')?.met, true);
    const missed = issue14Verdicts(sessionOf(samplesOf(), new Map([['node', [24]]]))).costs.find((v) => v.unit === 'ns')!;
    assert.equal(missed.met, false, '50 ns is more than 2 × 24');
  });

  test('without the native floor the latency verdicts are open, and the section says why the column is left out', () => {
    const samples = samplesOf();
    const withoutNative = new Samples();
    for (const [key, metrics] of Object.entries(samples.toJSON())) {
      if (key === NATIVE_FLOOR_KEY) continue;
      for (const [metric, values] of Object.entries(metrics)) for (const value of values) withoutNative.add(key, metric as keyof typeof metrics, value);
    }
    const session = sessionOf(withoutNative, new Map(), 'no Rust compiler (cargo) on PATH');
    const { native } = issue14Verdicts(session);
    assert.ok(native.length > 0);
    assert.ok(native.every((v) => v.met === undefined && v.ratio === undefined));
    const section = abSection(session);
    assert.match(section.text, /Native yardstick: left out \(no Rust compiler \(cargo\) on PATH\)/);
    assert.match(section.text, /The native column is left out: no Rust compiler/);
    assert.doesNotMatch(section.text, /Warning: the machine was busy/);
  });

  test('the section shows met / not met per target and records the load', () => {
    const section = abSection(sessionOf(samplesOf(), new Map([['node', [25]]])));
    assert.match(section.text, /^<!-- ab:start -->/);
    assert.match(section.text, /Load \(`uptime`\): before `load average: 0\.10`; after `load average: 0\.20`/);
    assert.match(section.text, /\| Ping p50, 100 conns \| Node 20\.20\.2 \| 1\.20 \(1\.08–1\.32\) ms \| 1\.00 \(0\.90–1\.10\) \| 1\.20× \| ≤ 1\.25× native \| met \|/);
    assert.match(section.text, /\| Ping p99, 100 conns \| Node 20\.20\.2 \| 4\.00 \(4\.00–4\.00\) ms \| 2\.00 \(2\.00–2\.00\) \| 2\.00× \| ≤ 1\.25× native \| \*\*not met\*\* \|/);
    assert.ok(section.gapGroups.has('send'), 'a missed Node latency target is profiled');
  });
});
