// The client against a server that misbehaves (test/hostile-harness.ts): each connection's
// failure is reported with its cause (ConnectError kind, or the close code the client failed the
// connection with), healthy connections of the same tier go on, a server that stops reading
// cannot make the client queue without bound, a missing barrier PONG ends the tier marked
// partial, and a whole CLI run counts the errors and still exits 0 with results.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreTransport } from '../adapters/client/core.js';
import { loadClientTransport } from '../adapters/client/index.js';
import type { ClientTransport } from '../core/wse/transport.js';
import { ConnectError, WebSocketProtocolError } from '../core/errors.js';
import { TRADING_MESSAGE } from '../core/wse/messages.js';
import { WseSession } from '../core/wse/session.js';
import type { WseSessionListener } from '../core/wse/session.js';
import { EXIT_INCOMPLETE } from '../bench/process/exit-codes.js';
import type { RunResult, TierResult } from '../bench/results.js';
import type { TestContext } from '../bench/engine/context.js';
import { openConnections, closeConnections } from '../bench/engine/pool.js';
import { measureSendCell } from '../bench/engine/closed-loop-cell.js';
import { DEFAULT_MAX_OUTBOUND_BYTES } from '../core/constants.js';
import { MB, ownMemory, watchMemory } from './fixtures/memory-watch.js';
import { ALL_CASES, FLOOD_CASES, HANDSHAKE_CASES, MALFORMED_FRAME_CASES, startHostileServer } from './hostile-harness.js';
import type { HostileCase, HostileServer, MalformedFrameCase } from './hostile-harness.js';
import { runSendPhase } from '../bench/engine/closed-loop-phase.js';
import { validateRunResult } from '../bench/report/schema.js';
import { TierTally } from '../bench/engine/tier-tally.js';
import { directRunOptions, testContext } from './fixtures/context.js';
import { within } from './fixtures/waiting.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bench.js');
const isBun = process.versions['bun'] !== undefined;


/** Records what a session reports after it connected. */
class Listener implements WseSessionListener {
  pongs = 0;
  errors: Error[] = [];
  closed: Promise<number>;
  private resolveClosed: (code: number) => void = () => {};
  private pongWaiter: (() => void) | undefined;
  constructor() {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }
  onPong(): void {
    this.pongs++;
    this.pongWaiter?.();
  }
  onServerError(): void {}
  onRateLimitWarning(): void {}
  onClose(code: number): void {
    this.resolveClosed(code);
  }
  onError(error: Error): void {
    this.errors.push(error);
  }
  nextPong(): Promise<void> {
    return new Promise((resolve) => (this.pongWaiter = resolve));
  }
}

function sessionTo(
  port: number,
  hostile: HostileCase,
  listener: WseSessionListener,
  timeoutMs = 3_000,
  transport: ClientTransport = coreTransport,
): Promise<WseSession> {
  return WseSession.connect(
    {
      transport,
      url: `ws://127.0.0.1:${port}/case/${encodeURIComponent(hostile)}`,
      token: 'unused-by-the-harness',
      authVia: 'cookie',
      timeoutMs,
      clientVersion: 'hostile-test/0',
    },
    listener,
  );
}

async function connectFailure(port: number, hostile: HostileCase, timeoutMs?: number, transport?: ClientTransport): Promise<ConnectError> {
  try {
    const session = await sessionTo(port, hostile, new Listener(), timeoutMs, transport);
    session.terminate();
  } catch (error) {
    assert.ok(error instanceof ConnectError, String(error));
    return error;
  }
  assert.fail(`${hostile}: connected`);
}

function contextFor(port: number, path: string, signal: AbortSignal): TestContext {
  return testContext({ options: directRunOptions({ batchSize: 50, connectTimeoutMs: 3_000 }), transport: coreTransport, url: `ws://127.0.0.1:${port}${path}`, signal });
}

