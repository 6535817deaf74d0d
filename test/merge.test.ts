// Merging results of several client processes or runs (bench/merge/): counts summed, histograms
// merged exactly, rates over the common window, consistency recomputed against the server.
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { mergeTiers } from '../bench/merge/tier.js';
import { checkDistinctRuns, checkWindowsOverlap } from '../bench/merge/compatibility.js';
import { checkedInput, histogramProblem, type MergeInput } from '../bench/merge/input.js';
import { UsageError } from '../bench/options/usage-error.js';
import { describeCountedNote } from '../bench/report/counted-notes.js';
import { mergeRunResults, mergeTestResults, windowStartSkewMs } from '../bench/merge/run.js';
import { addScalingEfficiency } from '../bench/merge/scaling.js';
import { mergeProcessUsage } from '../bench/merge/usage.js';
import type { LatencySummary, MessageCounts, ProcessUsage, RunResult, ServerSide, TierResult } from '../bench/results.js';
import { createLatencyHistogram, recordMicros, summarizeHistogram } from '../bench/stats/histogram.js';
import { emptyServerCounters } from '../bench/server/stats.js';
import { runOptions } from './fixtures/run-result.js';

/** A file holding one result, as merge takes it in (inputs.ts reads files and standard input the same way). */
function readMergeInput(file: string): MergeInput {
  const text = readFileSync(file, 'utf8');
  return checkedInput(JSON.parse(text) as unknown, basename(file), text);
}

function usage(cpuMicros: number, elu: number, wallMicros = 2_000_000): ProcessUsage {
  return { eventLoopUtilization: elu, eventLoopMeasured: true, cpuUserMicros: cpuMicros, cpuSystemMicros: 0, cpuCores: cpuMicros / wallMicros, rssBytes: 50_000_000, wallMicros };
}

function histogramOf(values: readonly number[]): LatencySummary {
  const h = createLatencyHistogram();
  for (const v of values) recordMicros(h, v);
  const summary = summarizeHistogram(h)!;
  h.destroy();
  return summary;
}

function messages(delivered: number, start: number, end: number, sent = delivered): MessageCounts {
  const windowMs = end - start;
  return {
    sent, delivered, queuedBytesAtSendEnd: 10, payloadBytes: 175, windowMs, windowStartEpochMs: start, windowEndEpochMs: end, sendPhaseMs: windowMs - 5,
    deliveredPerSec: delivered / (windowMs / 1000), deliveredMBPerSec: 0, perConnectionPerSec: 0,
  };
}

function tier(extra: Partial<TierResult>): TierResult {
  return {
    test: 'throughput', startedAtEpochMs: 1_000, endedAtEpochMs: 3_000, connections: 100, params: { durationSec: 1 },
    connectionCounts: { attempted: 100, established: 100, failed: 0, failedByKind: {} },
    serverErrors: {}, unexpectedCloses: {}, client: usage(1_000_000, 0.5), saturated: 'neither', notes: ['saturation: part verdict'],
    ...extra,
  };
}

function serverSide(dataMessages: number, pings: number): ServerSide {
  const counters = emptyServerCounters();
  counters.messages.text = dataMessages + pings;
  counters.messages.json = dataMessages + pings;
  counters.pings = pings;
  return { counters, cpuUserMicros: 500_000, cpuSystemMicros: 0, cpuCores: 0 };
}

/** A small deterministic generator, so the test does not depend on Math.random. */
function samples(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 50 + (x % 200_000);
  });
}

