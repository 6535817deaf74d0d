// `compare`: the ratio tables from constructed runs, argument handling, and a tiny real comparison
// of core and ws under the current runtime.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompareArgs } from '../bench/compare/command.js';
import { compareTables, HEADLINE_METRICS, type CompareResult } from '../bench/compare/result.js';
import { median } from '../bench/stats/spread.js';
import { resolveRuntime, transportGap } from '../bench/compare/runtimes.js';
import type { RunResult, TierResult } from '../bench/results.js';
import { sampleFanout, sampleTier } from './fixtures/run-result.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;
const currentRuntime = typeof (process.versions as Record<string, string | undefined>)['bun'] === 'string' ? 'bun' : 'node';

/** A throughput tier of 1 s: `deliveredPerSec` messages, which cost the client 0.5 s of CPU. */
function runWithRate(deliveredPerSec: number): RunResult {
  const tier = {
    test: 'throughput', connections: 100, messages: { deliveredPerSec, delivered: deliveredPerSec }, params: {}, connectionCounts: { attempted: 100, established: 100, failed: 0, failedByKind: {} },
    client: { cpuUserMicros: 400_000, cpuSystemMicros: 100_000 },
  } as unknown as TierResult;
  return { tests: [{ test: 'throughput', tiers: [tier] }] } as unknown as RunResult;
}

describe('compare tables', () => {
  test('a fan-out run that received nothing has no deliveries/s (—), not 0', () => {
    const [deliveries] = HEADLINE_METRICS.fanout;
    assert.equal(deliveries!.read(sampleTier('fanout', 10, { fanout: sampleFanout({}) })), 5000);
    assert.equal(deliveries!.read(sampleTier('fanout', 10, { fanout: sampleFanout({ received: 0, deliveriesPerSec: 0 }) })), undefined);
  });

  test('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  test('median, min–max and the ratio to the first combination', () => {
    const result: CompareResult = {
      kind: 'compare', schemaVersion: 1, startedAt: '', finishedAt: '', server: { embedded: true, url: 'ws://x' }, repeat: 3,
      tests: ['throughput'], childArgs: [], skipped: ['transport web under node: Node 20 has no global WebSocket; skipped'],
      combinations: [
        { name: 'core · node', transport: 'core', runtime: 'node', runtimeLabel: 'Node 20' },
        { name: 'ws · node', transport: 'ws', runtime: 'node', runtimeLabel: 'Node 20' },
      ],
      runs: [
        { combination: 'core · node', round: 1, result: runWithRate(400_000) },
        { combination: 'ws · node', round: 1, result: runWithRate(100_000) },
        { combination: 'core · node', round: 2, result: runWithRate(500_000) },
        { combination: 'ws · node', round: 2, result: runWithRate(90_000) },
        { combination: 'core · node', round: 3, result: runWithRate(600_000) },
        { combination: 'ws · node', round: 3, error: 'exit 1: boom' },
      ],
    };
    const [table] = compareTables(result);
    assert.ok(table !== undefined);
    assert.match(table.title, /Throughput.*100 conns/);
    // client CPU per message: 0.5 s over the delivered messages (1,000 ns at 500K)
    assert.deepEqual(table.rows[0], ['core · node', '500K', '400K – 600K', '1.00×', '1000 ns', '833 ns – 1250 ns', '1.00×', '3']);
    assert.deepEqual(table.rows[1], ['ws · node', '95K', '90K – 100K', '0.19×', '5278 ns', '5000 ns – 5556 ns', '5.28×', '2']);
    assert.ok(table.lines.some((l) => l.includes('no global WebSocket')));
    assert.ok(table.lines.some((l) => l.startsWith('FAILED (ws · node, round 3)')));
  });

  test('arguments: lists are checked, server flags go to the server, the rest to each run', () => {
    const args = parseCompareArgs(['--transports', 'core,ws', '--runtimes', 'node', '--repeat', '2', '--test', 'throughput', '--server-mode', 'sink', '--duration', '0.5']);
    assert.notEqual(args, 'help');
    if (args === 'help') return;
    assert.deepEqual(args.transports, ['core', 'ws']);
    assert.deepEqual(args.runtimes, ['node']);
    assert.equal(args.repeat, 2);
    assert.deepEqual(args.serverArgs, ['--server-mode', 'sink']);
    assert.deepEqual(args.childArgs, ['--test', 'throughput', '--duration', '0.5']);
    assert.throws(() => parseCompareArgs(['--runtimes', 'deno']), /unknown "deno"/);
    assert.throws(() => parseCompareArgs(['--transport', 'ws']), /--transports/);
  });

  test('the current runtime resolves; web is refused where there is no global WebSocket', () => {
    const runtime = resolveRuntime(currentRuntime, bundle);
    assert.ok(typeof runtime !== 'string', String(runtime));
    const hasWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
    assert.equal(transportGap(runtime, 'web') === undefined, hasWebSocket);
    assert.equal(transportGap(runtime, 'core'), undefined);
  });
});

describe('dist/bench.js compare', () => {
  test(`core vs ws under ${currentRuntime}, --repeat 2: a table with ratios`, () => {
    const r = spawnSync(
      process.execPath,
      [bundle, 'compare', '--transports', 'core,ws', '--runtimes', currentRuntime, '--repeat', '2', '--test', 'throughput', '--tiers', '20', '--duration', '0.5'],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Throughput .*— 20 conns/);
    const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name));
    const core = row(`core · ${currentRuntime}`);
    const ws = row(`ws · ${currentRuntime}`);
    assert.ok(core !== undefined && ws !== undefined, r.stdout);
    assert.match(core, /1\.00×\s+2$/);
    assert.match(ws, /\d+\.\d\d×\s+2$/);
    assert.doesNotMatch(r.stdout, /FAILED|ERROR/);
    // The four runs were interleaved: core, ws, core, ws.
    const order = [...r.stderr.matchAll(/round (\d)\/2: (\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(order, ['1 core', '1 ws', '2 core', '2 ws']);
  });

  test(`--test fanout: each run drives the embedded server's publisher through its metrics port and has deliveries/s`, () => {
    const r = spawnSync(
      process.execPath,
      [bundle, 'compare', '--transports', 'core,ws', '--runtimes', currentRuntime, '--repeat', '1', '--test', 'fanout', '--tiers', '10', '--duration', '0.5', '--parse', 'none'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Fan-out \(server push, received by the client\) — 10 conns/);
    for (const transport of ['core', 'ws']) {
      const row = r.stdout.split('\n').find((l) => l.startsWith(`${transport} · ${currentRuntime}`));
      // a run that could not start the publisher receives nothing: 0
      assert.match(row ?? r.stdout, /^\S+ · \S+ +[1-9][\d.]*[KM]? /);
    }
    assert.doesNotMatch(r.stdout, /FAILED|ERROR/);
  });
});
