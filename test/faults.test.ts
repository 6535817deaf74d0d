// Faults in the middle of a run of dist/bench.js (run with --unhandled-rejections=strict on Node):
// the embedded server SIGKILLed during throughput (also with --procs) and during sustained-hold, a
// --host server SIGKILLed, SIGINT or SIGTERM to the benchmark, and a full fd table. Each time the run
// must end on its own, keep what it measured, write its JSON report, leave no process behind, and
// exit with the documented code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_INCOMPLETE, EXIT_TARGET_LOST } from '../bench/process/exit-codes.js';
import type { RunResult } from '../bench/results.js';
import { NOT_EVERY_CONNECTION_OPENED } from '../bench/engine/tier-recorder.js';
import { startHostileServer } from './hostile-harness.js';
import type { HostileServer } from './hostile-harness.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { childrenOf, descendantsOf, survivors } from './fixtures/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bench.js');
const isBun = process.versions['bun'] !== undefined;
const nodeFlags = isBun ? [] : ['--unhandled-rejections=strict'];

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches (progress lines), rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

function startCli(args: string[], prefix: string[] = []): Running {
  const command = prefix.length > 0 ? prefix[0]! : process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length > 0 ? [process.execPath] : []), ...nodeFlags, bundle, ...args];
  const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    for (const w of watchers.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else watchers.push(w);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, ms = 60_000) {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${ms} ms: ${stderr}`)), ms);
        watchers.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

async function exitWithin(run: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the run did not end within ${ms} ms: ${run.stderr()}`)), ms);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function assertCleanStderr(stderr: string): void {
  assert.doesNotMatch(stderr, /unhandled|Uncaught|\bat .*:\d+:\d+/i, stderr);
}

let dir = '';
before(() => {
  const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'wse-faults-'));
});
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Connections of the tiers whose server is killed. Few enough that the first flow-control PONGs come
 * back well within the wait before the kill on a loaded machine: the embedded server answers a burst
 * only after reading what every connection sent in it (200 connections: over a second here).
 */
const KILL_TIER = 20;
/** How long the send phase runs before the kill. */
const BEFORE_KILL_MS = 2_000;

/**
 * What a run whose server was killed mid-tier must report (issue 12): the tier ended within a few
 * seconds of the kill and is partial, its rate is over the window in which messages were delivered
 * (never past the kill), the tests left are listed as not run, and the run exits EXIT_TARGET_LOST.
 */
function assertServerLossReported(result: RunResult, killedAtEpochMs: number, stdout: string, gone: RegExp, established: number): void {
  const tier = result.tests[0]!.tiers[0]!;
  assert.match(result.partial ?? '', gone);
  assert.ok(tier.partial !== undefined, 'the tier is marked partial');
  assert.ok(tier.endedAtEpochMs - killedAtEpochMs < 5_000, `the tier ended ${tier.endedAtEpochMs - killedAtEpochMs} ms after the kill`);
  assert.equal(tier.connectionCounts.established, established);
  const m = tier.messages!;
  assert.ok(m.delivered > 0 && m.delivered <= m.sent, `messages delivered before the kill are kept: ${JSON.stringify(m)}`);
  // Nothing is delivered after the kill (a second of slack: the test and the run read their clocks apart).
  assert.ok(m.windowEndEpochMs <= killedAtEpochMs + 1_000, `the window ends ${m.windowEndEpochMs - killedAtEpochMs} ms after the kill`);
  assert.ok(Math.abs(m.deliveredPerSec! - m.delivered / (m.windowMs / 1000)) < 1e-6, 'the rate is delivered ÷ that window');
  assert.deepEqual(result.notRun?.map((t) => t.test), ['ping-latency']);
  assert.match(result.notRun![0]!.reason, gone);
  assert.match(stdout, /^NOT RUN: ping-latency: /m);
  assert.match(stdout, /^PARTIAL \(\d+\): /m);
}

