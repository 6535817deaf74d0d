// --procs N: connections split across worker processes, one phase barrier, results merged, and
// the merged counts equal to the embedded server's own counters. A dying worker leaves a partial
// result; a dying launcher leaves no workers behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunArgs } from '../bench/options/resolve-run.js';
import { PhaseBarrier } from '../bench/launcher/barrier.js';
import { shareOf } from '../bench/launcher/ipc.js';
import { EXIT_INCOMPLETE } from '../bench/process/exit-codes.js';
import type { RunResult } from '../bench/results.js';
import { UsageError } from '../bench/options/usage-error.js';
import { serverDataMessages } from '../bench/engine/consistency.js';
import { childrenOf, isAlive } from './fixtures/processes.js';
import { waitFor } from './fixtures/waiting.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;

/** Starts the bundle; resolves when stderr matches `ready` (the send phase is under way). */
function startRun(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bundle, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe('--procs, --per-worker, --start-at on the command line', () => {
  const facts = { hasGlobalWebSocket: true, runtimeLabel: 'test' };
  const options = (argv: string[]) => {
    const parsed = parseRunArgs(argv, facts);
    assert.equal(parsed.kind, 'run');
    return parsed.kind === 'run' ? parsed.options : assert.fail();
  };

  test('a count, auto, and a list (a scaling series)', () => {
    assert.equal(options([]).procs, 1);
    assert.equal(options(['--procs', '3']).procs, 3);
    assert.equal(options(['--procs', '3']).procsSeries, undefined);
    assert.equal(options(['--procs', 'auto']).procs, availableParallelism());
    const series = options(['--procs', '1,2']);
    assert.equal(series.procs, 2);
    assert.deepEqual(series.procsSeries, [1, 2]);
    assert.equal(options(['--procs', '2', '--per-worker']).perWorker, true);
    assert.equal(options(['--start-at', '1795750000000', '--test', 'throughput']).startAtEpochMs, 1795750000000);
  });

  test('refusals are one-line usage errors', () => {
    assert.throws(() => parseRunArgs(['--procs', '0'], facts), UsageError);
    assert.throws(() => parseRunArgs(['--procs', 'many'], facts), UsageError);
    assert.throws(() => parseRunArgs(['--per-worker'], facts), /--per-worker needs --procs/);
    assert.throws(() => parseRunArgs(['--start-at', 'soon'], facts), UsageError);
  });
});

describe('splitting and the barrier', () => {
  test('each tier is split floor + remainder, and the shares add up', () => {
    assert.deepEqual([0, 1, 2].map((i) => shareOf(200, i, 3)), [67, 67, 66]);
    assert.deepEqual([0, 1].map((i) => shareOf(1, i, 2)), [1, 0]);
    for (const n of [1, 7, 100, 1001]) for (const w of [1, 2, 3, 8]) {
      assert.equal(Array.from({ length: w }, (_, i) => shareOf(n, i, w)).reduce((a, b) => a + b, 0), n);
    }
  });

  test('a barrier is released only when every live participant arrived; its hook runs first; a dead one is dropped', async () => {
    const events: string[] = [];
    const barrier = new PhaseBarrier(
      async (phase, seq) => void events.push(`hook ${phase} ${seq}`),
      (participant, seq) => events.push(`release ${participant} ${seq}`),
    );
    barrier.startRound([0, 1, 2]);
    barrier.arrive(0, 1, 'start');
    barrier.arrive(1, 1, 'start');
    await barrier.settled();
    assert.deepEqual(events, []);
    barrier.arrive(2, 1, 'start');
    await barrier.settled();
    assert.deepEqual(events, ['hook start 1', 'release 0 1', 'release 1 1', 'release 2 1']);
    events.length = 0;
    barrier.arrive(0, 2, 'done');
    barrier.arrive(2, 2, 'done');
    await barrier.settled();
    assert.deepEqual(events, []);
    barrier.remove(1); // died
    await barrier.settled();
    assert.deepEqual(events, ['hook done 2', 'release 0 2', 'release 2 2']);
  });
});

describe('dist/bench.js --procs 2', () => {
  test('throughput 200 connections: merged delivered count equals the embedded server\'s counters', () => {
    const r = spawnSync(process.execPath, [bundle, '--test', 'throughput', '--tiers', '200', '--procs', '2', '--duration', '1', '--output', 'json'], {
      cwd: root, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout) as RunResult;
    assert.equal(run.procs, 2);
    assert.equal(run.partial, undefined);
    const tier = run.tests[0]!.tiers[0]!;
    assert.equal(tier.connections, 200);
    assert.equal(tier.connectionCounts.established, 200);
    assert.equal(tier.workers?.length, 2);
    assert.ok(tier.messages !== undefined && tier.messages.delivered > 0);
    assert.ok(tier.server !== undefined, 'the launcher read the server counters');
    assert.equal(serverDataMessages(tier.server.counters), tier.messages.delivered);
    assert.equal(tier.server.counters.messages.json, tier.server.counters.messages.text);
    assert.deepEqual(
      { ok: tier.consistency?.ok, client: tier.consistency?.clientDelivered, server: tier.consistency?.serverReceived },
      { ok: true, client: tier.messages.delivered, server: tier.messages.delivered },
    );
    // The rate is over the common window of both workers.
    assert.ok(Math.abs((tier.messages.deliveredPerSec ?? 0) - tier.messages.delivered / (tier.messages.windowMs / 1000)) < 1e-6);
  });

  test('a worker killed mid-run: partial result with its exit cause, exit 98 (incomplete), the other finished, no orphans', async () => {
    const run = startRun(['--test', 'throughput', '--tiers', '200', '--procs', '2', '--duration', '3', '--output', 'json', '--progress']);
    await waitFor(() => /sending/.test(run.stderr()), 'the send phase', 30_000);
    const workers = childrenOf(run.child.pid!, 'worker');
    const servers = childrenOf(run.child.pid!, 'serve');
    leftovers.push(...workers, ...servers);
    assert.equal(workers.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(workers[1]!, 'SIGKILL');
    const code = await run.exited;
    assert.equal(code, EXIT_INCOMPLETE, run.stderr());
    const result = JSON.parse(run.stdout()) as RunResult;
    assert.match(result.partial ?? '', /killed by SIGKILL/);
    const tier = result.tests[0]!.tiers[0]!;
    assert.match(tier.partial ?? '', /killed by SIGKILL/);
    assert.equal(tier.workers?.length, 1, 'only the surviving worker\'s usage');
    assert.ok((tier.messages?.delivered ?? 0) > 0, 'the other worker finished its tier');
    assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
    await waitFor(() => [...workers, ...servers].every((pid) => !isAlive(pid)), 'workers and server to exit', 10_000);
  });

  test('the launcher killed: its workers exit (IPC disconnect)', async () => {
    const run = startRun(['--test', 'throughput', '--tiers', '50', '--procs', '2', '--duration', '5', '--output', 'json', '--progress']);
    await waitFor(() => /sending/.test(run.stderr()), 'the send phase', 30_000);
    const workers = childrenOf(run.child.pid!, 'worker');
    const servers = childrenOf(run.child.pid!, 'serve');
    leftovers.push(...workers, ...servers);
    assert.equal(workers.length, 2);
    run.child.kill('SIGKILL');
    await run.exited;
    await waitFor(() => workers.every((pid) => !isAlive(pid)), 'orphaned workers to exit', 5_000);
    // The embedded server is not the launcher's to reap here; stop it so no process outlives the test.
    for (const pid of servers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
});

describe('--procs against a server with a connection cap (issue 12)', () => {
  /** `dist/bench.js serve` on a free port with these flags; its port and its GET /stats counters. */
  async function startServe(flags: string[]): Promise<{ port: number; opened: () => Promise<number>; stop: () => void }> {
    const serve = startRun(['serve', '--port', '0', ...flags]);
    leftovers.push(serve.child.pid!);
    await waitFor(() => /ws:\/\/127\.0\.0\.1:\d+\/wse/.test(serve.stdout()), 'serve to listen', 30_000);
    const port = Number(/ws:\/\/127\.0\.0\.1:(\d+)\/wse/.exec(serve.stdout())![1]);
    const opened = async (): Promise<number> => {
      const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { counters: { connectionsOpened: number } };
      return stats.counters.connectionsOpened;
    };
    return { port, opened, stop: () => serve.child.kill('SIGKILL') };
  }

  test('each worker warms up with its share of the largest tier, not with all of it', async () => {
    const server = await startServe([]);
    try {
      const r = spawnSync(process.execPath, [bundle, '--host', '127.0.0.1', '--port', String(server.port), '--test', 'connection-storm', '--tiers', '30', '--procs', '3', '--output', 'json'], {
        cwd: root, encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      // 30 warm-up connections in all (10 a worker), then the tier's 30; not 3 × 30 + 30
      assert.equal(await server.opened(), 60);
    } finally {
      server.stop();
    }
  });

  test('a tier some of whose connections were refused (server-full) is partial, with the summed counts', async () => {
    const server = await startServe(['--max-connections', '10']);
    const dir = mkdtempSync(join(tmpdir(), 'wse-refused-'));
    try {
      const out = join(dir, 'run.json');
      const r = spawnSync(process.execPath, [
        bundle, '--host', '127.0.0.1', '--port', String(server.port), '--test', 'throughput', '--tiers', '16', '--procs', '2', '--duration', '0.5',
        '--warmup', '0', '--output', 'json', '--out', out,
      ], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, EXIT_INCOMPLETE, r.stderr);
      const tier = (JSON.parse(readFileSync(out, 'utf8')) as RunResult).tests[0]!.tiers[0]!;
      assert.deepEqual(tier.connectionCounts, { attempted: 16, established: 10, failed: 6, failedByKind: { 'server-full': 6 } });
      assert.match(tier.partial ?? '', /^not every connection could be opened$/);
      // the text tables show the cause with the merged counts
      assert.match(r.stdout, /^PARTIAL \(16\): not every connection could be opened \(6 failed \(server-full 6\)\)$/m);
    } finally {
      server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
