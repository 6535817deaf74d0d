// The seven benchmark tests, each on every client transport this runtime has, with tiny tiers,
// against the embedded server (a separate serve process) whose counters the results must match.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientTransport } from '../core/wse/transport.js';
import { wseUrl } from '../core/wse/messages.js';
import type { TestResult, TierResult } from '../bench/results.js';
import { startEmbeddedServer } from '../bench/server/embedded.js';
import type { EmbeddedServer } from '../bench/server/embedded.js';
import type { TestContext } from '../bench/engine/context.js';
import { warmUp, warmUpSize } from '../bench/engine/warm-up.js';
import { TEST_RUNNERS } from '../bench/scenarios/index.js';
import { bisectionResolution } from '../bench/scenarios/connection-limit.js';
import { mint } from './server-harness.js';
import type { BenchOptions } from '../bench/options/bench-options.js';
import { directRunOptions, testContext } from './fixtures/context.js';
import { embeddedServerOptions } from './fixtures/serve-bundle.js';
import { availableClientTransports } from './fixtures/transports.js';
import { waitFor } from './fixtures/waiting.js';

let token = '';

before(async () => {
  token = await mint();
});

function startServer(maxConnections: number): Promise<EmbeddedServer> {
  return startEmbeddedServer(embeddedServerOptions({ maxConnections }));
}

/** Started in `before`, stopped in `after`. */
class ServerHandle {
  server: EmbeddedServer | undefined;
  constructor(private readonly maxConnections: number) {}
  async start(): Promise<void> {
    this.server = await startServer(this.maxConnections);
  }
  async stop(): Promise<void> {
    await this.server?.stop();
  }
  get port(): number {
    return this.server?.port ?? 0;
  }
  async openConnections(): Promise<number> {
    return (await this.server!.stats()).openConnections;
  }
}

const BASE_OPTIONS: BenchOptions = directRunOptions({
  port: 0,
  tiers: [5],
  durationSec: 0.4,
  cellDurationSec: 0.25,
  batchSize: 4,
  maxConnections: 1000,
  pings: 5,
  holdSec: 1.2,
  holdPingIntervalSec: 0.4,
  connectTimeoutMs: 5000,
  sizes: [64, 1024, 16384],
  serverTransport: 'core',
});

function context(transport: ClientTransport, server: ServerHandle, options: Partial<BenchOptions>): TestContext & { warnings: string[] } {
  const warnings: string[] = [];
  const ctx = testContext({
    options: { ...BASE_OPTIONS, ...options, transport: transport.name as BenchOptions['transport'] },
    transport,
    url: wseUrl('127.0.0.1', server.port),
    token,
    readServerStats: () => server.server!.stats(),
    warnings,
  });
  return { ...ctx, warnings };
}

function assertCleanTier(tier: TierResult, connections: number): void {
  assert.equal(tier.partial, undefined, `partial: ${tier.partial}`);
  assert.equal(tier.connectionCounts.attempted, connections);
  assert.equal(tier.connectionCounts.established, connections);
  assert.equal(tier.connectionCounts.failed, 0);
  assert.deepEqual(tier.unexpectedCloses, {});
  assert.deepEqual(tier.serverErrors, {});
  assert.ok(tier.client.wallMicros > 0);
  assert.ok(tier.client.cpuUserMicros + tier.client.cpuSystemMicros > 0);
  assert.ok(tier.server !== undefined, 'server side measured');
  assert.ok(['client', 'server', 'neither'].includes(tier.saturated), tier.saturated);
  assert.ok(tier.endedAtEpochMs > tier.startedAtEpochMs);
}

function assertDelivered(tier: TierResult, payloadBytes: number): void {
  const m = tier.messages;
  assert.ok(m !== undefined);
  assert.ok(m.delivered > 0, 'messages delivered');
  assert.equal(m.delivered, m.sent, 'every barrier PONG came back');
  assert.equal(m.payloadBytes, payloadBytes);
  assert.ok((m.deliveredPerSec ?? 0) > 0 && (m.deliveredMBPerSec ?? 0) > 0 && (m.perConnectionPerSec ?? 0) > 0);
  assert.ok(m.windowMs >= m.sendPhaseMs * 0.9, `window ${m.windowMs} vs send ${m.sendPhaseMs}`);
  assert.ok(m.queuedBytesAtSendEnd >= 0);
  assert.ok(m.windowEndEpochMs > m.windowStartEpochMs);
  assert.ok(tier.consistency !== undefined, 'consistency checked');
  assert.equal(tier.consistency.ok, true, tier.consistency.message);
  assert.equal(tier.consistency.serverReceived, m.delivered, 'server counted exactly what was delivered');
}

