// The embedded server speaks WSE as the reference clients expect, on every server transport.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { availableServerTransports } from './fixtures/transports.js';
import { waitFor } from './fixtures/waiting.js';
import { RecordingClient, TRADE, mint, ping, startTestServer, type TestServer } from './server-harness.js';

for (const transport of availableServerTransports()) {
  describe(`WSE conformance over ${transport.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(transport);
    });
    after(async () => {
      await server.stop();
    });

    test('cookie JWT → server_ready first, client_hello → server_hello, pings → PONGs in order, then a burst', async () => {
      const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      await client.until(() => client.messages.length >= 1);
      const ready = client.json()[0] as Record<string, unknown>;
      assert.equal(client.messages[0]?.isBinary, false);
      assert.equal(ready['t'], 'server_ready');
      assert.equal(ready['c'], 'WSE');
      assert.equal(ready['seq'], 1);
      assert.equal(ready['v'], 1);
      assert.match(ready['id'] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(!Number.isNaN(Date.parse(ready['ts'] as string)));
      const details = (ready['p'] as { details: Record<string, unknown> }).details;
      assert.equal(details['user_id'], 'bench-user');
      assert.equal(details['version'], 1);
      assert.equal(typeof details['connection_id'], 'string');

      client.ws.send(JSON.stringify({ c: 'WSE', t: 'client_hello', p: { client_version: 'test/1', protocol_version: 3 }, v: 1 }));
      await client.until(() => client.messages.length >= 2);
      const hello = client.json()[1] as Record<string, unknown>;
      assert.equal(hello['t'], 'server_hello');
      const hp = hello['p'] as Record<string, unknown>;
      assert.equal(hp['protocol_version'], 1);
      assert.deepEqual(hp['limits'], { max_message_size: 1048576, rate_limit_capacity: 100000, rate_limit_refill: 10000 });
      assert.equal(hp['ping_interval'], 25000);
      assert.equal(hp['connection_id'], details['connection_id']);

      const stamps = [1700000000001, 1700000000002, 1700000000003];
      for (const stamp of stamps) client.ws.send(ping(stamp));
      client.ws.send('{"t":"PING","p":{}}'); // case-insensitive type, no timestamp → 0
      await client.until(() => client.countType('pong') === 4);
      const pongs = client.json().filter((m) => m['t'] === 'PONG');
      assert.deepEqual(pongs.map((m) => (m['p'] as Record<string, unknown>)['client_timestamp']), [...stamps, 0]);
      for (const pong of pongs) {
        assert.equal(pong['c'], 'WSE');
        assert.equal(pong['v'], 1);
        assert.equal(typeof (pong['p'] as Record<string, unknown>)['server_timestamp'], 'number');
        assert.equal(typeof (pong['p'] as Record<string, unknown>)['latency'], 'number');
      }

      const before = server.app.counters.messages.json;
      for (let i = 0; i < 500; i++) client.ws.send(TRADE);
      client.ws.send(ping(42));
      await client.until(() => client.countType('pong') === 5);
      // the PONG to a ping sent after the burst proves the server read the whole burst
      assert.equal(server.app.counters.messages.json - before, 501);
      await client.close();
    });

    test('Authorization: Bearer works (scheme case-insensitive), the cookie wins over it', async () => {
      const bearer = await RecordingClient.connect(server.url, { Authorization: `bEaReR ${await mint({ subject: 'via-bearer' })}` });
      await bearer.until(() => bearer.messages.length >= 1);
      assert.equal(((bearer.json()[0]?.['p'] as { details: Record<string, unknown> }).details)['user_id'], 'via-bearer');
      await bearer.close();
      const both = await RecordingClient.connect(server.url, {
        Cookie: `theme=dark; access_token=${await mint({ subject: 'via-cookie' })}`,
        Authorization: `Bearer ${await mint({ subject: 'via-bearer' })}`,
      });
      await both.until(() => both.messages.length >= 1);
      assert.equal(((both.json()[0]?.['p'] as { details: Record<string, unknown> }).details)['user_id'], 'via-cookie');
      await both.close();
    });

    test('messages sent before verification finishes are queued and answered after server_ready', async () => {
      const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      client.ws.send(ping(7));
      await client.until(() => client.messages.length >= 2);
      assert.deepEqual(client.json().map((m) => m['t']), ['server_ready', 'PONG']);
      await client.close();
    });

    const refusals: [string, () => Promise<Record<string, string>>, string][] = [
      ['no token', async () => ({}), 'AUTH_REQUIRED'],
      ['a cookie without access_token', async () => ({ Cookie: 'session=abc' }), 'AUTH_REQUIRED'],
      ['a wrong secret', async () => RecordingClient.cookie(await mint({ secret: 'other' })), 'AUTH_FAILED'],
      ['an expired token', async () => RecordingClient.cookie(await mint({ expiresInSeconds: -60 })), 'AUTH_FAILED'],
      ['a wrong issuer', async () => RecordingClient.cookie(await mint({ issuer: 'someone' })), 'AUTH_FAILED'],
      ['a wrong audience', async () => RecordingClient.cookie(await mint({ audience: 'someone' })), 'AUTH_FAILED'],
      ['an empty subject', async () => RecordingClient.cookie(await mint({ subject: '' })), 'AUTH_FAILED'],
      ['HS512', async () => RecordingClient.cookie(await mint({ alg: 'HS512' })), 'AUTH_FAILED'],
      ['alg none', async () => RecordingClient.cookie(unsignedToken()), 'AUTH_FAILED'],
      ['garbage', async () => ({ Authorization: 'Bearer not.a.jwt' }), 'AUTH_FAILED'],
    ];
    for (const [what, headers, code] of refusals) {
      test(`${what} → ${code} error frame, then close 4401`, async () => {
        const failuresBefore = server.app.counters.authFailures;
        const client = await RecordingClient.connect(server.url, await headers());
        await client.closed;
        assert.equal(client.closeCode, 4401);
        assert.equal(client.closeReason, 'Authentication failed');
        assert.equal(client.messages.length, 1);
        const error = client.json()[0] as Record<string, unknown>;
        assert.equal(error['t'], 'error');
        assert.equal(error['c'], 'WSE');
        const p = error['p'] as Record<string, unknown>;
        assert.equal(p['code'], code);
        if (code === 'AUTH_REQUIRED') assert.equal(p['message'], 'No JWT cookie or Authorization header');
        assert.ok(!Number.isNaN(Date.parse(p['timestamp'] as string)));
        assert.equal(server.app.counters.authFailures, failuresBefore + 1);
      });
    }

    test('a message over 1 MiB closes the connection with 1009', async () => {
      const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      await client.until(() => client.messages.length >= 1);
      client.ws.send(Buffer.alloc(1024 * 1024 + 1, 0x20), { binary: true });
      await client.closed;
      assert.equal(client.closeCode, 1009);
    });

    test('a message of exactly 1 MiB is accepted', async () => {
      const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      await client.until(() => client.messages.length >= 1);
      const body = `{"t":"big","p":"${'x'.repeat(1024 * 1024 - 18)}"}`;
      assert.equal(Buffer.byteLength(body), 1024 * 1024);
      client.ws.send(body);
      client.ws.send(ping(5));
      await client.until(() => client.countType('pong') === 1);
      assert.equal(client.closeCode, undefined);
      await client.close();
    });

    test('format=msgpack switches server→client messages to M:', async () => {
      const client = await RecordingClient.connect(`${server.url}&format=msgpack`, RecordingClient.cookie(await mint()));
      await client.until(() => client.messages.length >= 1);
      const first = client.messages[0];
      assert.equal(first?.isBinary, true);
      assert.equal((first?.data as Buffer).subarray(0, 2).toString(), 'M:');
      await client.close();
    });
  });

  describe(`server limits over ${transport.name}`, () => {
    test('over --max-connections the socket is closed right after the upgrade, nothing sent', async () => {
      const server = await startTestServer(transport, { maxConnections: 2 });
      try {
        const token = await mint();
        const a = await RecordingClient.connect(server.url, RecordingClient.cookie(token));
        const b = await RecordingClient.connect(server.url, RecordingClient.cookie(token));
        await a.until(() => a.messages.length >= 1);
        await b.until(() => b.messages.length >= 1);
        const c = await RecordingClient.connect(server.url, RecordingClient.cookie(token));
        await c.closed;
        assert.equal(c.messages.length, 0);
        assert.equal(c.closeCode, 1006);
        assert.equal(server.app.counters.connectionsRejected, 1);
        assert.equal(server.app.counters.connectionsOpened, 2);
        await a.close();
        await b.close();
      } finally {
        await server.stop();
      }
    });

    test('sink mode counts frames, still answers client_hello and ping, parses nothing else', async () => {
      const server = await startTestServer(transport, { mode: 'sink' });
      try {
        const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
        await client.until(() => client.messages.length >= 1);
        client.ws.send('{"t":"client_hello","p":{"client_version":"t/1","protocol_version":1}}');
        for (let i = 0; i < 100; i++) client.ws.send(TRADE);
        client.ws.send(Buffer.from('not json at all'), { binary: true });
        client.ws.send('{"c":"WSE","t":"PONG","p":{"client_timestamp":1,"server_timestamp":2}}');
        client.ws.send(ping(99));
        await client.until(() => client.countType('pong') === 1);
        assert.deepEqual(client.json().map((m) => m['t']), ['server_ready', 'server_hello', 'PONG']);
        const m = server.app.counters.messages;
        assert.equal(m.text, 103);
        assert.equal(server.app.counters.pings, 1);
        assert.equal(m.binary, 1);
        assert.equal(m.json + m.bad + m.msgpack + m.zlib, 0);
        await client.close();
      } finally {
        await server.stop();
      }
    });

    test('--rate-limit wse: over the bucket messages are dropped, RATE_LIMITED sent at most once a second, warning at 80 %', async () => {
      const server = await startTestServer(transport, { rateLimit: 'wse' });
      try {
        const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
        await client.until(() => client.messages.length >= 1);
        const burst = 110_000;
        const small = '{"t":"x"}';
        for (let i = 0; i < burst; i++) client.ws.send(small);
        await waitFor(() => server.app.counters.messages.text >= burst, 'the server to read the burst', 20_000);
        const drops = server.app.counters.rateLimitedDrops;
        const processed = server.app.counters.messages.json;
        assert.equal(drops + processed, burst);
        assert.ok(drops > 0, 'some messages must be dropped');
        assert.ok(processed >= 100_000, `the whole bucket is usable (processed ${processed})`);
        await client.until(() => client.countType('error') >= 1 && client.countType('rate_limit_warning') >= 1);
        const errors = client.json().filter((m) => m['t'] === 'error');
        const seconds = 1 + Math.ceil(20); // upper bound of elapsed seconds above
        assert.ok(errors.length <= seconds);
        assert.deepEqual(errors[0], { c: 'WSE', t: 'error', p: { code: 'RATE_LIMITED', message: 'Rate limit exceeded', retry_after: 1 }, v: 1 });
        const rawError = client.messages.find((m) => typeof m.data === 'string' && m.data.includes('RATE_LIMITED'));
        assert.match(rawError?.data as string, /"retry_after":1\.0/);
        await client.close();
      } finally {
        await server.stop();
      }
    });

    test('GET /stats on the same port answers the counters as JSON', async () => {
      const server = await startTestServer(transport);
      try {
        const response = await fetch(`http://127.0.0.1:${server.port}/stats`);
        assert.equal(response.status, 200);
        const stats = (await response.json()) as Record<string, unknown>;
        assert.equal(stats['transport'], transport.name);
        assert.equal(stats['mode'], 'wse');
        assert.equal(typeof (stats['counters'] as Record<string, unknown>)['connectionsOpened'], 'number');
        const missing = await fetch(`http://127.0.0.1:${server.port}/nothing`);
        assert.equal(missing.status, 404);
        await missing.text();
      } finally {
        await server.stop();
      }
    });

    test('a connection silent for the idle timeout is closed with 1000', async () => {
      const server = await startTestServer(transport, { idleTimeoutMs: 300 });
      try {
        const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
        await client.closed;
        assert.equal(client.closeCode, 1000);
      } finally {
        await server.stop();
      }
    });

    test('the heartbeat ping is sent to every authenticated connection', async () => {
      const server = await startTestServer(transport, { heartbeatMs: 100 });
      try {
        const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
        await client.until(() => client.json().some((m) => m['t'] === 'ping'));
        const beat = client.json().find((m) => m['t'] === 'ping') as Record<string, unknown>;
        assert.equal(beat['c'], 'WSE');
        assert.ok(!Number.isNaN(Date.parse((beat['p'] as Record<string, unknown>)['server_time'] as string)));
        await client.close();
      } finally {
        await server.stop();
      }
    });
  });
}

function unsignedToken(): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'bench-user', iss: 'wse-bench', aud: 'wse-bench', exp: now + 3600 })}.`;
}
