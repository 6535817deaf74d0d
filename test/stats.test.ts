// Statistics: HDR latency summaries, merging through histograms, latency counts in HDR buckets, process usage, saturation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncodedHistograms,
  mergeLatencySummaries,
  recordMicros,
  summarizeHistogram,
} from '../bench/stats/histogram.js';
import { LatencyCounts } from '../bench/stats/latency-counts.js';
import { ProcessUsageMeter } from '../bench/stats/process-usage.js';
import { judgeSaturation } from '../bench/stats/saturation.js';
import type { ProcessUsage, ServerSide } from '../bench/results.js';
import { emptyServerCounters } from '../bench/server/stats.js';

/** Within HDR's 3-significant-digit resolution (0.1 %, plus one unit). */
function assertClose(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 1, `${actual} is not within 0.1 % of ${expected}`);
}

describe('latency histogram', () => {
  test('percentiles of 1…10,000 µs', () => {
    const h = createLatencyHistogram();
    for (let v = 1; v <= 10_000; v++) recordMicros(h, v);
    const s = summarizeHistogram(h)!;
    assert.equal(s.count, 10_000);
    assert.equal(s.min, 1);
    assertClose(s.p50, 5_000);
    assertClose(s.p95, 9_500);
    assertClose(s.p99, 9_900);
    assertClose(s.p999, 9_990);
    assertClose(s.p9999, 9_999);
    assertClose(s.max, 10_000);
    assertClose(s.mean, 5_000.5);
    assert.ok(s.hdr.length > 0);
  });

  test('a skewed distribution: p99 sees the slow tail, p50 does not', () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < 980; i++) recordMicros(h, 100);
    for (let i = 0; i < 20; i++) recordMicros(h, 50_000);
    const s = summarizeHistogram(h)!;
    assertClose(s.p50, 100);
    assertClose(s.p95, 100);
    assertClose(s.p99, 50_000);
    assertClose(s.max, 50_000);
  });

  test('sub-microsecond values count as 1 µs and huge values resize the histogram', () => {
    const h = createLatencyHistogram();
    recordMicros(h, 0.2);
    recordMicros(h, 7.2e9); // two hours: above the initial highest trackable value
    const s = summarizeHistogram(h)!;
    assert.equal(s.count, 2);
    assert.equal(s.min, 1);
    assertClose(s.max, 7.2e9);
  });

  test('an empty histogram summarises to null: nothing measured is not zero (issue 12)', () => {
    assert.equal(summarizeHistogram(createLatencyHistogram()), null);
  });

  test('encode → decode keeps every count', () => {
    const h = createLatencyHistogram();
    for (let v = 10; v <= 90_000; v += 7) recordMicros(h, v);
    const decoded = decodeHistogram(encodeHistogram(h));
    const a = summarizeHistogram(h)!;
    const b = summarizeHistogram(decoded)!;
    assert.deepEqual({ ...b, hdr: '' }, { ...a, hdr: '' });
  });

  test('merging two histograms equals one histogram of all values', () => {
    const left = createLatencyHistogram();
    const right = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 0; i < 5_000; i++) {
      const fast = 50 + ((i * 37) % 400);
      const slow = 2_000 + ((i * 91) % 30_000);
      recordMicros(left, fast);
      recordMicros(right, slow);
      recordMicros(all, fast);
      recordMicros(all, slow);
    }
    const merged = summarizeHistogram(mergeEncodedHistograms([encodeHistogram(left), encodeHistogram(right)]))!;
    const expected = summarizeHistogram(all)!;
    assert.deepEqual({ ...merged, hdr: '' }, { ...expected, hdr: '' });
    // Averaging the two p99s would give a very different (wrong) answer.
    const averaged = (summarizeHistogram(left)!.p99 + summarizeHistogram(right)!.p99) / 2;
    assert.notEqual(Math.round(averaged), merged.p99);
  });

  test('mergeLatencySummaries skips missing entries and merges the rest', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    recordMicros(a, 10);
    recordMicros(b, 1_000);
    const merged = mergeLatencySummaries([summarizeHistogram(a), undefined, summarizeHistogram(b), null]);
    assert.ok(merged !== undefined && merged !== null);
    assert.equal(merged.count, 2);
    assertClose(merged.max, 1_000);
    assert.equal(mergeLatencySummaries([undefined]), undefined);
    // empty ones stay empty: null, not a summary of zeros
    assert.equal(mergeLatencySummaries([null, undefined, null]), null);
  });
});