describe('one connection against each hostile behaviour (core transport)', () => {
  let harness: HostileServer;
  let healthy: WseSession;
  const healthyListener = new Listener();

  before(async () => {
    harness = await startHostileServer();
    healthy = await sessionTo(harness.port, 'healthy', healthyListener);
  });
  after(async () => {
    healthy.terminate();
    await healthyListener.closed;
    await harness.close();
  });

  /** The healthy connection opened first still gets its PONG: one bad connection harms no other. */
  async function healthyStillAnswers(): Promise<void> {
    const pong = healthyListener.nextPong();
    healthy.sendPing();
    await within(pong, 'the healthy connection\'s PONG');
  }

  for (const hostile of HANDSHAKE_CASES) {
    test(`${hostile} → connect fails with kind 'handshake'`, async () => {
      const error = await within(connectFailure(harness.port, hostile), hostile);
      assert.equal(error.kind, 'handshake', error.message);
      await healthyStillAnswers();
    });
  }

  test('status-403 quotes the status line; huge-headers names the size limit', async () => {
    assert.match((await connectFailure(harness.port, 'status-403')).message, /403/);
    assert.match((await connectFailure(harness.port, 'huge-headers')).message, /size limit/);
  });

  test("hang-before-ready → connect fails with kind 'timeout' after the connect timeout", async () => {
    const started = Date.now();
    const error = await within(connectFailure(harness.port, 'hang-before-ready', 400), 'the timeout');
    assert.equal(error.kind, 'timeout', error.message);
    assert.ok(Date.now() - started >= 350);
    await healthyStillAnswers();
  });

  test("a frame of length 2^63 before server_ready → connect fails with kind 'protocol' (issue 12)", async () => {
    const error = await within(connectFailure(harness.port, 'frame-before-ready'), 'the failure');
    assert.equal(error.kind, 'protocol', error.message);
    await healthyStillAnswers();
  });

  for (const [hostile, closeCode] of Object.entries(MALFORMED_FRAME_CASES) as [MalformedFrameCase, number][]) {
    test(`${hostile} after server_ready → protocol error, connection failed with ${closeCode}`, async () => {
      const listener = new Listener();
      await sessionTo(harness.port, hostile, listener);
      const code = await within(listener.closed, `${hostile}: close`);
      assert.equal(code, closeCode);
      const protocolErrors = listener.errors.filter((e) => e instanceof WebSocketProtocolError);
      assert.equal(protocolErrors.length, 1, listener.errors.map((e) => e.message).join('; '));
      assert.equal((protocolErrors[0] as WebSocketProtocolError).closeCode, closeCode);
      await healthyStillAnswers();
    });
  }

  test('close-mid-frame → closed with 1006 (no close frame), no error thrown', async () => {
    const listener = new Listener();
    await sessionTo(harness.port, 'close-mid-frame', listener);
    assert.equal(await within(listener.closed, 'close'), 1006);
    await healthyStillAnswers();
  });
});

// ws and the runtime's WebSocket fail the connection themselves and report it locally as 1006;
// the WHATWG API has no message size limit, so `web` waits on a 2 MiB header and buffers a
// never-ending fragmented message (not tested here: the limitation is reported, not fixed).
const WEB_UNBOUNDED: readonly HostileCase[] = ['frame-too-big', 'endless-fragments', 'endless-tiny-fragments'];
for (const name of ['ws', 'web'] as const) {
  let transport: ClientTransport | undefined;
  try {
    transport = loadClientTransport(name);
  } catch {
    transport = undefined; // web needs a global WebSocket (Node 22+, Bun)
  }
  if (transport === undefined) continue;
  const other = transport;
  describe(`the ${name} transport against each hostile behaviour`, () => {
    let harness: HostileServer;
    before(async () => {
      harness = await startHostileServer();
    });
    after(async () => {
      await harness.close();
    });

    test(`handshake cases fail with kind 'handshake', a hang with 'timeout'`, async () => {
      for (const hostile of HANDSHAKE_CASES) {
        const error = await within(connectFailure(harness.port, hostile, 3_000, other), hostile);
        assert.equal(error.kind, 'handshake', `${hostile}: ${error.message}`);
      }
      assert.equal((await within(connectFailure(harness.port, 'hang-before-ready', 400, other), 'hang')).kind, 'timeout');
    });

    test("a frame of length 2^63 before server_ready → kind 'protocol' (issue 12)", async () => {
      const error = await within(connectFailure(harness.port, 'frame-before-ready', 3_000, other), 'the failure');
      assert.equal(error.kind, 'protocol', error.message);
    });

    test('every malformed frame fails the connection: an error, then close 1006', async () => {
      for (const hostile of Object.keys(MALFORMED_FRAME_CASES) as MalformedFrameCase[]) {
        if (name === 'web' && WEB_UNBOUNDED.includes(hostile)) continue;
        const listener = new Listener();
        await sessionTo(harness.port, hostile, listener, 3_000, other);
        assert.equal(await within(listener.closed, `${hostile}: close`), 1006, hostile);
        assert.ok(listener.errors.length >= 1, `${hostile}: no error reported`);
      }
    });
  });
}

