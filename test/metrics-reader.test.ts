// GET /metrics: the embedded server serves WSE's metric names in the Prometheus text format, merged
// over its workers, equal to its own counters; the reader reads it and a stub serving WSE's format;
// missing or malformed is one line; and where a server has no /stats, the consistency check
// falls back to /metrics (a lower bound), catching a server that counted less than was delivered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_RUNNERS } from '../bench/scenarios/index.js';
import { startEmbeddedServer, type EmbeddedServer } from '../bench/server/embedded.js';
import { wseMetricsOf } from '../bench/server/wse-metrics.js';
import { metricsReader } from '../bench/target/metrics-reader.js';
import { plainHttp } from '../bench/target/plain-http.js';
import { wseUrl } from '../core/wse/messages.js';
import { directRunOptions, testContext } from './fixtures/context.js';
import { embeddedServerOptions } from './fixtures/serve-bundle.js';
import { availableClientTransports } from './fixtures/transports.js';
import { mint, sendAndBarrier } from './server-harness.js';

/** An HTTP server answering every request with `status` and `body`. */
async function stub(status: number, body: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(status, { 'Content-Type': 'text/plain; version=0.0.4' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const workers of [1, 2]) {
  describe(`the embedded server's /metrics (${workers} worker(s))`, () => {
    let server: EmbeddedServer;
    before(async () => {
      server = await startEmbeddedServer(embeddedServerOptions({ workers }));
    });
    after(() => server.stop());

    test("WSE's names, merged over the workers, equal to its own counters", async () => {
      assert.ok(server.metricsPort !== undefined);
      await Promise.all([sendAndBarrier(wseUrl('127.0.0.1', server.port), 120), sendAndBarrier(wseUrl('127.0.0.1', server.port), 80)]);
      const response = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      for (const name of ['wse_connections', 'wse_messages_received_total', 'wse_messages_sent_total', 'wse_connections_accepted_total', 'wse_connections_rejected_total',
        'wse_bytes_received_total', 'wse_bytes_sent_total', 'wse_auth_failures_total', 'wse_rate_limited_total', 'wse_slow_consumer_drops_total']) {
        assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name);
      }
      const read = await metricsReader('127.0.0.1', server.metricsPort).read();
      const stats = await server.stats();
      assert.deepEqual(read, wseMetricsOf(stats));
      assert.equal(read.messagesReceived, 120 + 80 + 2, 'the data and two pings');
      assert.equal(read.connectionsAccepted, 2);
      // server_ready and a PONG each
      assert.equal(read.messagesSent, 4);
    });
  });
}

describe('the /metrics reader against stubs', () => {
  test("a server exporting WSE's format with labels and timestamps", async () => {
    const s = await stub(200, '# HELP wse_connections Open\n# TYPE wse_connections gauge\nwse_connections{worker="1"} 3\nwse_connections{worker="2"} 4 1700000000000\nwse_messages_received_total 99\n');
    try {
      assert.deepEqual(await metricsReader('127.0.0.1', s.port).read(), { connections: 7, messagesReceived: 99 });
    } finally {
      await s.close();
    }
  });

  for (const [what, status, body, problem] of [
    ['malformed', 200, 'wse_connections{ 3\n', /^malformed: line 1: /],
    ['not a WSE server', 200, 'process_cpu_seconds_total 1\n', /no wse_\* metric/],
    ['missing (404)', 404, 'Not Found', /^HTTP 404$/],
  ] as const) {
    test(`${what}: one line saying so`, async () => {
      const s = await stub(status, body);
      try {
        await assert.rejects(metricsReader('127.0.0.1', s.port).read(), (error: Error) => problem.test(error.message) && !error.message.includes('\n'));
      } finally {
        await s.close();
      }
    });
  }

  test('nothing listening: connection refused', async () => {
    const s = await stub(200, '');
    const port = s.port;
    await s.close();
    await assert.rejects(metricsReader('127.0.0.1', port).read(), /connection refused/);
  });
});

describe('consistency from /metrics where the server has no /stats', () => {
  let server: EmbeddedServer;
  let token = '';
  before(async () => {
    server = await startEmbeddedServer(embeddedServerOptions());
    token = await mint();
  });
  after(() => server.stop());

  const runThroughput = (readServerMetrics: () => Promise<Record<string, number>>) => {
    const ctx = testContext({
      options: directRunOptions({ port: 0, tiers: [4], durationSec: 0.4 }),
      transport: availableClientTransports()[0]!,
      url: wseUrl('127.0.0.1', server.port),
      token,
    });
    return TEST_RUNNERS.throughput({ ...ctx, readServerMetrics });
  };

  test("the server's wse_messages_received_total bounds what the client delivered: ok", async () => {
    const reader = metricsReader('127.0.0.1', server.metricsPort!);
    const [tier] = (await runThroughput(() => reader.read())).tiers;
    assert.ok(tier!.messages!.delivered > 0);
    assert.equal(tier!.consistency?.ok, true, tier!.consistency?.message);
    assert.match(tier!.consistency!.message, /the server's \/metrics counted \d+ messages received, at least the \d+ messages and \d+ barrier pings/);
    assert.ok((tier!.serverMetrics?.messagesReceived ?? 0) >= tier!.messages!.delivered);
  });

  test('a server whose /metrics counted fewer messages than were delivered: ERROR', async () => {
    let calls = 0;
    // before: 0, after: 1 — far fewer than delivered
    const [tier] = (await runThroughput(() => Promise.resolve({ messagesReceived: calls++ === 0 ? 0 : 1 }))).tiers;
    assert.equal(tier!.consistency?.ok, false);
    assert.match(tier!.consistency!.message, /fewer than the \d+ messages and \d+ barrier pings the client proved read/);
    assert.ok(tier!.notes.some((n) => n.startsWith('ERROR: ')));
  });
});

describe('a plain-HTTP request to the metrics port', () => {
  test("each has its own connection: a server closing an idle keep-alive one as the next request arrives does not fail it", async () => {
    // Regression: under Node 20 the global agent kept the connection of the publisher's start for
    // its stop, and the server closes an idle one after 5 s (keepAliveTimeout) — about one tier.
    // When the stop went out as that close came, it failed with "socket hang up" and the tier's
    // books lost the publisher's report. This server plays that close: a second request on a
    // connection is dropped unanswered.
    const served = new WeakSet<object>();
    const server: Server = createServer((request, response) => {
      if (served.has(request.socket)) {
        request.socket.destroy();
        return;
      }
      served.add(request.socket);
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      for (let i = 0; i < 3; i++) assert.equal((await plainHttp('POST', '127.0.0.1', port, '/fanout/stop', {}, 10_000)).body, 'ok');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