describe('the embedded server killed mid-run', () => {
  test('during throughput: the tier ends at once, partial, its rate over the delivered window; later tests not run; exit 4', async () => {
    const out = join(dir, 'killed-throughput.json');
    const run = startCli(['--test', 'throughput,ping-latency', '--tiers', String(KILL_TIER), '--duration', '30', '--progress', '--output', 'json', '--out', out]);
    await run.waitFor(/throughput: .*sending/);
    await new Promise((resolve) => setTimeout(resolve, BEFORE_KILL_MS));
    const server = descendantsOf(run.child.pid!);
    assert.ok(server.length >= 1, 'the embedded server runs as a child process');
    for (const pid of server) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const code = await exitWithin(run, 30_000);
    assert.equal(code, EXIT_TARGET_LOST, run.stderr());
    assert.ok(Date.now() - killedAt < 20_000, 'ends long before the 30 s send phase');
    assertCleanStderr(run.stderr());
    assert.match(run.stderr(), /embedded server died/);
    assertServerLossReported(JSON.parse(readFileSync(out, 'utf8')) as RunResult, killedAt, run.stdout(), /embedded server died: was killed by SIGKILL/, KILL_TIER);
  });

  test('with --procs 2: the same, and the counts of both workers are added up', async () => {
    const out = join(dir, 'killed-procs.json');
    const run = startCli(['--test', 'throughput,ping-latency', '--tiers', String(KILL_TIER), '--procs', '2', '--duration', '30', '--progress', '--output', 'json', '--out', out]);
    await run.waitFor(/throughput: .*sending/);
    await new Promise((resolve) => setTimeout(resolve, BEFORE_KILL_MS));
    const server = childrenOf(run.child.pid!, 'serve');
    assert.equal(server.length, 1, 'the embedded server runs as a child process');
    process.kill(server[0]!, 'SIGKILL');
    const killedAt = Date.now();
    const code = await exitWithin(run, 30_000);
    assert.equal(code, EXIT_TARGET_LOST, run.stderr());
    assertCleanStderr(run.stderr());
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assertServerLossReported(result, killedAt, run.stdout(), /embedded server died: was killed by SIGKILL/, KILL_TIER);
    const tier = result.tests[0]!.tiers[0]!;
    assert.deepEqual(tier.unexpectedCloses, { '1006': KILL_TIER });
    // Each worker lost its half: the note says all of them, not one half taken from two identical sentences.
    const lostBeforeBarrier = tier.countedNotes?.find((n) => n.kind === 'closed-before-barrier')?.count ?? 0;
    const missingPongs = tier.countedNotes?.find((n) => n.kind === 'barrier-pong-missing')?.count ?? 0;
    assert.equal(lostBeforeBarrier + missingPongs, KILL_TIER, JSON.stringify(tier.countedNotes));
  });

  test('during sustained-hold: the tier ends partial with the PONGs it got, JSON written, exit 4', async () => {
    const out = join(dir, 'killed-hold.json');
    const run = startCli(['--test', 'sustained-hold', '--tiers', '20', '--hold', '30', '--hold-ping-interval', '0.5', '--progress', '--output', 'json', '--out', out]);
    await run.waitFor(/sustained-hold: .*hold/i);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const pid of descendantsOf(run.child.pid!)) process.kill(pid, 'SIGKILL');
    const code = await exitWithin(run, 30_000);
    assert.equal(code, EXIT_TARGET_LOST, run.stderr());
    assertCleanStderr(run.stderr());
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const tier = result.tests[0]!.tiers[0]!;
    assert.ok(tier.partial !== undefined, 'the tier is marked partial');
    assert.ok((tier.hold?.pongsReceived ?? 0) >= 20, `PONGs before the kill are kept: ${JSON.stringify(tier.hold)}`);
    assert.ok(tier.hold!.heldMs < 30_000);
  });
});