describe('the core client against endless fragments and floods', () => {
  let harness: HostileServer;
  before(async () => {
    harness = await startHostileServer();
  });
  after(async () => {
    await harness.close();
  });

  test('8 connections receiving one-byte continuation frames without end: each closed with 1008, memory bounded', async () => {
    const listeners = Array.from({ length: 8 }, () => new Listener());
    const sessions: WseSession[] = [];
    try {
      const { result: codes, growth } = await watchMemory(ownMemory, 64 * MB, 60_000, () =>
        Promise.all(listeners.map(async (listener) => {
          sessions.push(await sessionTo(harness.port, 'endless-tiny-fragments', listener));
          return listener.closed;
        })),
      );
      assert.deepEqual(codes, Array<number>(8).fill(1008));
      assert.ok(growth < 64 * MB, `RSS grew by ${(growth / MB).toFixed(0)} MB`);
    } finally {
      for (const session of sessions) session.terminate(); // a failed run must not flood the next tests
    }
  });

  for (const flood of FLOOD_CASES) {
    test(`${flood}: the server never reads, yet the client's answers stay within its outbound bound`, async () => {
      const listener = new Listener();
      const session = await sessionTo(harness.port, flood, listener);
      let worst = 0;
      const sampler = setInterval(() => (worst = Math.max(worst, session.bufferedAmount)), 5);
      // Long enough for an unbounded client to queue far beyond the bound (its answers first
      // fill the kernel's socket buffers, a few MB on loopback).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      clearInterval(sampler);
      worst = Math.max(worst, session.bufferedAmount);
      session.terminate();
      assert.equal(await within(listener.closed, 'close'), 1006);
      assert.ok(worst <= DEFAULT_MAX_OUTBOUND_BYTES + 1024, `${worst} bytes queued`);
      assert.ok(worst > 0, 'the flood never filled the outbound: the test would prove nothing');
    });
  }
});

describe('a tier mixing healthy and hostile connections', () => {
  let harness: HostileServer;
  before(async () => {
    harness = await startHostileServer({ pongsBeforeSilence: 1 });
  });
  after(async () => {
    await harness.close();
  });

  test('stop-reading: the send loop stops queueing (bounded memory); healthy connections deliver', async () => {
    const controller = new AbortController();
    const ctx = contextFor(harness.port, '/mix/stop-reading,stop-reading,stop-reading,healthy', controller.signal);
    const pool = await openConnections(ctx, 'throughput', 24, new TierTally());
    assert.equal(pool.counts.established, 24);
    const readBefore = harness.messagesRead('healthy');
    const rssBefore = process.memoryUsage().rss;
    // Long enough that an unbounded sender would queue hundreds of MB; the abort makes the
    // barrier wait 1 s instead of 10 s for the PONGs that can never come.
    const timer = setTimeout(() => controller.abort(), 2_000);
    const payloadBytes = Buffer.byteLength(TRADING_MESSAGE);
    const send = await runSendPhase(pool.connections, TRADING_MESSAGE, payloadBytes, 60_000, controller.signal);
    clearTimeout(timer);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const stalled = pool.connections.filter((_, i) => i % 4 !== 3);
    for (const c of stalled) {
      assert.ok(c.sent * payloadBytes <= 1024 * 1024, `a stop-reading connection queued ${c.sent * payloadBytes} bytes`);
      assert.ok((c.session?.bufferedAmount ?? 0) <= 512 * 1024);
    }
    assert.ok(rssGrowth < 128 * 1024 * 1024, `RSS grew by ${(rssGrowth / 1048576).toFixed(1)} MB`);
    assert.equal(send.barrierPings, 24);
    assert.equal(send.barrierPongs, 6, 'only the healthy connections answer');
    assert.ok(send.delivered > 0);
    assert.equal(send.delivered, harness.messagesRead('healthy') - readBefore, 'delivered = what the healthy connections read');
    for (const c of pool.connections) c.terminate();
    await closeConnections(pool.connections);
  });

  test('no-pong: the barrier times out, the tier ends marked partial, healthy deliveries are kept', async () => {
    const ctx = contextFor(harness.port, '/mix/healthy,no-pong', new AbortController().signal);
    const opening = new TierTally();
    const pool = await openConnections(ctx, 'throughput', 4, opening);
    const readBefore = harness.messagesRead('healthy') + harness.messagesRead('no-pong');
    const tier: TierResult = await within(
      measureSendCell(ctx, { test: 'throughput', pool, openingTally: opening, withConnectLatency: false, payload: TRADING_MESSAGE, durationMs: 500, params: {} }),
      'the tier',
      30_000,
    );
    await closeConnections(pool.connections);
    assert.match(tier.partial ?? '', /barrier PONGs did not come back/);
    assert.deepEqual(tier.countedNotes?.find((n) => n.kind === 'barrier-pong-missing'), { kind: 'barrier-pong-missing', count: 2, of: 4 });
    assert.ok((tier.messages?.delivered ?? 0) > 0);
    const read = harness.messagesRead('healthy') + harness.messagesRead('no-pong') - readBefore;
    assert.ok(tier.messages!.delivered <= read, 'delivered never exceeds what was read');
  });
});

