import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { jwtVerify } from 'jose';
import { ConnectError } from '../core/errors.js';
import { WseSession, type WseSessionListener } from '../core/wse/session.js';
import { wseUrl } from '../core/wse/messages.js';
import { mintToken } from '../bench/jwt.js';
import { closeWsServer, wsServerPort } from './fixtures/servers.js';
import { availableClientTransports } from './fixtures/transports.js';
import { waitFor } from './fixtures/waiting.js';

const SECRET = 'bench-secret-key-for-testing-only';
const CLAIMS = { secret: SECRET, issuer: 'wse-bench', audience: 'wse-bench', subject: 'bench-user' };

type Mode = 'wse' | 'close-after-upgrade' | 'silent';

interface ServerSide {
  ws: WebSocket;
  readySent: boolean;
  helloAfterReady: boolean | undefined;
  heartbeatReplies: unknown[];
}

/** A small WSE look-alike: JWT from cookie or bearer, server_ready, server_hello, in-order PONGs. */
class TestWseServer {
  mode: Mode = 'wse';
  readonly sides: ServerSide[] = [];
  /** The headers of the last upgrade request, as the server read them. */
  lastRequestHeaders: IncomingMessage['headers'] = {};
  private server: WebSocketServer | undefined;

  async start(): Promise<number> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    this.server = server;
    server.on('connection', (ws, request) => {
      void this.accept(ws, request);
    });
    return wsServerPort(server);
  }

  stop(): Promise<void> {
    return closeWsServer(this.server);
  }

  lastSide(): ServerSide {
    const side = this.sides.at(-1);
    assert.ok(side !== undefined, 'no server-side connection');
    return side;
  }

  private async accept(ws: WebSocket, request: IncomingMessage): Promise<void> {
    ws.on('error', () => {});
    this.lastRequestHeaders = request.headers;
    if (this.mode === 'close-after-upgrade') {
      ws.terminate();
      return;
    }
    if (this.mode === 'silent') return;
    const side: ServerSide = { ws, readySent: false, helloAfterReady: undefined, heartbeatReplies: [] };
    const pending: string[] = [];
    let verified = false;
    ws.on('message', (data, isBinary) => {
      if (!verified) pending.push(data.toString());
      else if (!isBinary) this.handle(side, data.toString());
    });
    const cookie = /(?:^|;\s*)access_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const bearer = /^bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const token = cookie ?? bearer;
    if (token === undefined) {
      this.refuse(ws, 'AUTH_REQUIRED', 'No JWT cookie or Authorization header');
      return;
    }
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
        issuer: CLAIMS.issuer,
        audience: CLAIMS.audience,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no sub');
    } catch {
      this.refuse(ws, 'AUTH_FAILED', 'Invalid token');
      return;
    }
    this.sides.push(side);
    ws.send(JSON.stringify({ c: 'WSE', t: 'server_ready', seq: 1, p: { message: 'Connection established', details: { user_id: 'bench-user' } }, v: 1 }));
    side.readySent = true;
    verified = true;
    for (const text of pending) this.handle(side, text);
  }

  private refuse(ws: WebSocket, code: string, message: string): void {
    ws.send(JSON.stringify({ c: 'WSE', t: 'error', p: { code, message, timestamp: new Date().toISOString() }, v: 1 }));
    ws.close(4401, 'Authentication failed');
  }

  private handle(side: ServerSide, text: string): void {
    const message = JSON.parse(text) as { t: string; p?: Record<string, unknown> };
    if (message.t === 'client_hello') {
      side.helloAfterReady = side.readySent;
      side.ws.send(JSON.stringify({ c: 'WSE', t: 'server_hello', p: { server_version: 'test', protocol_version: 1 }, v: 1 }));
    } else if (message.t === 'ping') {
      const echoed = message.p?.['timestamp'];
      side.ws.send(JSON.stringify({ c: 'WSE', t: 'PONG', p: { client_timestamp: echoed, server_timestamp: Date.now(), latency: 0 }, v: 1 }));
    } else if (message.t === 'PONG') {
      side.heartbeatReplies.push(message.p);
    }
  }
}

class RecordingListener implements WseSessionListener {
  rtts: number[] = [];
  serverErrors: string[] = [];
  warnings = 0;
  closes: number[] = [];
  others: string[] = [];
  onPong(rttMicros: number): void {
    this.rtts.push(rttMicros);
  }
  onServerError(code: string): void {
    this.serverErrors.push(code);
  }
  onRateLimitWarning(): void {
    this.warnings++;
  }
  onClose(code: number): void {
    this.closes.push(code);
  }
  onMessage(message: { t: string } | undefined): void {
    if (message !== undefined) this.others.push(message.t);
  }
}

/** Consumes fanout_tick messages in onRawMessage, from their bytes (or the transport's string). */
class RawListener extends RecordingListener {
  raw: string[] = [];
  consumed: string[] = [];
  onRawMessage(data: Buffer | string): boolean {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.raw.push(text);
    if (!text.includes('"fanout_tick"')) return false;
    this.consumed.push(text);
    return true;
  }
}