for (const transport of availableClientTransports()) {
  describe(`benchmark tests over the ${transport.name} transport`, () => {
    const server = new ServerHandle(1000);
    before(() => server.start());
    after(() => server.stop());

    const run = (name: keyof typeof TEST_RUNNERS, options: Partial<BenchOptions>): Promise<TestResult> =>
      TEST_RUNNERS[name](context(transport, server, options));

    test('connection-storm: every connection established, rate and latency measured', async () => {
      const result = await run('connection-storm', { tiers: [5, 12], batchSize: 4 });
      assert.equal(result.tiers.length, 2);
      for (const [i, size] of [5, 12].entries()) {
        const tier = result.tiers[i]!;
        assertCleanTier(tier, size);
        assert.ok((tier.connectRatePerSec ?? 0) > 0);
        assert.equal(tier.connectLatency?.count, size);
        assert.ok(tier.connectLatency.p50 > 0 && tier.connectLatency.max >= tier.connectLatency.p99);
        assert.equal(tier.server?.counters.connectionsOpened, size);
      }
      // The client has seen every close; the server may take a moment longer to see the last ones.
      await waitFor(async () => (await server.openConnections()) === 0, 'connections closed after the tier', 3000);
    });

    test('warm-up: its connections and pings reach the server, are closed, and leave the next tier exact', async () => {
      const before = await server.server!.stats();
      const ctx = context(transport, server, { tiers: [4], warmupConnections: 7 });
      await warmUp(ctx);
      const afterWarmUp = await server.server!.stats();
      assert.equal(afterWarmUp.counters.connectionsOpened - before.counters.connectionsOpened, 4, 'capped at the largest tier');
      assert.equal(afterWarmUp.counters.pings - before.counters.pings, 4 * 5);
      await waitFor(async () => (await server.openConnections()) === 0, 'warm-up connections closed', 3000);
      const tier = (await TEST_RUNNERS['ping-latency'](ctx)).tiers[0]!;
      assertCleanTier(tier, 4);
      assert.equal(tier.consistency?.serverReceived, 4 * ctx.options.pings, 'warm-up pings are not counted in the tier');
      assert.equal(warmUpSize({ ...ctx.options, warmupConnections: 0 }), 0);
      assert.equal(warmUpSize({ ...ctx.options, tiers: [3], tiersByTest: { 'ping-latency': [50] }, tests: ['ping-latency'], warmupConnections: 20 }), 20);
    });

    test('ping-latency: every ping answered, RTT percentiles, server agrees', async () => {
      const result = await run('ping-latency', { tiers: [6], pings: 5 });
      const tier = result.tiers[0]!;
      assertCleanTier(tier, 6);
      assert.equal(tier.latency?.count, 30);
      assert.ok(tier.latency.p50 > 0 && tier.latency.p9999 >= tier.latency.p50);
      assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
      assert.equal(tier.consistency.serverReceived, 30);
    });

    test('throughput: delivered behind the PONG barrier equals the server count', async () => {
      const result = await run('throughput', { tiers: [5], durationSec: 0.4 });
      assert.equal(result.tiers.length, 1);
      const tier = result.tiers[0]!;
      assertCleanTier(tier, 5);
      assertDelivered(tier, 175);
      assert.equal(tier.connectLatency?.count, 5);
    });

    test('throughput interrupted: the tier ends early, marked partial, keeping what was delivered', async () => {
      const ctx = context(transport, server, { tiers: [3, 3], durationSec: 30 });
      const controller = new AbortController();
      ctx.signal = controller.signal;
      const timer = setTimeout(() => controller.abort(), 400);
      const started = Date.now();
      const result = await TEST_RUNNERS.throughput(ctx);
      clearTimeout(timer);
      assert.ok(Date.now() - started < 10_000, 'ended long before the 30 s send phase');
      assert.equal(result.tiers.length, 1, 'no further tier after the abort');
      const tier = result.tiers[0]!;
      assert.match(tier.partial ?? '', /interrupted/);
      assert.ok(tier.messages !== undefined && tier.messages.delivered > 0, 'delivered messages kept');
      assert.equal(tier.messages.delivered, tier.messages.sent);
      assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
      await waitFor(async () => (await server.openConnections()) === 0, 'connections closed', 3000);
    });

    test('size-matrix: one row per size, each delivered and consistent', async () => {
      const result = await run('size-matrix', { tiers: [4], sizes: [64, 1024, 16384], cellDurationSec: 0.25 });
      assert.deepEqual(result.tiers.map((t) => t.label), ['64 B', '1 KB', '16 KB']);
      for (const [i, size] of [64, 1024, 16384].entries()) {
        const tier = result.tiers[i]!;
        assertCleanTier(tier, 4);
        assertDelivered(tier, size);
        assert.equal(tier.params.sizeBytes, size);
      }
    });

    test('format-comparison: JSON as text, msgpack and zlib as binary, wire sizes given', async () => {
      const result = await run('format-comparison', { tiers: [4], formats: ['json', 'msgpack', 'zlib'], cellDurationSec: 0.25 });
      assert.deepEqual(result.tiers.map((t) => t.label), ['json', 'msgpack', 'zlib']);
      const [json, msgpack, zlib] = result.tiers as [TierResult, TierResult, TierResult];
      for (const tier of result.tiers) assertCleanTier(tier, 4);
      assertDelivered(json, Number(json.params.jsonBytes));
      assertDelivered(msgpack, Number(msgpack.params.msgpackBytes));
      assertDelivered(zlib, Number(zlib.params.zlibBytes));
      assert.ok(Number(json.params.msgpackBytes) < Number(json.params.jsonBytes), 'msgpack is smaller than JSON');
      assert.equal(json.params.frame, 'text');
      assert.equal(msgpack.params.frame, 'binary');
      assert.equal(json.server?.counters.messages.binary, 0);
      assert.equal(msgpack.server?.counters.messages.msgpack, msgpack.messages?.delivered);
      assert.equal(zlib.server?.counters.messages.zlib, zlib.messages?.delivered);
    });

    test('sustained-hold: all connections survive, every interval ping answered', async () => {
      const result = await run('sustained-hold', { tiers: [5], holdSec: 1.2, holdPingIntervalSec: 0.4 });
      const tier = result.tiers[0]!;
      assertCleanTier(tier, 5);
      const hold = tier.hold;
      assert.ok(hold !== undefined);
      assert.equal(hold.survivalPct, 100);
      assert.equal(hold.disconnects, 0);
      assert.equal(hold.pingsSent, 15);
      assert.equal(hold.pongsReceived, 15);
      assert.ok(hold.heldMs >= 1150, `held ${hold.heldMs} ms`);
      // One p50 per round of pings (3 rounds of 5), however late a round's PONGs came back.
      assert.equal(hold.p50ByInterval.length, 3, String(hold.p50ByInterval));
      assert.ok(hold.p50ByInterval.every((p) => (p ?? 0) > 0), String(hold.p50ByInterval));
      assert.equal(tier.latency?.count, 15);
      assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
    });

    test('connection-limit: stops at --max-connections when every probe succeeds', async () => {
      const result = await run('connection-limit', { maxConnections: 12, limitStartConnections: 3, limitHoldSec: 0.2 });
      assert.deepEqual(
        result.probes?.map((p) => [p.phase, p.target, p.connected, p.ok]),
        [['probe', 3, 3, true], ['probe', 6, 6, true], ['probe', 12, 12, true]],
      );
      assert.equal(result.maxStableConnections, 12);
      assert.equal(result.stoppedBy, 'max-connections');
      assert.equal(result.tiers.length, 3);
    });
  });
}

