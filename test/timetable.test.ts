// --shard and --start-at: the options and their refusals, each tier split across shards as --procs
// splits it, the timetable every shard computes alike from the options, and the clock that keeps a
// run to it (waits for each slot; a phase reached late runs at once and its row says how late).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shareOf } from '../bench/launcher/ipc.js';
import { shardShare } from '../bench/launcher/shard.js';
import { buildTimetable, connectBudgetMs, describeTimetable, slotsOf } from '../bench/launcher/timetable.js';
import { LATE_TOLERANCE_MS, startTimetable, TimetableClock } from '../bench/launcher/timetable-clock.js';
import { CLOSE_BOUND_MS } from '../bench/engine/pool.js';
import type { TestResult, TierResult } from '../bench/results.js';
import { runOptions, usageRefusal } from './fixtures/run-result.js';

const START = 1_900_000_000_000;

describe('--shard and --start-at on the command line', () => {
  test('--shard i/n counts from 0, like JOB_COMPLETION_INDEX, and needs --start-at', () => {
    const o = runOptions(['--shard', '3/4', '--start-at', String(START), '--test', 'throughput']);
    assert.deepEqual(o.shard, { index: 3, count: 4 });
    assert.equal(o.startAtEpochMs, START);
    assert.match(usageRefusal(['--shard', '4/4', '--start-at', '1', '--test', 'throughput']), /counted from 0.*0\/4 … 3\/4/);
    assert.match(usageRefusal(['--shard', '1', '--start-at', '1', '--test', 'throughput']), /expects <index>\/<count>/);
    assert.match(usageRefusal(['--shard', '0/0', '--start-at', '1', '--test', 'throughput']), /between 1 and 10000/);
    assert.match(usageRefusal(['--shard', '0/2', '--test', 'throughput']), /--shard 0\/2 needs --start-at/);
  });

  test('a timetable refuses what it cannot schedule: connection-limit, fanout, a --procs list, tiers smaller than the shard count', () => {
    assert.match(usageRefusal(['--start-at', '1']), /connection-limit cannot run on a timetable/);
    assert.match(usageRefusal(['--shard', '0/2', '--start-at', '1', '--test', 'throughput,fanout']), /^--shard: fanout cannot run on a timetable/);
    assert.match(usageRefusal(['--shard', '0/2', '--start-at', '1', '--test', 'connection-limit']), /^--shard: connection-limit/);
    assert.match(usageRefusal(['--start-at', '1', '--test', 'throughput', '--procs', '1,2']), /give one count/);
    assert.match(usageRefusal(['--shard', '0/8', '--start-at', '1', '--test', 'throughput', '--tiers', '5,100']), /tier of 5 connections gives some shards none/);
  });

  test('--secret-file reads the secret (one trailing newline dropped); it and --secret exclude each other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wse-bench-secret-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, 's3cret value\n');
      assert.equal(runOptions(['--secret-file', file]).secret, 's3cret value');
      writeFileSync(file, 'no-newline');
      assert.equal(runOptions(['--secret-file', file]).secret, 'no-newline');
      assert.match(usageRefusal(['--secret-file', file, '--secret', 'x']), /exclude each other/);
      assert.match(usageRefusal(['--secret-file', join(dir, 'missing')]), /cannot read it \(ENOENT\)/);
      writeFileSync(file, '\n');
      assert.match(usageRefusal(['--secret-file', file]), /is empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a shard\'s share of every tier', () => {
  test('100,000 over 4 shards is 25,000 each; the split is --procs\'s, and --procs still splits a shard', () => {
    const options = runOptions(['--shard', '1/4', '--start-at', '1', '--test', 'throughput,sustained-hold', '--tiers', '100000,10']);
    const share = shardShare(options);
    assert.deepEqual(share.tiers, [25_000, 3]);
    assert.deepEqual(share.tiersByTest?.['sustained-hold'], [25_000, 3]);
    assert.deepEqual(options.tiers, [100_000, 10], 'the options as given are left alone (the result records them)');
    for (const n of [10, 7, 100_001]) {
      const shares = [0, 1, 2, 3].map((index) => shardShare({ ...options, tiers: [n], tiersByTest: {}, shard: { index, count: 4 } }).tiers[0]!);
      assert.deepEqual(shares, [0, 1, 2, 3].map((index) => shareOf(n, index, 4)));
      const perProcess = shares.flatMap((s) => [0, 1, 2].map((k) => shareOf(s, k, 3)));
      assert.equal(perProcess.reduce((a, b) => a + b, 0), n, 'shards × processes add up to the tier');
    }
    assert.equal(shardShare(runOptions([])).tiers, runOptions([]).tiers, 'no --shard: unchanged');
  });
});

describe('the timetable', () => {
  const argv = ['--start-at', String(START), '--test', 'throughput,size-matrix,connection-storm', '--tiers', '1000,3000', '--sizes', '64,1024',
    '--duration', '5', '--cell-duration', '2', '--batch-size', '500', '--connect-timeout', '4000', '--procs', '2', '--warmup', '0'];

  test('every shard computes the same one from the options alone', () => {
    const tables = [0, 1, 2].map((i) => buildTimetable(runOptions([...argv, '--shard', `${i}/3`]), START));
    assert.deepEqual(tables[1], tables[0]);
    assert.deepEqual(tables[2], tables[0]);
    assert.deepEqual(describeTimetable(tables[0]!, { ...runOptions(argv), shard: undefined }), describeTimetable(tables[2]!, { ...runOptions(argv), shard: undefined }));
  });

  test('connect budget: batches of the largest per-process share × --connect-timeout; slots follow one another with their budgets', () => {
    const options = runOptions([...argv, '--shard', '2/3']);
    const table = buildTimetable(options, START);
    // 3,000 over 3 shards and 2 processes: at most 500 a process, one batch of 500.
    const big = table.tiers.find((t) => t.test === 'throughput' && t.connections === 3000)!;
    assert.equal(big.perProcess, 500);
    assert.equal(connectBudgetMs(500, options), 4000);
    assert.equal(connectBudgetMs(501, options), 8000);
    const first = table.tiers[0]!;
    assert.deepEqual(first.slots.map((s) => [s.phase, s.what]), [['connect', 'connect'], ['start', 'measure'], ['done', 'close']]);
    const [connect, measure, close] = first.slots.map((s) => s.offsetMs);
    assert.equal(connect, 0, 'the first tier connects at --start-at');
    assert.equal(measure! - connect!, connectBudgetMs(first.perProcess, options) + 1000, 'connect budget + settle');
    assert.equal(close! - measure!, 5000 + 2000, 'duration + the PONG barrier');
    assert.equal(table.tiers[1]!.slots[0]!.offsetMs - close!, CLOSE_BOUND_MS + 1000, 'close budget + the gap');
    const offsets = table.tiers.flatMap((t) => t.slots.map((s) => s.offsetMs));
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'slots never go back in time');
    assert.ok(table.endOffsetMs > offsets.at(-1)!);
  });

  test('one measure slot per row of the result: size-matrix cells, storm\'s measured connect', () => {
    const table = buildTimetable(runOptions(argv), START);
    const cells = slotsOf(table, 'size-matrix').filter((s) => s.phase === 'start');
    assert.deepEqual(cells.map((s) => [s.row, s.what]), [[0, 'measure 64 B'], [1, 'measure 1 KB'], [2, 'measure 64 B'], [3, 'measure 1 KB']]);
    const done = slotsOf(table, 'size-matrix').filter((s) => s.phase === 'done');
    assert.deepEqual(done.map((s) => s.row), [1, 3], 'a tier\'s close belongs to its last row');
    const storm = slotsOf(table, 'connection-storm');
    assert.deepEqual(storm.map((s) => [s.phase, s.row]), [['start', 0], ['done', 0], ['start', 1], ['done', 1]]);
  });

  test('a ramp gets a slot per step; shown up front with the shard\'s share', () => {
    const options = runOptions(['--start-at', String(START), '--shard', '0/2', '--test', 'throughput', '--tiers', '10', '--ramp', '10,20,40', '--slo-ms', '5', '--duration', '1']);
    const table = buildTimetable(options, START);
    assert.deepEqual(slotsOf(table, 'throughput').filter((s) => s.phase === 'start').map((s) => s.what), [
      'measure 10/s per conn', 'measure 20/s per conn', 'measure 40/s per conn',
    ]);
    const lines = describeTimetable(table, options);
    assert.match(lines[0]!, /^timetable from 2030-03-17T17:46:40\.000Z, shard 0\/2/);
    assert.match(lines[1]!, /connect = ⌈connections a process ÷ --batch-size 500⌉ × --connect-timeout 10000 ms/);
    assert.match(lines[2]!, /^ {2}throughput 10 conns \(5 a process, 5 in this shard\): connect \+0\.0 s, measure \+11\.0 s … \+19\.0 s \(3 cells\), close \+22\.0 s$/);
    assert.match(lines.at(-1)!, /^ {2}ends \+28\.0 s \(/);
  });
});

describe('the clock that keeps a run to its timetable', () => {
  const tier = (): TierResult => ({
    test: 'throughput', startedAtEpochMs: 0, endedAtEpochMs: 0, connections: 10, params: {},
    connectionCounts: { attempted: 10, established: 10, failed: 0, failedByKind: {} }, serverErrors: {}, unexpectedCloses: {},
    client: { eventLoopUtilization: 0, cpuUserMicros: 0, cpuSystemMicros: 0, cpuCores: 0, rssBytes: 0, wallMicros: 0 }, saturated: 'unknown', notes: [],
  });
  const options = runOptions(['--start-at', String(START), '--shard', '1/2', '--test', 'throughput', '--tiers', '10,20', '--duration', '1', '--connect-timeout', '1000']);

  test('waits for a slot that is ahead; \'connected\' and phases without a slot pass at once', async () => {
    const startAt = Date.now() + 400;
    const clock = new TimetableClock(buildTimetable(options, startAt), new AbortController().signal, options.shard);
    clock.beginTest('throughput');
    const before = Date.now();
    await clock.reach('connect');
    assert.ok(Date.now() >= startAt - 5, `waited until the slot (${Date.now() - startAt} ms from it)`);
    assert.ok(Date.now() - before >= 300);
    const passing = Date.now();
    await clock.reach('connected');
    assert.ok(Date.now() - passing < 50, 'connected has no slot');
    const result: TestResult = { test: 'throughput', tiers: [tier(), tier()] };
    clock.markLate(result);
    assert.equal(result.tiers[0]!.partial, undefined, 'on time: not marked');
  });

  test('a phase reached after its slot runs at once; its row is marked partial with how late, and lateMs', async () => {
    const startAt = Date.now() - 3_000;
    const clock = new TimetableClock(buildTimetable(options, startAt), new AbortController().signal, options.shard);
    clock.beginTest('throughput');
    const before = Date.now();
    await clock.reach('connect'); // slot +0 s: 3 s late
    await clock.reach('start'); // slot +2 s: 1 s late
    await clock.reach('done'); // slot +5 s: still 2 s ahead
    assert.ok(Date.now() - before >= 1_500, 'waited for the close slot that was still ahead');
    const result: TestResult = { test: 'throughput', tiers: [tier(), tier()] };
    clock.markLate(result);
    const row = result.tiers[0]!;
    assert.match(row.partial ?? '', /^shard 1\/2 began its connect 3,\d{3} ms after its slot \(\+0\.0 s\): out of step with the timetable; shard 1\/2 began its measure 1,\d{3} ms after its slot \(\+2\.0 s\)/);
    assert.ok(row.lateMs !== undefined && row.lateMs >= 3_000 && row.lateMs < 4_000);
    assert.equal(result.tiers[1]!.partial, undefined, 'the second tier was not reached');
  });

  test('an aborted run stops waiting; slots are searched forward, so a skipped row never shifts the rest', async () => {
    const controller = new AbortController();
    const clock = new TimetableClock(buildTimetable(options, Date.now() + 60_000), controller.signal, undefined);
    clock.beginTest('throughput');
    const waiting = clock.reach('start');
    controller.abort();
    await waiting;
    // The next 'done' is the first tier's, then the second tier's connect: not shifted onto other phases.
    await clock.reach('done');
    const result: TestResult = { test: 'throughput', tiers: [tier(), tier()] };
    clock.markLate(result);
    assert.equal(result.tiers[0]!.partial, undefined);
  });

  test('startTimetable shows the timetable and says when --start-at has passed; none without --start-at', () => {
    const lines: string[] = [];
    assert.equal(startTimetable(runOptions(['--test', 'throughput']), new AbortController().signal, (l) => lines.push(l)), undefined);
    assert.equal(lines.length, 0);
    const past = { ...options, startAtEpochMs: Date.now() - 10_000 };
    assert.ok(startTimetable(past, new AbortController().signal, (l) => lines.push(l)) instanceof TimetableClock);
    assert.match(lines[0]!, /^timetable from .*, shard 1\/2/);
    assert.match(lines.at(-1)!, /^warning: --start-at was 10\.\d s ago/);
    assert.ok(LATE_TOLERANCE_MS < 1_000);
  });
});
