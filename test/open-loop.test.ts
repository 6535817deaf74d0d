// Open-loop load (--rate, --total-rate, --ramp): the timetable, coordinated-omission correction
// against a server that stalls, the ramp's verdict, the CLI's refusals and the JSON schema.
// The servers here are small WSE-like apps on the core server transport that can stall for a
// while or answer pings late; the production server has no such switches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadClientTransport } from '../adapters/client/index.js';
import { loadServerTransport } from '../adapters/server/index.js';
import type { ListeningServer, ServerApp, ServerSocket } from '../adapters/server/transport.js';
import { wseUrl } from '../core/wse/messages.js';
import { parseRunArgs } from '../bench/options/resolve-run.js';
import { validateAgainstSchema } from '../bench/json-schema.js';
import { RUN_RESULT_SCHEMA } from '../bench/report/schema.js';
import { renderText } from '../bench/report/text.js';
import { mergeOpenLoopResults } from '../bench/merge/open-loop.js';
import type { OpenLoopResult, RunResult, TestResult } from '../bench/results.js';
import { createLatencyHistogram, recordMicros, summarizeHistogram } from '../bench/stats/histogram.js';
import { TEST_RUNNERS } from '../bench/scenarios/index.js';
import { UsageError } from '../bench/options/usage-error.js';
import type { BenchOptions, OpenLoopOptions } from '../bench/options/bench-options.js';
import { runOptions } from './fixtures/run-result.js';
import { directRunOptions, testContext } from './fixtures/context.js';

interface StallPlan {
  /** The stall starts this long after the first ping arrives… */
  afterFirstPingMs: number;
  /** …and lasts this long: nothing is read or answered meanwhile. */
  forMs: number;
}

interface Conn {
  socket: ServerSocket;
  pending: Buffer[];
}

/** WSE on the wire as far as the benchmark needs it: server_ready, PONGs in order, counting. */
class TestWseApp implements ServerApp<Conn> {
  dataMessages = 0;
  pings = 0;
  private readonly conns = new Set<Conn>();
  private stallStart = Infinity;
  private stallEnd = Infinity;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly stall: StallPlan | undefined,
    private readonly pongDelayMs = 0,
  ) {}

  open(socket: ServerSocket): Conn {
    const conn: Conn = { socket, pending: [] };
    this.conns.add(conn);
    socket.send(JSON.stringify({ c: 'WSE', t: 'server_ready', p: { message: 'ready', details: { version: 1 } }, v: 1 }), false);
    return conn;
  }

  message(conn: Conn, data: Buffer): void {
    const now = Date.now();
    if (conn.pending.length > 0 || (now >= this.stallStart && now < this.stallEnd)) {
      conn.pending.push(Buffer.from(data));
      return;
    }
    this.handle(conn, data);
  }

  close(conn: Conn): void {
    this.conns.delete(conn);
  }

  http(): undefined {
    return undefined;
  }

  dispose(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
  }

  private handle(conn: Conn, data: Buffer): void {
    const text = data.toString();
    if (!text.includes('"ping"')) {
      if (!text.includes('client_hello')) this.dataMessages++;
      return;
    }
    this.pings++;
    if (this.pings === 1 && this.stall !== undefined) this.scheduleStall(this.stall);
    const pong = JSON.stringify({ c: 'WSE', t: 'PONG', p: { client_timestamp: 0, server_timestamp: Date.now(), latency: 0 }, v: 1 });
    if (this.pongDelayMs > 0) setTimeout(() => conn.socket.send(pong, false), this.pongDelayMs);
    else conn.socket.send(pong, false);
  }

  private scheduleStall(stall: StallPlan): void {
    this.stallStart = Date.now() + stall.afterFirstPingMs;
    this.stallEnd = this.stallStart + stall.forMs;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      // The stall is over: read everything that arrived meanwhile, in order.
      for (const conn of this.conns) {
        const pending = conn.pending;
        conn.pending = [];
        for (const data of pending) this.handle(conn, data);
      }
    }, this.stallEnd - Date.now());
  }
}

interface RunningServer {
  app: TestWseApp;
  port: number;
  stop(): Promise<void>;
}