describe('process usage', () => {
  test('busy work shows as CPU time and (where measured) event-loop utilisation', async () => {
    const meter = new ProcessUsageMeter();
    let x = 0;
    // Busy inside a callback, then let the loop turn: ELU is only accounted between iterations.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const until = Date.now() + 80;
        while (Date.now() < until) x += Math.sqrt(x + 1);
        resolve();
      }, 1),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const usage = meter.stop();
    assert.ok(x > 0);
    assert.ok(usage.wallMicros >= 75_000, `wall ${usage.wallMicros}`);
    assert.ok(usage.cpuUserMicros + usage.cpuSystemMicros > 20_000, 'cpu time recorded');
    assert.ok(usage.cpuCores > 0.2, `cpuCores ${usage.cpuCores}`);
    assert.ok(usage.rssBytes > 1_000_000);
    if (!('Bun' in globalThis)) {
      assert.equal(usage.eventLoopMeasured, true);
      assert.ok(usage.eventLoopUtilization > 0.4, `elu ${usage.eventLoopUtilization}`);
    } else {
      // Bun reports zeros: the meter must say it could not measure, not claim an idle loop.
      assert.equal(usage.eventLoopMeasured, false);
    }
  });
});

describe('saturation', () => {
  const usage = (elu: number, cores: number): ProcessUsage => ({
    eventLoopUtilization: elu,
    cpuUserMicros: 0,
    cpuSystemMicros: 0,
    cpuCores: cores,
    rssBytes: 0,
    wallMicros: 1_000_000,
  });
  const server = (cores: number): ServerSide => ({ counters: emptyServerCounters(), cpuUserMicros: 0, cpuSystemMicros: 0, cpuCores: cores });

  test('the client event loop at 0.95 is the limit', () => {
    assert.equal(judgeSaturation(usage(0.95, 0.7), server(0.3), 1).saturated, 'client');
  });
  test('a server using a whole core per worker is the limit', () => {
    const verdict = judgeSaturation(usage(0.5, 0.5), server(1.85), 2);
    assert.equal(verdict.saturated, 'server');
    assert.match(verdict.reason, /server CPU 1\.85 cores over 2 worker/);
  });
  test('two workers at one core in total are not saturated', () => {
    assert.equal(judgeSaturation(usage(0.5, 0.5), server(1.0), 2).saturated, 'neither');
  });
  test('both busy: the busier side is named', () => {
    assert.equal(judgeSaturation(usage(0.92, 0.9), server(0.99), 1).saturated, 'server');
  });
  test('without server numbers an idle client cannot tell', () => {
    assert.equal(judgeSaturation(usage(0.2, 0.2), undefined, 1).saturated, 'unknown');
  });
});

describe('LatencyCounts', () => {
  test("counts in HDR's buckets: the histogram it gives summarises and encodes exactly as recording each value does", () => {
    const counts = new LatencyCounts();
    const direct = createLatencyHistogram();
    const values = [1, 2, 1000, 2047, 2048, 2049, 4095, 4096, 65_535, 1_000_000, 123_456_789, 0x7fffffff];
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      values.push((x % 5_000_000) + 1);
    }
    for (const v of values) {
      counts.record(v);
      recordMicros(direct, v);
    }
    assert.equal(counts.total, values.length);
    const fromCounts = counts.toHistogram();
    assert.deepEqual(summarizeHistogram(fromCounts), summarizeHistogram(direct));
    fromCounts.destroy();
    direct.destroy();
  });

  test('below 1 µs counts as 1 µs, the lowest latency', () => {
    const counts = new LatencyCounts();
    counts.record(0);
    counts.record(-5);
    const histogram = counts.toHistogram();
    assert.equal(summarizeHistogram(histogram)?.max, 1);
    histogram.destroy();
  });
});