describe('a whole CLI run against the hostile harness', () => {
  let harness: HostileServer;
  let dir = '';
  before(async () => {
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
    harness = await startHostileServer({ pongsBeforeSilence: 1 });
    dir = mkdtempSync(join(tmpdir(), 'wse-hostile-'));
  });
  after(async () => {
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  interface CliRun {
    status: number | null;
    stdout: string;
    stderr: string;
  }
  function cli(args: string[]): Promise<CliRun> {
    const flags = isBun ? [] : ['--unhandled-rejections=strict'];
    const child = spawn(process.execPath, [...flags, bundle, '--host', '127.0.0.1', '--port', String(harness.port), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    return within(
      new Promise<CliRun>((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr }))),
      'the CLI run',
      90_000,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  test('every case in one run: errors counted by cause, results written, exit 98 (connections failed, a tier partial)', async () => {
    const out = join(dir, 'mix.json');
    const cases = ALL_CASES;
    const r = await cli([
      '--path', `/mix/${cases.join(',')}`,
      '--test', 'connection-storm,throughput',
      '--tiers', String(cases.length),
      '--duration', '0.5',
      '--connect-timeout', '1500',
      '--output', 'json', '--out', out,
    ]);
    assert.equal(r.status, EXIT_INCOMPLETE, r.stderr);
    assert.doesNotMatch(r.stderr, /unhandled|Uncaught|TypeError|RangeError/i);
    const run = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    const [storm, throughput] = [run.tests[0]!.tiers[0]!, run.tests[1]!.tiers[0]!];
    for (const tier of [storm, throughput]) {
      const counts = tier.connectionCounts;
      assert.equal(counts.attempted, cases.length);
      assert.equal(counts.failedByKind['handshake'], HANDSHAKE_CASES.length, JSON.stringify(counts));
      assert.equal(counts.failedByKind['timeout'], 1, JSON.stringify(counts));
      assert.equal(counts.failedByKind['protocol'], 1, JSON.stringify(counts));
      // healthy, the frame cases, close-mid-frame, stop-reading, no-pong
      assert.equal(counts.established, cases.length - HANDSHAKE_CASES.length - 2);
      const closes = tier.unexpectedCloses;
      const byCode = (code: number) => Object.values(MALFORMED_FRAME_CASES).filter((c) => c === code).length;
      assert.equal(closes['1002'], byCode(1002), JSON.stringify(closes));
      assert.equal(closes['1007'], byCode(1007), JSON.stringify(closes));
      assert.equal(closes['1008'], byCode(1008), JSON.stringify(closes));
      assert.equal(closes['1009'], byCode(1009), JSON.stringify(closes));
      assert.equal(closes['1006'], 1, JSON.stringify(closes));
    }
    // The healthy connection delivered; stop-reading and no-pong left the barrier incomplete.
    assert.ok((throughput.messages?.delivered ?? 0) > 0);
    assert.match(throughput.partial ?? '', /barrier PONGs did not come back/);
    assert.match(r.stdout, /Throughput/);
  });

  test('no PONG came back: the latency is null, not 0; exit 1, and --output json still writes the document (issue 12)', async () => {
    const silent = await startHostileServer({ pongsBeforeSilence: 0 });
    try {
      // a later --port wins: this harness answers no ping at all
      const r = await cli(['--port', String(silent.port), '--path', '/case/no-pong', '--test', 'ping-latency', '--tiers', '3', '--pings', '2', '--warmup', '0', '--output', 'json']);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').at(-1), 'wse-bench: nothing could be measured: connections were established, but no PONG came back (ping-latency)');
      const run = JSON.parse(r.stdout) as RunResult;
      assert.deepEqual(validateRunResult(run), []);
      assert.match(run.nothingMeasured ?? '', /no PONG came back/);
      const tier = run.tests[0]!.tiers[0]!;
      assert.equal(tier.connectionCounts.established, 3);
      assert.equal(tier.latency, null);
      assert.ok(tier.partial !== undefined, 'the tier says why it has no latency');
    } finally {
      await silent.close();
    }
  });

  test('nothing measurable: one clear line, non-zero exit', async () => {
    const r = await cli(['--path', '/case/status-403', '--test', 'connection-storm', '--tiers', '3', '--quiet']);
    assert.equal(r.status, 1);
    // the test's table was printed when it finished, with the failures in it
    assert.match(r.stdout, /3 failed \(handshake 3\)/);
    assert.equal(r.stderr.trim(), 'wse-bench: nothing could be measured: every connection failed (mostly: handshake)');
  });
});
