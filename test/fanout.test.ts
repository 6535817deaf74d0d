// The fanout test against the embedded server (a separate serve process, its publisher driven over
// its metrics port): exact books over every client transport, both parse modes, every server
// transport and two server workers; a subscriber that stops reading (its gaps are exactly the
// server's slow-consumer drops, and it stays connected); the server killed mid-tier (partial, and
// an ERROR naming why the books cannot close); a server this run does not drive (listened to).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from '../bench/engine/context.js';
import type { BenchOptions } from '../bench/options/bench-options.js';
import type { TierResult } from '../bench/results.js';
import { TEST_RUNNERS } from '../bench/scenarios/index.js';
import { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from '../bench/server/embedded.js';
import { metricsReader } from '../bench/target/metrics-reader.js';
import { httpPublisherClient } from '../bench/target/publisher-control.js';
import { wseUrl } from '../core/wse/messages.js';
import type { ClientTransport } from '../core/wse/transport.js';
import { directRunOptions, testContext } from './fixtures/context.js';
import { listen } from './fixtures/servers.js';
import { embeddedServerOptions } from './fixtures/serve-bundle.js';
import { availableClientTransports, availableServerTransports } from './fixtures/transports.js';
import { waitFor } from './fixtures/waiting.js';
import { mint } from './server-harness.js';

let token = '';
before(async () => {
  token = await mint();
});

function fanoutOptions(overrides: Partial<BenchOptions>): BenchOptions {
  return directRunOptions({ port: 0, tests: ['fanout'], tiers: [6], durationSec: 0.8, batchSize: 50, connectTimeoutMs: 10_000, ...overrides });
}

/** A context that drives `server`'s publisher and reads its counters (IPC) and /metrics, like a run does. */
function fanoutContext(server: EmbeddedServer, transport: ClientTransport, overrides: Partial<BenchOptions>, signal?: AbortSignal): TestContext {
  const ctx = testContext({
    options: fanoutOptions(overrides),
    transport,
    url: wseUrl('127.0.0.1', server.port),
    token,
    readServerStats: () => server.stats(),
    ...(signal !== undefined ? { signal } : {}),
  });
  const metrics = metricsReader('127.0.0.1', server.metricsPort!);
  return { ...ctx, publisher: httpPublisherClient('127.0.0.1', server.metricsPort!, token), readServerMetrics: () => metrics.read() };
}

async function runFanout(ctx: TestContext): Promise<TierResult[]> {
  return (await TEST_RUNNERS.fanout(ctx)).tiers;
}

/** The books closed exactly: every delivery accounted for, no subscriber lost anything it was sent. */
function assertExactBooks(tier: TierResult, subscribers: number): void {
  const f = tier.fanout;
  assert.ok(f !== undefined, 'fanout result');
  assert.equal(tier.partial, undefined, `partial: ${tier.partial}`);
  assert.equal(f.subscribers, subscribers);
  assert.ok(f.published !== null && f.published > 0, 'published');
  assert.ok(f.received > 0, 'received');
  // one stream: published × subscribers; several: each stream's × its subscribers (the books below)
  if (f.streams === 1) assert.equal(f.expectedDeliveries, f.published * subscribers);
  assert.equal(f.received + f.serverDrops! + f.lostInFlight!, f.expectedDeliveries);
  assert.equal(f.lost, f.serverDrops, 'every gap is a server drop');
  assert.equal(f.lostInFlight, 0);
  assert.equal(f.duplicates, 0);
  assert.equal(f.reordered, 0);
  assert.ok(tier.consistency?.ok === true, tier.consistency?.message ?? 'no consistency');
  assert.ok(f.deliveriesPerSec > 0 && f.MBPerSec > 0 && f.windowMs > 0);
  assert.ok(tier.serverMetrics !== undefined, '/metrics read around the tier');
  assert.equal(tier.serverMetrics.slowConsumerDrops, f.serverDrops, "/metrics' drops are the publisher's");
  assert.equal(tier.server?.counters.slowConsumerDrops, f.serverDrops);
  assert.deepEqual(tier.unexpectedCloses, {});
  assert.ok(!tier.notes.some((n) => n.startsWith('ERROR')), tier.notes.join('\n'));
}

async function start(overrides: Partial<EmbeddedServerOptions> = {}): Promise<EmbeddedServer> {
  const server = await startEmbeddedServer(embeddedServerOptions(overrides));
  assert.ok(server.metricsPort !== undefined, 'the embedded server has a metrics port');
  return server;
}

describe('fanout against the embedded server', () => {
  let server: EmbeddedServer;
  before(async () => {
    server = await start();
  });
  after(() => server.stop());

  for (const transport of availableClientTransports()) {
    for (const parse of ['none', 'json'] as const) {
      test(`${transport.name}, --parse ${parse}: as fast as the server can, every delivery accounted for, latency per message`, async () => {
        const [tier] = await runFanout(fanoutContext(server, transport, { parse }));
        assertExactBooks(tier!, 6);
        const f = tier!.fanout!;
        assert.equal(f.parse, parse);
        assert.equal(f.publisherDriven, true);
        assert.equal(f.requestedRatePerSec, null);
        assert.equal(f.latency?.count, f.received, 'one latency sample per delivery');
        assert.equal(f.negativeLatencies, 0, 'one clock: nothing arrives before it was sent');
      });
    }
  }

  test('--publish-rate and --sizes: one cell per size, each message that size, the rate kept', async () => {
    const transport = availableClientTransports()[0]!;
    const tiers = await runFanout(fanoutContext(server, transport, { parse: 'none', publishRate: 500, fanoutSizes: [200, 1024], durationSec: 1 }));
    assert.deepEqual(tiers.map((t) => t.label), ['200 B', '1 KB']);
    for (const [i, size] of [200, 1024].entries()) {
      const tier = tiers[i]!;
      assertExactBooks(tier, 6);
      assert.equal(tier.fanout!.payloadBytes, size);
      assert.equal(tier.fanout!.requestedRatePerSec, 500);
      // a loaded machine may fall behind the timetable, never ahead of it
      assert.ok(tier.fanout!.publishedPerSec! <= 560 && tier.fanout!.publishedPerSec! > 150, `${tier.fanout!.publishedPerSec}/s`);
      assert.ok(Math.abs(tier.fanout!.MBPerSec * 1e6 - tier.fanout!.deliveriesPerSec * size) < 1, 'MB/s from the bytes received');
    }
  });

  test('--clock ping: the offset estimated from PONG round trips is within its bound (one machine, one clock)', async () => {
    const [tier] = await runFanout(fanoutContext(server, availableClientTransports()[0]!, { clock: 'ping', parse: 'none', publishRate: 2000 }));
    const f = tier!.fanout!;
    assert.equal(f.clock, 'ping');
    assert.ok(f.clockOffsetMicros !== undefined && f.clockUncertaintyMicros !== undefined);
    // the server stamps PONGs with Date.now() (whole ms): one more ms of slack for that clock's reading
    assert.ok(Math.abs(f.clockOffsetMicros) <= f.clockUncertaintyMicros + 1000, `offset ${f.clockOffsetMicros} ± ${f.clockUncertaintyMicros}`);
    assert.ok(tier!.notes.some((n) => n.startsWith('--clock ping: ')));
  });

  test("a server this run does not drive (publishing on its own) is listened to: gaps checked against /metrics' drops", async () => {
    const control = httpPublisherClient('127.0.0.1', server.metricsPort!, token);
    await control.start({ payloadBytes: 1, ratePerSec: 2000 });
    try {
      const ctx = fanoutContext(server, availableClientTransports()[0]!, { parse: 'none', host: '127.0.0.1' });
      delete ctx.publisher;
      const [tier] = await runFanout(ctx);
      const f = tier!.fanout!;
      assert.equal(f.publisherDriven, false);
      assert.ok(f.received > 0);
      assert.ok(f.published !== null && f.published > 0, 'published = the seq span seen');
      assert.equal(f.lost, 0);
      assert.equal(f.serverDelivered, null);
      assert.equal(f.serverDrops, 0, "the drops /metrics counted over the tier");
      assert.equal(tier!.consistency?.ok, true, tier!.consistency?.message);
      assert.ok(tier!.notes.some((n) => n.startsWith('listened only')), tier!.notes.join('\n'));
      assert.ok(tier!.notes.some((n) => n.startsWith('delivery latency assumes')), 'says what --host latency assumes');
    } finally {
      await control.stop();
    }
  });
});

describe('fanout on every server transport and on two server workers', () => {
  const cases: { name: string; options: Partial<EmbeddedServerOptions> }[] = [
    ...availableServerTransports().map((t) => ({ name: `the ${t.name} server transport`, options: { transport: t.name } })),
    { name: 'two server workers (one stream each)', options: { workers: 2 } },
  ];
  for (const { name, options } of cases) {
    test(`${name}: exact books at a set rate and as fast as it can`, async () => {
      const server = await start(options);
      try {
        assert.equal(server.transport, options.transport ?? server.transport);
        const transport = availableClientTransports()[0]!;
        for (const publishRate of [1500, undefined]) {
          const [tier] = await runFanout(fanoutContext(server, transport, { parse: 'none', tiers: [8], ...(publishRate !== undefined ? { publishRate } : {}) }));
          assertExactBooks(tier!, 8);
          assert.equal(tier!.fanout!.streams, options.workers ?? 1);
        }
      } finally {
        await server.stop();
      }
    });
  }
});

/**
 * A TCP proxy in front of the server whose server→client direction can be stalled: the subscriber
 * behind it stops reading as far as the server can tell, its kernel buffers fill, then its queue.
 */
class StallingProxy {
  private server: Server | undefined;
  private readonly upstreams: Socket[] = [];
  private stalled = false;
  port = 0;

  async start(targetPort: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.upstreams.push(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (!client.write(chunk)) upstream.pause();
      });
      client.on('drain', () => {
        if (!this.stalled) upstream.resume();
      });
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      if (this.stalled) upstream.pause();
    });
    this.port = await listen(this.server);
  }

  stall(): void {
    this.stalled = true;
    for (const u of this.upstreams) u.pause();
  }

  resume(): void {
    this.stalled = false;
    for (const u of this.upstreams) u.resume();
  }

  async stop(): Promise<void> {
    for (const u of this.upstreams) u.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** `transport`, with the first `count` connections dialled through `proxyPort` instead of `port`. */
function throughProxy(transport: ClientTransport, port: number, proxyPort: number, count: number): ClientTransport {
  let dials = 0;
  return {
    name: transport.name,
    supportsLocalAddress: transport.supportsLocalAddress,
    dial: (url, options, events) => transport.dial(dials++ < count ? url.replace(`:${port}/`, `:${proxyPort}/`) : url, options, events),
  };
}

describe('a slow consumer', () => {
  /** The fanout test on `subscribers`, the first of them behind a proxy stalled from publishing's start to just after its end. */
  async function withStalledSubscriber(transport: ClientTransport, options: Partial<BenchOptions>): Promise<TierResult> {
    const server = await start({ outboundQueue: 16 * 1024 });
    const proxy = new StallingProxy();
    await proxy.start(server.port);
    try {
      const ctx = fanoutContext(server, throughProxy(transport, server.port, proxy.port, 1), { parse: 'none', fanoutSizes: [4096], ...options });
      const [tier] = await runFanout({
        ...ctx,
        barrier: async (phase) => {
          if (phase === 'start') proxy.stall();
          // the drain then reads the stalled subscriber's queue out
          if (phase === 'published') setTimeout(() => proxy.resume(), 300);
        },
      });
      return tier!;
    } finally {
      await proxy.stop();
      await server.stop();
    }
  }

  for (const transport of availableClientTransports()) {
    test(`over ${transport.name}: messages past a subscriber's outbound cap are dropped for it alone; its gaps are exactly those drops; it stays connected`, async () => {
      // 2,000 × 4 KB a second: the stalled subscriber's kernel buffers (a few MB) fill within the tier on any machine
      const tier = await withStalledSubscriber(transport, { tiers: [2], publishRate: 2000, durationSec: 2.5 });
      const f = tier.fanout!;
      assert.ok(f.serverDrops! > 0, `the server dropped messages for the stalled subscriber (${f.serverDrops})`);
      assert.equal(f.subscribersWithLoss, 1, 'only the stalled subscriber lost messages');
      assert.equal(f.maxLossPerSubscriber, f.lost);
      assertExactBooks(tier, 2);
    });
  }

  test('as fast as the server can: a stalled subscriber holds the publisher back briefly, then is left to the drop policy', async () => {
    const tier = await withStalledSubscriber(availableClientTransports()[0]!, { tiers: [3], durationSec: 1.5 });
    const f = tier.fanout!;
    // held back for good, the publisher would stop after the stalled subscriber's 4 unanswered pings
    // (one 4 KB message each under a 16 KB cap); the readers kept receiving long after that
    assert.ok(f.published! > 100, `published ${f.published}`);
    assert.ok(f.subscribersWithLoss <= 1, 'at most the stalled subscriber lost messages');
    assertExactBooks(tier, 3);
  });
});

describe('the server killed mid-tier', () => {
  test('the tier ends partial, and the books are an ERROR that says why they cannot close', async () => {
    const server = await start();
    const aborted = new AbortController();
    server.onUnexpectedExit((description) => aborted.abort(new Error(`embedded server died: ${description}`)));
    const ctx = fanoutContext(server, availableClientTransports()[0]!, { parse: 'none', tiers: [5], durationSec: 20, publishRate: 1000 }, aborted.signal);
    const running = runFanout(ctx);
    const control = httpPublisherClient('127.0.0.1', server.metricsPort!, token);
    await waitFor(async () => ((await control.latest())?.streams[0]?.published ?? 0) > 100, 'publishing under way', 15_000);
    const killedAt = Date.now();
    process.kill(server.pid, 'SIGKILL');
    const [tier] = await running;
    assert.ok(Date.now() - killedAt < 15_000, 'the tier ended soon after the kill');
    assert.match(tier!.partial ?? '', /interrupted while publishing/);
    const f = tier!.fanout!;
    assert.ok(f.received > 0, 'what arrived before the kill is kept');
    assert.equal(f.published, null);
    assert.equal(f.serverDrops, null);
    assert.equal(tier!.consistency?.ok, false);
    assert.match(tier!.consistency!.message, /the fan-out books cannot close: the publisher's report is missing/);
    await server.stop();
  });
});