async function startServer(app: TestWseApp): Promise<RunningServer> {
  const listening: ListeningServer = await loadServerTransport('core').transport.listen(
    { host: '127.0.0.1', port: 0, maxMessageSize: 1024 * 1024, reusePort: false },
    app,
  );
  return {
    app,
    port: listening.port,
    async stop() {
      app.dispose();
      await listening.close();
    },
  };
}

const BASE_OPTIONS: BenchOptions = directRunOptions({
  port: 0,
  secret: 'unused',
  tiers: [4],
  durationSec: 1,
  cellDurationSec: 0.5,
  batchSize: 10,
  maxConnections: 1000,
  pings: 20,
  holdSec: 1,
  holdPingIntervalSec: 1,
  connectTimeoutMs: 5000,
  sizes: [1024],
  formats: ['json'],
  serverTransport: 'core',
});

function run(server: RunningServer, test: 'throughput' | 'ping-latency' | 'size-matrix', options: Partial<BenchOptions>, openLoop: OpenLoopOptions): Promise<TestResult> {
  const settings = { ...BASE_OPTIONS, ...options, tests: [test], openLoop };
  return TEST_RUNNERS[test](testContext({ options: settings, transport: loadClientTransport('core'), url: wseUrl('127.0.0.1', server.port) }));
}

function assertSchemaValid(result: TestResult): void {
  const errors = validateAgainstSchema(result, RUN_RESULT_SCHEMA.$defs!['test']!, RUN_RESULT_SCHEMA);
  assert.deepEqual(errors, []);
}

describe('open loop against a server that stalls for 1 s', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer(new TestWseApp({ afterFirstPingMs: 2000, forMs: 1000 }));
  });
  after(() => server.stop());

  test('ping-latency, 5 s at 100 pings/s: corrected p99 ≥ ~1 s, uncorrected far lower', async () => {
    const result = await run(server, 'ping-latency', { tiers: [4], pings: 500 }, { per: 'connection', rate: 100 });
    const tier = result.tiers[0]!;
    assert.equal(tier.partial, undefined, tier.partial);
    const o = tier.openLoop!;
    assert.ok(o !== undefined, 'open-loop result');
    assert.equal(o.corrected!.count, 2000);
    assert.equal(o.uncorrected!.count, 2000);
    assert.equal(o.requestedPerSec, 400);
    // A ping due during the stall waits for its end: ~20 % of the samples spread over 0…1 s.
    assert.ok(o.corrected!.p99 >= 900_000, `corrected p99 ${o.corrected!.p99} µs`);
    assert.ok(o.corrected!.max >= 950_000, `corrected max ${o.corrected!.max} µs`);
    // Measured from the actual write only the ≤ 4 pings per connection in flight saw the stall.
    assert.ok(o.uncorrected!.p99 < 300_000, `uncorrected p99 ${o.uncorrected!.p99} µs`);
    assert.ok(o.uncorrected!.max >= 900_000, `the in-flight ping saw the stall: ${o.uncorrected!.max} µs`);
    assert.equal(tier.latency?.p99, o.corrected!.p99, 'the tier latency is the corrected one');
    assertSchemaValid(result);
  });
});

describe('open loop throughput against a server that stalls for 1 s', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer(new TestWseApp({ afterFirstPingMs: 1000, forMs: 1000 }));
  });
  after(() => server.stop());

  test('3 s at 500 msg/s per connection: the stall shows in the corrected p99, every message delivered', async () => {
    const result = await run(server, 'throughput', { tiers: [3], durationSec: 3 }, { per: 'connection', rate: 500 });
    const tier = result.tiers[0]!;
    assert.equal(tier.partial, undefined, tier.partial);
    const o = tier.openLoop!;
    assert.equal(o.probeEvery, 10);
    assert.equal(tier.messages?.sent, 4500);
    assert.equal(tier.messages?.delivered, 4500, 'the last probe of every connection came back');
    assert.equal(server.app.dataMessages, 4500, 'the server read every message');
    assert.equal(o.corrected!.count, 450, 'a probe after every 10th message');
    assert.ok(o.corrected!.p99 >= 900_000, `corrected p99 ${o.corrected!.p99} µs`);
    assert.ok(o.uncorrected!.p99 <= o.corrected!.p99, 'the uncorrected latency never exceeds the corrected');
    assert.ok(o.corrected!.p50 < 500_000, `most messages were not due during the stall: p50 ${o.corrected!.p50} µs`);
    assertSchemaValid(result);
  });
});