describe('mergeTiers', () => {
  test('counts are summed across parts', () => {
    const a = tier({
      connectionCounts: { attempted: 100, established: 98, failed: 2, failedByKind: { timeout: 2 } },
      messages: messages(1000, 1000, 2000), serverErrors: { RATE_LIMITED: 1 }, unexpectedCloses: { '1006': 2 },
    });
    const b = tier({
      connections: 101,
      connectionCounts: { attempted: 101, established: 100, failed: 1, failedByKind: { refused: 1, timeout: 0 } },
      messages: messages(3000, 1000, 2000, 3100), serverErrors: { RATE_LIMITED: 2, AUTH_FAILED: 1 }, unexpectedCloses: { '1011': 1 },
    });
    const m = mergeTiers({ parts: [a, b], sources: ['worker 1', 'worker 2'] });
    assert.equal(m.connections, 201);
    assert.deepEqual(m.connectionCounts, { attempted: 201, established: 198, failed: 3, failedByKind: { timeout: 2, refused: 1 } });
    assert.equal(m.messages?.sent, 4100);
    assert.equal(m.messages?.delivered, 4000);
    assert.equal(m.messages?.queuedBytesAtSendEnd, 20);
    assert.deepEqual(m.serverErrors, { RATE_LIMITED: 3, AUTH_FAILED: 1 });
    assert.deepEqual(m.unexpectedCloses, { '1006': 2, '1011': 1 });
    assert.equal(m.workers?.length, 2);
  });

  test('the merged latency histogram equals one histogram of all samples', () => {
    const first = samples(7, 3000);
    const second = samples(11, 5000).map((v) => v * 3);
    const m = mergeTiers({
      parts: [tier({ test: 'ping-latency', latency: histogramOf(first) }), tier({ test: 'ping-latency', latency: histogramOf(second) })],
      sources: ['a', 'b'],
    });
    const all = histogramOf([...first, ...second]);
    const { hdr: _mergedHdr, ...merged } = m.latency!;
    const { hdr: _allHdr, ...expected } = all;
    assert.deepEqual(merged, expected);
    assert.equal(m.latency!.count, 8000);
    // Averaging the parts' p99 would give a different (wrong) answer here.
    const averagedP99 = (histogramOf(first).p99 + histogramOf(second).p99) / 2;
    assert.notEqual(m.latency!.p99, averagedP99);
  });

  test('TLS handshake histograms merge like the others; tiers without them get none', () => {
    const a = samples(7, 300);
    const b = samples(8, 500);
    const m = mergeTiers({ parts: [tier({ tlsHandshake: histogramOf(a) }), tier({ tlsHandshake: histogramOf(b) })], sources: ['a', 'b'] });
    assert.deepEqual(m.tlsHandshake?.p99, histogramOf([...a, ...b]).p99);
    assert.equal(m.tlsHandshake?.count, 800);
    assert.equal(mergeTiers({ parts: [tier({}), tier({})], sources: ['a', 'b'] }).tlsHandshake, undefined);
  });

  test('rates are recomputed over the common window, not added up', () => {
    // Two clients, 100,000 messages each, windows 1.0–3.0 s and 1.5–3.5 s: common window 2.5 s.
    const a = tier({ messages: messages(100_000, 1000, 3000), startedAtEpochMs: 1000, endedAtEpochMs: 3000 });
    const b = tier({ messages: messages(100_000, 1500, 3500), startedAtEpochMs: 1500, endedAtEpochMs: 3500 });
    const m = mergeTiers({ parts: [a, b], sources: ['a', 'b'] });
    assert.equal(m.messages?.windowStartEpochMs, 1000);
    assert.equal(m.messages?.windowEndEpochMs, 3500);
    assert.equal(m.messages?.windowMs, 2500);
    assert.equal(m.messages?.deliveredPerSec, 80_000);
    assert.equal(m.messages?.perConnectionPerSec, 400);
    assert.equal(m.messages?.deliveredMBPerSec, (80_000 * 175) / 1e6);
    assert.equal(m.startedAtEpochMs, 1000);
    assert.equal(m.endedAtEpochMs, 3500);
  });

  test('connect rate is established connections over the common window', () => {
    const a = tier({ test: 'connection-storm', connectRatePerSec: 500, startedAtEpochMs: 0, endedAtEpochMs: 200 });
    const b = tier({ test: 'connection-storm', connectRatePerSec: 400, startedAtEpochMs: 50, endedAtEpochMs: 250 });
    const m = mergeTiers({ parts: [a, b], sources: ['a', 'b'] });
    assert.equal(m.connectRatePerSec, 200 / 0.25);
  });

  test('client usage: CPU summed over the common window, ELU averaged; the busiest process decides saturation', () => {
    const merged = mergeProcessUsage([usage(1_800_000, 0.95), usage(600_000, 0.25)], 2_000_000);
    assert.equal(merged.cpuUserMicros, 2_400_000);
    assert.equal(merged.cpuCores, 1.2);
    assert.equal(merged.eventLoopUtilization, 0.6);
    assert.equal(merged.rssBytes, 100_000_000);
    const m = mergeTiers({ parts: [tier({ client: usage(1_900_000, 0.97) }), tier({ client: usage(200_000, 0.1) })], sources: ['a', 'b'], server: serverSide(0, 0) });
    assert.equal(m.saturated, 'client');
    assert.ok(m.notes.some((n) => n.startsWith('saturation (busiest of 2')));
    assert.ok(!m.notes.includes('saturation: part verdict'), 'the parts\' own verdicts are replaced');
  });

  test('consistency is recomputed from the summed client counts and the given server counters', () => {
    const parts = [tier({ messages: messages(1000, 0, 1000) }), tier({ messages: messages(2500, 0, 1000) })];
    const ok = mergeTiers({ parts, sources: ['a', 'b'], server: serverSide(3500, 200) });
    assert.equal(ok.consistency?.ok, true);
    assert.equal(ok.consistency?.clientDelivered, 3500);
    assert.equal(ok.consistency?.serverReceived, 3500);
    const bad = mergeTiers({ parts, sources: ['a', 'b'], server: serverSide(3400, 200) });
    assert.equal(bad.consistency?.ok, false);
    assert.ok(bad.notes.some((n) => n.startsWith('ERROR:')));
    // A dead client's messages reached the server but are not counted: only server ≥ client holds.
    const incomplete = mergeTiers({ parts, sources: ['a', 'b'], server: serverSide(9000, 300), incomplete: true, partial: 'worker 3 died' });
    assert.equal(incomplete.consistency?.ok, true);
    assert.equal(incomplete.partial, 'worker 3 died');
  });

  test('a partial part makes the merged tier partial; notes from some parts name them', () => {
    const m = mergeTiers({
      parts: [tier({ partial: 'interrupted by SIGINT', notes: ['only here'] }), tier({ notes: [] })],
      sources: ['worker 1', 'worker 2'],
    });
    assert.equal(m.partial, 'interrupted by SIGINT');
    assert.ok(m.notes.includes('worker 1: only here'));
  });
});