describe('connection-limit against a server that refuses connections over 10', () => {
  const server = new ServerHandle(10);
  before(() => server.start());
  after(() => server.stop());

  for (const transport of availableClientTransports()) {
    test(`${transport.name}: exponential probe, then bisection to the exact limit`, async () => {
      const ctx = context(transport, server, { maxConnections: 100, limitStartConnections: 4, limitHoldSec: 0.1, batchSize: 50 });
      const result = await TEST_RUNNERS['connection-limit'](ctx);
      const probes = result.probes ?? [];
      assert.deepEqual(
        probes.filter((p) => p.phase === 'probe').map((p) => [p.target, p.ok]),
        [[4, true], [8, true], [16, false]],
      );
      assert.ok(probes.some((p) => p.phase === 'bisect'), 'bisection ran');
      assert.equal(result.maxStableConnections, 10);
      assert.equal(result.stoppedBy, 'failures');
      const failed = result.tiers.find((t) => t.connections === 16);
      assert.equal(failed?.connectionCounts.failedByKind['server-full'], 6);
    });
  }
});

describe('connection-limit bisection resolution', () => {
  test('5 % of the last success, at most 500, at least 1', () => {
    assert.equal(bisectionResolution(0), 1);
    assert.equal(bisectionResolution(10), 1);
    assert.equal(bisectionResolution(1_000), 50);
    assert.equal(bisectionResolution(64_000), 500);
  });
});