describe('open loop against a healthy server', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer(new TestWseApp(undefined));
  });
  after(() => server.stop());

  test('--total-rate spreads the rate over the connections; achieved ≈ requested', async () => {
    const result = await run(server, 'throughput', { tiers: [4], durationSec: 1 }, { per: 'total', rate: 800 });
    const tier = result.tiers[0]!;
    const o = tier.openLoop!;
    assert.equal(o.requestedPerConnectionPerSec, 200);
    assert.equal(o.requestedPerSec, 800);
    assert.equal(tier.messages?.sent, 800);
    assert.equal(tier.messages?.delivered, 800);
    assert.ok(o.achievedPerSec > 600 && o.achievedPerSec <= 800 * 1.01, `achieved ${o.achievedPerSec}`);
    assert.equal(o.behindAtScheduleEnd, 0);
    assert.ok(o.corrected!.p50 >= o.uncorrected!.p50, 'corrected counts from an earlier instant');
  });

  test('size-matrix cells run on the timetable too', async () => {
    const before = server.app.dataMessages;
    const result = await run(server, 'size-matrix', { tiers: [2], sizes: [256, 4096], cellDurationSec: 0.5 }, { per: 'connection', rate: 100 });
    assert.deepEqual(result.tiers.map((t) => t.label), ['256 B', '4 KB']);
    for (const tier of result.tiers) {
      assert.equal(tier.messages?.delivered, 100);
      assert.equal(tier.openLoop?.requestedPerSec, 200);
    }
    assert.equal(server.app.dataMessages - before, 200);
    assert.ok(result.tiers[0]!.connectLatency !== undefined && result.tiers[1]!.connectLatency === undefined);
  });
});

describe('--ramp against a server that answers pings 20 ms late', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer(new TestWseApp(undefined, 20));
  });
  after(() => server.stop());

  test('steps until corrected p99 breaks the SLO and names the highest passing rate', async () => {
    // Four pings in flight and 20 ms per answer: 200 pings/s per connection at most.
    const result = await run(server, 'ping-latency', { tiers: [2], pings: 20 }, { per: 'connection', ramp: [10, 20, 1000, 2000], sloMs: 250 });
    assert.deepEqual(result.tiers.map((t) => t.label), ['10/s per conn', '20/s per conn', '1000/s per conn'], JSON.stringify(result.ramp));
    assert.deepEqual(result.tiers.map((t) => t.openLoop?.withinSlo), [true, true, false]);
    const verdict = result.ramp?.[0];
    assert.ok(verdict !== undefined);
    assert.equal(verdict.highestPassingPerConnection, 20);
    assert.equal(verdict.highestPassingTotal, 40);
    assert.deepEqual(verdict.stepsPerConnection, [10, 20, 1000]);
    assert.match(verdict.failedBecause ?? '', /1000\/s per conn: achieved \d+ of 2000 msg\/s/);
    const slow = result.tiers[2]!.openLoop!;
    assert.ok(slow.corrected!.p99 > slow.uncorrected!.p99, 'falling behind shows only in the corrected latency');
    assertSchemaValid(result);

    const text = renderText({ ...SAMPLE_RUN, tests: [result] });
    assert.match(text, /Ping\/pong latency under load: open loop/);
    assert.match(text, /Ramp verdict \(2 conns\): highest rate with corrected p99 < 250 ms: 20\/s per connection/);
  });
});

const SAMPLE_RUN: RunResult = {
  schemaVersion: 2,
  tool: { name: 'wse-bench-ts', version: 'test' },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  environment: { runtime: 'node', runtimeVersion: '20', platform: 'linux', arch: 'x64', cpuModel: 'test', cpus: 2, totalMemoryBytes: 1, hostname: 'h' },
  transport: 'core',
  procs: 1,
  server: { embedded: false, url: 'ws://127.0.0.1' },
  options: runOptions(),
  tests: [],
};