describe('mergeTestResults / mergeRunResults', () => {
  function run(start: number, delivered: number, url = 'ws://10.0.0.5:5006/wse'): RunResult {
    const t = tier({ messages: messages(delivered, start, start + 2000), startedAtEpochMs: start, endedAtEpochMs: start + 2000, server: serverSide(delivered * 2, 100) });
    return {
      schemaVersion: 2, tool: { name: 'wse-bench-ts', version: '0' }, startedAt: new Date(start).toISOString(), finishedAt: new Date(start + 3000).toISOString(),
      environment: { runtime: 'node', runtimeVersion: '20', platform: 'linux', arch: 'x64', cpuModel: 'x', cpus: 2, totalMemoryBytes: 1, hostname: 'h' },
      transport: 'core', procs: 1, server: { embedded: false, url }, options: runOptions(), tests: [{ test: 'throughput', tiers: [t] }],
    };
  }

  test('runs merge tier by tier, state the clock skew they assumed, and add their processes', () => {
    const merged = mergeRunResults([run(10_000, 1000), run(10_012.5, 1000)], ['a.json', 'b.json']);
    assert.equal(merged.procs, 2);
    const t = merged.tests[0]!.tiers[0]!;
    assert.equal(t.messages?.delivered, 2000);
    assert.equal(t.messages?.windowMs, 2012.5);
    assert.ok(t.notes.some((n) => n.includes('began 12.5 ms apart')), t.notes.join(' | '));
    // Same server URL: one reading stands for all (each run read the whole server), not their sum.
    assert.equal(t.server?.counters.pings, 100);
    // Each run's reading (2,000 data messages) already holds both runs' traffic; a sum would say 4,000.
    assert.equal(t.consistency?.serverReceived, 2000);
    assert.equal(t.consistency?.ok, true);
    assert.equal(windowStartSkewMs(merged.tests[0]!.tiers), 0);
  });

  test('runs against different servers add their server counters', () => {
    const merged = mergeRunResults([run(0, 1000, 'ws://a/wse'), run(0, 500, 'ws://b/wse')], ['a', 'b']);
    assert.equal(merged.tests[0]!.tiers[0]!.server?.counters.pings, 200);
    assert.equal(merged.tests[0]!.tiers[0]!.server?.counters.messages.text, 3000 + 200);
  });

  test('a partial run makes the merge partial', () => {
    const b = run(0, 10);
    b.partial = 'interrupted by SIGINT';
    assert.equal(mergeRunResults([run(0, 10), b], ['a', 'b']).partial, 'b: interrupted by SIGINT');
  });

  test('the server side given per tier (the launcher\'s own readings) wins over the parts', () => {
    const parts = [{ test: 'throughput' as const, tiers: [tier({ messages: messages(10, 0, 1000) })] }, { test: 'throughput' as const, tiers: [tier({ messages: messages(20, 0, 1000) })] }];
    const merged = mergeTestResults(parts, { sources: ['w1', 'w2'], serverForTier: () => serverSide(30, 200) });
    assert.equal(merged.tiers[0]!.consistency?.ok, true);
    assert.equal(merged.tiers[0]!.server?.counters.pings, 200);
  });

  test('scaling efficiency = aggregate ÷ (N × single)', () => {
    const one = tier({ params: { procs: 1 }, messages: messages(100_000, 0, 1000) });
    const two = tier({ params: { procs: 2 }, messages: messages(180_000, 0, 1000) });
    const result = { test: 'throughput' as const, tiers: [one, two] };
    addScalingEfficiency(result);
    assert.equal(two.params['scalingEfficiency'], 0.9);
    assert.equal(one.params['scalingEfficiency'], undefined);
  });
});