describe('a --host server killed mid-run', () => {
  test('the tier whose connections all died ends at once; the target is probed, refuses, and the run stops: exit 4', async () => {
    const serve = startCli(['serve', '--port', '0']);
    const deadline = Date.now() + 30_000;
    while (!/ws:\/\/127\.0\.0\.1:\d+\/wse/.test(serve.stdout()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const port = /ws:\/\/127\.0\.0\.1:(\d+)\/wse/.exec(serve.stdout())?.[1];
    assert.ok(port !== undefined, `serve printed no URL: ${serve.stdout()} ${serve.stderr()}`);
    const out = join(dir, 'killed-host.json');
    const run = startCli(['--host', '127.0.0.1', '--port', port, '--test', 'throughput,ping-latency', '--tiers', String(KILL_TIER), '--duration', '30', '--progress', '--output', 'json', '--out', out]);
    await run.waitFor(/throughput: .*sending/);
    // Kill once the server has answered flow-control pings of the send phase (its GET /stats counts
    // them beyond the warm-up's and the settle round's), so that some deliveries are proven.
    const beforeSendPhase = KILL_TIER * 5 + KILL_TIER;
    const pingsAnswered = async (): Promise<number> => {
      const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { counters: { pings: number } };
      return stats.counters.pings;
    };
    while ((await pingsAnswered()) < beforeSendPhase + 2 * KILL_TIER && Date.now() < deadline + 30_000) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    serve.child.kill('SIGKILL');
    const killedAt = Date.now();
    const code = await exitWithin(run, 30_000);
    assert.equal(code, EXIT_TARGET_LOST, run.stderr());
    assertCleanStderr(run.stderr());
    assertServerLossReported(JSON.parse(readFileSync(out, 'utf8')) as RunResult, killedAt, run.stdout(), new RegExp(`the server is gone: 127\\.0\\.0\\.1:${port} refuses new connections`), KILL_TIER);
  });
});

// SIGTERM (kill, a container stopping) ends a run exactly like Ctrl-C, with its own exit code (issue 12).
for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  describe(`${signal} to the benchmark`, () => {
    test(`stops the tier and the embedded server, prints and writes what finished, exits ${exitCode}, leaves no process`, async () => {
      const out = join(dir, `${signal}.json`);
      const run = startCli(['--test', 'connection-storm,throughput', '--tiers', '20', '--duration', '30', '--progress', '--output', 'json', '--out', out]);
      await run.waitFor(/throughput: .*sending/);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const children = descendantsOf(run.child.pid!);
      assert.ok(children.length >= 1);
      const signalledAt = Date.now();
      run.child.kill(signal);
      const code = await exitWithin(run, 30_000);
      assert.equal(code, exitCode, run.stderr());
      assert.ok(Date.now() - signalledAt < 20_000, 'stops long before the 30 s send phase');
      assertCleanStderr(run.stderr());
      assert.deepEqual(await survivors(children), [], 'no orphan process');
      assert.match(run.stdout(), /Connection storm/);
      assert.match(run.stdout(), /Throughput/);
      assert.match(run.stdout(), /PARTIAL/);
      const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
      assert.equal(result.tests.length, 2);
      assert.match(result.partial ?? '', new RegExp(`interrupted by ${signal}`));
      assert.match(result.tests[1]!.tiers[0]!.partial ?? '', new RegExp(`interrupted by ${signal}`));
      assert.ok((result.tests[1]!.tiers[0]!.messages?.delivered ?? 0) > 0);
    });
  });
}

describe('a full fd table', () => {
  let harness: HostileServer;
  before(async () => {
    harness = await startHostileServer();
  });
  after(async () => {
    await harness.close();
  });

  test('connects failing with EMFILE are counted as fd-limit with the ulimit hint; the run goes on, exit 98 (incomplete)', async () => {
    assert.ok(existsSync('/usr/bin/prlimit') || existsSync('/bin/prlimit'), 'prlimit (util-linux) is needed');
    const out = join(dir, 'fd-limit.json');
    const run = startCli(
      ['--host', '127.0.0.1', '--port', String(harness.port), '--test', 'connection-storm,throughput', '--tiers', '400', '--duration', '0.5', '--output', 'json', '--out', out],
      ['prlimit', '--nofile=200:200', '--'],
    );
    const code = await exitWithin(run, 60_000);
    assert.equal(code, EXIT_INCOMPLETE, run.stderr());
    assertCleanStderr(run.stderr());
    assert.match(run.stderr(), /ulimit -n/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const [storm, throughput] = [result.tests[0]!.tiers[0]!, result.tests[1]!.tiers[0]!];
    for (const tier of [storm, throughput]) {
      const counts = tier.connectionCounts;
      assert.equal(counts.attempted, 400);
      assert.ok((counts.failedByKind['fd-limit'] ?? 0) > 100, JSON.stringify(counts));
      assert.ok(counts.established > 50, JSON.stringify(counts));
      assert.equal(counts.established + counts.failed, 400);
      // fewer connections than asked for: the tier says so (issue 12), the counts are its connectionCounts
      assert.equal(tier.partial, NOT_EVERY_CONNECTION_OPENED);
    }
    assert.ok(storm.notes.some((n) => /ulimit -n/.test(n)), storm.notes.join('; '));
    assert.ok((throughput.messages?.delivered ?? 0) > 0, 'the run continues with the connections it has');
    assert.match(run.stdout(), /fd-limit/);
  });
});