describe('open-loop options', () => {
  const refuse = (argv: string[], pattern: RegExp) => assert.throws(() => parseRunArgs(argv), (error: unknown) => error instanceof UsageError && pattern.test(error.message));

  test('--rate, --total-rate and --ramp become OpenLoopOptions', () => {
    const parsed = parseRunArgs(['--test', 'throughput,ping-latency', '--rate', '200']);
    assert.equal(parsed.kind, 'run');
    if (parsed.kind !== 'run') return;
    assert.deepEqual(parsed.options.openLoop, { per: 'connection', rate: 200 });
    const total = parseRunArgs(['--test', 'size-matrix', '--total-rate', '250']);
    assert.deepEqual(total.kind === 'run' ? total.options.openLoop : undefined, { per: 'total', rate: 250 });
    const ramp = parseRunArgs(['--test', 'throughput', '--ramp', '100,200,1k', '--slo-ms', '50']);
    assert.deepEqual(ramp.kind === 'run' ? ramp.options.openLoop : undefined, { per: 'connection', ramp: [100, 200, 1000], sloMs: 50 });
    const closed = parseRunArgs(['--test', 'throughput']);
    assert.equal(closed.kind === 'run' ? closed.options.openLoop : 'x', undefined);
  });

  test('impossible combinations are refused with one line', () => {
    refuse(['--test', 'throughput', '--rate', '10', '--total-rate', '100'], /exclude each other/);
    refuse(['--test', 'throughput', '--ramp', '10,20'], /--ramp needs --slo-ms/);
    refuse(['--test', 'throughput', '--ramp', '10,20', '--slo-ms', '5', '--rate', '3'], /--ramp sets the rates/);
    refuse(['--test', 'throughput', '--ramp', '20,10', '--slo-ms', '5'], /must rise/);
    refuse(['--rate', '100'], /applies to throughput, size-matrix, ping-latency only.*connection-storm/);
    refuse(['--test', 'throughput,sustained-hold', '--rate', '100'], /not sustained-hold/);
    refuse(['--test', 'throughput', '--slo-ms', '5'], /--slo-ms judges an open-loop run/);
    refuse(['--test', 'throughput', '--rate', '0'], /positive number/);
    refuse(['--test', 'throughput', '--rate', 'fast'], /positive number/);
  });
});

describe('merging open-loop results of several workers', () => {
  function part(correctedMicros: number[], uncorrectedMicros: number[], achievedPerSec: number): OpenLoopResult {
    const summary = (values: number[]) => {
      const h = createLatencyHistogram();
      for (const v of values) recordMicros(h, v);
      const s = summarizeHistogram(h)!;
      h.destroy();
      return s;
    };
    return {
      requestedPerSec: 1000, requestedPerConnectionPerSec: 100, achievedPerSec, probeEvery: 1, behindAtScheduleEnd: 2,
      corrected: summary(correctedMicros), uncorrected: summary(uncorrectedMicros), sloMs: 50, withinSlo: true,
    };
  }

  test('histograms are merged, rates summed and the SLO judged again', () => {
    const a = part(Array(99).fill(1000), Array(99).fill(900), 1000);
    const b = part([...Array(99).fill(1000), 90_000], Array(100).fill(900), 990);
    const merged = mergeOpenLoopResults([a, b])!;
    assert.equal(merged.corrected!.count, 199);
    assert.equal(merged.requestedPerSec, 2000);
    assert.equal(merged.achievedPerSec, 1990);
    assert.equal(merged.behindAtScheduleEnd, 4);
    assert.equal(merged.withinSlo, true, 'p99 of the merged 199 samples is 1 ms');
    const worse = mergeOpenLoopResults([b, part([80_000, 90_000, 95_000], [900], 1000)])!;
    assert.equal(worse.withinSlo, false, 'four of 103 samples over 50 ms');
    assert.equal(mergeOpenLoopResults([undefined, undefined]), undefined);
  });
});