describe('counts survive merging (issue 12)', () => {
  test('counted notes are added up, the sentence comes from the sums; notes in words name who made them', () => {
    const part = (closed: number): TierResult => tier({
      countedNotes: [{ kind: 'closed-before-barrier', count: closed }, { kind: 'pings-unanswered', count: 1, of: 50 }],
      notes: ['100 connections closed before the barrier: their messages are not counted'],
    });
    const m = mergeTiers({ parts: [part(100), part(100)], sources: ['worker 1', 'worker 2'] });
    assert.deepEqual(m.countedNotes, [{ kind: 'closed-before-barrier', count: 200 }, { kind: 'pings-unanswered', count: 2, of: 100 }]);
    assert.equal(describeCountedNote(m.countedNotes![0]!), '200 connections closed before the barrier: their messages are not counted');
    // a schema-1 note in words is each part's own: it is never shown as the merged tier's
    assert.ok(m.notes.includes('worker 1, worker 2: 100 connections closed before the barrier: their messages are not counted'), m.notes.join(' | '));
  });

  test('equal partial causes from several parts are one cause; a merged rate over nothing is null', () => {
    const empty = messages(0, 1000, 1000);
    const m = mergeTiers({
      parts: [tier({ partial: 'every connection closed unexpectedly', messages: empty }), tier({ partial: 'every connection closed unexpectedly', messages: empty })],
      sources: ['a', 'b'],
    });
    assert.equal(m.partial, 'every connection closed unexpectedly');
    assert.equal(m.messages?.deliveredPerSec, null);
  });
});