for (const transport of availableClientTransports()) {
  describe(`WseSession over ${transport.name}`, () => {
    const server = new TestWseServer();
    let port = 0;
    let token = '';
    const sessions: WseSession[] = [];

    before(async () => {
      port = await server.start();
      token = await mintToken(CLAIMS);
    });
    after(async () => {
      for (const session of sessions) session.terminate();
      await server.stop();
    });

    const open = async (
      listener: WseSessionListener,
      overrides: {
        token?: string;
        authVia?: 'cookie' | 'bearer' | 'none';
        headers?: Record<string, string>;
        timeoutMs?: number;
        keepServerHello?: boolean;
      } = {},
    ): Promise<WseSession> => {
      const session = await WseSession.connect(
        {
          transport,
          url: wseUrl('127.0.0.1', port),
          token: overrides.token ?? token,
          authVia: overrides.authVia ?? 'cookie',
          ...(overrides.headers === undefined ? {} : { headers: overrides.headers }),
          timeoutMs: overrides.timeoutMs ?? 3000,
          clientVersion: 'wse-bench-ts/test',
          keepServerHello: overrides.keepServerHello ?? false,
        },
        listener,
      );
      sessions.push(session);
      return session;
    };

    const expectConnectError = async (promise: Promise<unknown>): Promise<ConnectError> => {
      try {
        await promise;
      } catch (error) {
        assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
        return error;
      }
      assert.fail('connect should have failed');
    };

    for (const authVia of ['cookie', 'bearer'] as const) {
      test(`connects with the token in the ${authVia}: hello after ready, server_hello stored`, async () => {
        server.mode = 'wse';
        const session = await open(new RecordingListener(), { authVia, keepServerHello: true });
        assert.ok(session.connectMicros > 0);
        const side = server.lastSide();
        await waitFor(() => side.helloAfterReady !== undefined, 'client_hello');
        assert.equal(side.helloAfterReady, true, 'client_hello must come after server_ready');
        await waitFor(() => session.serverHello !== undefined, 'server_hello');
        assert.equal(session.serverHello?.t, 'server_hello');
        session.close();
      });
    }

    test('server_hello is not kept unless asked for', async () => {
      server.mode = 'wse';
      const session = await open(new RecordingListener());
      const side = server.lastSide();
      await waitFor(() => side.helloAfterReady !== undefined, 'client_hello');
      // The server answers client_hello with server_hello; a ping after it comes back after it.
      const listener = new RecordingListener();
      const pinged = await open(listener);
      pinged.sendPing();
      await waitFor(() => listener.rtts.length > 0, 'pong');
      assert.equal(session.serverHello, undefined);
      assert.equal(pinged.serverHello, undefined);
      session.close();
    });

    test('PONGs are matched to pings in FIFO order with positive RTTs', async () => {
      server.mode = 'wse';
      const listener = new RecordingListener();
      const session = await open(listener);
      for (let i = 0; i < 5; i++) session.sendPing();
      assert.equal(session.outstandingPings, 5);
      await waitFor(() => listener.rtts.length === 5, 'five PONGs');
      assert.equal(session.outstandingPings, 0);
      for (const rtt of listener.rtts) assert.ok(rtt > 0, `rtt ${rtt}`);
      session.close();
    });

    test('a lowercase pong is matched too; an unmatched one goes to onMessage', async () => {
      server.mode = 'wse';
      const listener = new RecordingListener();
      const session = await open(listener);
      const side = server.lastSide();
      side.ws.send('{"c":"WSE","t":"pong","p":{}}');
      await waitFor(() => listener.others.includes('pong'), 'unmatched pong');
      assert.equal(listener.rtts.length, 0);
      session.sendPing();
      await waitFor(() => listener.rtts.length === 1, 'PONG');
      session.close();
    });

    test('the server heartbeat ping is answered with a PONG', async () => {
      server.mode = 'wse';
      const session = await open(new RecordingListener());
      const side = server.lastSide();
      side.ws.send(JSON.stringify({ c: 'WSE', t: 'ping', p: { server_time: '2026-01-01T00:00:00.000Z' } }));
      await waitFor(() => side.heartbeatReplies.length === 1, 'heartbeat reply');
      const reply = side.heartbeatReplies[0] as { client_timestamp: number; server_timestamp: number };
      assert.equal(reply.server_timestamp, Date.parse('2026-01-01T00:00:00.000Z'));
      assert.ok(reply.client_timestamp > 0);
      session.close();
    });

    test('RATE_LIMITED error frames and rate_limit_warning reach the listener', async () => {
      server.mode = 'wse';
      const listener = new RecordingListener();
      const session = await open(listener);
      const side = server.lastSide();
      side.ws.send(JSON.stringify({ c: 'WSE', t: 'rate_limit_warning', p: {} }));
      side.ws.send(JSON.stringify({ c: 'WSE', t: 'error', p: { code: 'RATE_LIMITED', message: 'Rate limit exceeded', retry_after: 1 }, v: 1 }));
      // Binary JSON and legacy U{ prefix are messages too.
      side.ws.send(Buffer.from(JSON.stringify({ c: 'U', t: 'price', p: {} })));
      side.ws.send('U{"t":"legacy","p":{}}');
      await waitFor(() => listener.serverErrors.length === 1 && listener.others.length === 2, 'error frame and messages');
      assert.deepEqual(listener.serverErrors, ['RATE_LIMITED']);
      assert.equal(listener.warnings, 1);
      assert.deepEqual(listener.others, ['price', 'legacy']);
      session.close();
    });

    test('the raw-message hook sees every message of an open session first; what it consumes is not decoded', async () => {
      server.mode = 'wse';
      const listener = new RawListener();
      const session = await open(listener);
      const side = server.lastSide();
      side.ws.send('{"c":"U","t":"fanout_tick","p":{"seq":7}}');
      side.ws.send(Buffer.from('{"c":"U","t":"fanout_tick","p":{"seq":8}}'));
      side.ws.send('{"c":"U","t":"other","p":{}}');
      session.sendPing();
      await waitFor(() => listener.rtts.length === 1, 'PONG after the pushed messages');
      // server_ready came before the session was open: never handed to the hook
      assert.deepEqual(listener.raw.filter((text) => text.includes('server_ready')), []);
      assert.deepEqual(listener.consumed, ['{"c":"U","t":"fanout_tick","p":{"seq":7}}', '{"c":"U","t":"fanout_tick","p":{"seq":8}}']);
      // consumed messages went no further; the others were decoded as usual
      assert.deepEqual(listener.others, ['other']);
      assert.ok(listener.raw.some((text) => text.includes('"PONG"')), 'the PONG passed through the hook, then to onPong');
      session.close();
    });

    test('close after connect is reported once with its code', async () => {
      server.mode = 'wse';
      const listener = new RecordingListener();
      await open(listener);
      server.lastSide().ws.close(1011, 'circuit breaker');
      await waitFor(() => listener.closes.length === 1, 'close');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(listener.closes, [1011]);
    });

    for (const authVia of ['cookie', 'bearer'] as const) {
      test(`a wrong secret (${authVia}) fails with kind 'auth' naming secret, issuer and audience`, async () => {
        server.mode = 'wse';
        const bad = await mintToken({ ...CLAIMS, secret: 'another-secret' });
        const error = await expectConnectError(open(new RecordingListener(), { token: bad, authVia }));
        assert.equal(error.kind, 'auth');
        assert.match(error.message, /AUTH_FAILED/);
        assert.match(error.message, /--secret/);
        assert.match(error.message, /--issuer/);
        assert.match(error.message, /--audience/);
      });
    }

    test('--header values reach the server; a Cookie of their own is sent after the token\'s', async () => {
      server.mode = 'wse';
      const session = await open(new RecordingListener(), { headers: { 'X-Probe': 'one', Cookie: 'theme=dark' } });
      assert.equal(server.lastRequestHeaders['x-probe'], 'one');
      assert.equal(server.lastRequestHeaders.cookie, `access_token=${token}; theme=dark`);
      session.close();
    });

    test("authVia 'none' sends no token: the caller's own Authorization header is the only one", async () => {
      server.mode = 'wse';
      const session = await open(new RecordingListener(), { authVia: 'none', token: 'not-sent', headers: { Authorization: `Bearer ${token}` } });
      assert.equal(server.lastRequestHeaders.authorization, `Bearer ${token}`);
      assert.equal(server.lastRequestHeaders.cookie, undefined);
      session.close();
      const error = await expectConnectError(open(new RecordingListener(), { authVia: 'none' }));
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /AUTH_REQUIRED/);
    });

    test("a wrong audience fails with kind 'auth'", async () => {
      server.mode = 'wse';
      const bad = await mintToken({ ...CLAIMS, audience: 'someone-else' });
      const error = await expectConnectError(open(new RecordingListener(), { token: bad }));
      assert.equal(error.kind, 'auth');
    });

    test("no token fails with kind 'auth' and AUTH_REQUIRED", async () => {
      server.mode = 'wse';
      const error = await expectConnectError(open(new RecordingListener(), { token: '', authVia: 'bearer' }));
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /AUTH_REQUIRED/);
    });

    test("a close right after the upgrade fails with kind 'server-full'", async () => {
      server.mode = 'close-after-upgrade';
      const error = await expectConnectError(open(new RecordingListener()));
      assert.equal(error.kind, 'server-full');
      assert.match(error.message, /max_connections/);
    });

    test("a server that never sends server_ready fails with kind 'timeout'", async () => {
      server.mode = 'silent';
      const error = await expectConnectError(open(new RecordingListener(), { timeoutMs: 300 }));
      assert.equal(error.kind, 'timeout');
    });
  });
}