describe('merge inputs are checked, each refusal naming the file (issue 12)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wse-merge-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A run with one throughput tier measured from `start` for 2 s, written to `name`. */
  function writeRun(name: string, start: number, edit: (run: RunResult) => void = () => undefined): string {
    const t = tier({ messages: messages(1000, start, start + 2000), startedAtEpochMs: start, endedAtEpochMs: start + 2000, connectLatency: histogramOf([100, 200]) });
    const run: RunResult = {
      schemaVersion: 2, tool: { name: 'wse-bench-ts', version: '0' }, startedAt: new Date(start).toISOString(), finishedAt: new Date(start + 3000).toISOString(),
      environment: { runtime: 'node', runtimeVersion: '20', platform: 'linux', arch: 'x64', cpuModel: 'x', cpus: 2, totalMemoryBytes: 1, hostname: 'h', pid: Math.round(start) },
      transport: 'core', procs: 1, server: { embedded: false, url: 'ws://10.0.0.5:5006/wse' }, options: runOptions(), tests: [{ test: 'throughput', tiers: [t] }],
    };
    edit(run);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(run));
    return path;
  }

  function refusal(action: () => void): string {
    try {
      action();
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      return error.message;
    }
    return assert.fail('accepted');
  }

  test('a corrupt histogram: the file and the field are named', () => {
    const file = writeRun('corrupt-hdr.json', 10_000, (run) => (run.tests[0]!.tiers[0]!.connectLatency!.hdr = 'HISTFAAAAB'));
    assert.match(refusal(() => readMergeInput(file)), /^merge: .*corrupt-hdr\.json: tests\[0\]\.tiers\[0\]\.connectLatency\.hdr is not a usable HDR histogram \(/);
  });

  test('a histogram that would inflate without bound is refused before it is decoded', () => {
    const bomb = Buffer.alloc(8);
    bomb.writeInt32BE(0x1c849314, 0);
    const deflated = deflateSync(Buffer.alloc(8 * 1024 * 1024));
    bomb.writeInt32BE(deflated.length, 4);
    const encoded = Buffer.concat([bomb, deflated]).toString('base64');
    assert.match(histogramProblem(encoded) ?? '', /does not inflate within 1024 KiB/);
  });

  test('the same run twice: by content, and by start, host and pid', () => {
    const a = writeRun('a.json', 10_000);
    const copy = join(dir, 'copy-of-a.json');
    writeFileSync(copy, readFileSync(a));
    assert.match(refusal(() => checkDistinctRuns([readMergeInput(a), readMergeInput(copy)])), /copy-of-a\.json and .*a\.json are the same file content: merging would count it twice/);
    const reformatted = writeRun('a-again.json', 10_000, (run) => (run.finishedAt = 'later'));
    assert.match(refusal(() => checkDistinctRuns([readMergeInput(a), readMergeInput(reformatted)])), /are the same run \(started .* on h, pid 10000\)/);
    checkDistinctRuns([readMergeInput(a), readMergeInput(writeRun('b.json', 10_005))]);
  });

  test('a tier without the messages its test requires is refused by the schema', () => {
    const file = writeRun('no-messages.json', 10_000, (run) => delete run.tests[0]!.tiers[0]!.messages);
    assert.match(refusal(() => readMergeInput(file)), /no-messages\.json is not a wse-bench JSON result \(\$\.tests\[0\]\.tiers\[0\]: missing required "messages"\)/);
  });

  test('windows that do not overlap are refused; overlapping ones merge', () => {
    const first = readMergeInput(writeRun('first.json', 10_000));
    const later = readMergeInput(writeRun('later.json', 20_000));
    assert.match(refusal(() => checkWindowsOverlap([first, later])), /throughput tier 1 \(100 connections\): .*later\.json was measured from .*, after .*first\.json's ended at .*; windows that do not overlap have no common rate/);
    checkWindowsOverlap([first, readMergeInput(writeRun('overlapping.json', 11_000))]);
  });

  test('a schema-1 file still merges: its zeros for "nothing measured" become nulls', () => {
    const old = readMergeInput(writeRun('schema-1.json', 10_000, (run) => {
      Object.assign(run, { schemaVersion: 1 });
      const t = run.tests[0]!.tiers[0]!;
      Object.assign(t.messages!, { delivered: 0, deliveredPerSec: 0, deliveredMBPerSec: 0, perConnectionPerSec: 0 });
      t.latency = { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, p999: 0, p9999: 0, max: 0, hdr: histogramOf([5]).hdr };
    }));
    assert.equal(old.run.schemaVersion, 2);
    const t = old.run.tests[0]!.tiers[0]!;
    assert.equal(t.latency, null);
    assert.equal(t.messages?.deliveredPerSec, null);
    const merged = mergeRunResults([old.run, readMergeInput(writeRun('new.json', 10_500)).run], ['schema-1.json', 'new.json']);
    assert.equal(merged.schemaVersion, 2);
    assert.equal(merged.tests[0]!.tiers[0]!.messages?.delivered, 1000);
  });
});
