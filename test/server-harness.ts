// Shared by the server tests: starts the WSE app on a server transport (fixtures/transports.ts
// lists this runtime's), mints tokens, and drives a `ws` client (the independent reference).
import WebSocket from 'ws';
import type { ListeningServer, ServerTransport } from '../adapters/server/transport.js';
import { WseServerApp, type WseAppOptions } from '../bench/server/wse-app.js';
import { mintToken } from '../bench/jwt.js';
import { TokenVerifier, type AuthOutcome, type AuthSettings } from '../bench/server/auth.js';
import { msgpackCodec } from '../bench/msgpack-codec.js';
import { TRADING_MESSAGE } from '../core/wse/messages.js';

export const AUTH = { secret: 'test-secret', issuer: 'wse-bench', audience: 'wse-bench' };

export interface TestServer {
  app: WseServerApp;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startTestServer(transport: ServerTransport, overrides: Partial<WseAppOptions> = {}, handshakeTimeoutMs?: number): Promise<TestServer> {
  const app = new WseServerApp({
    auth: AUTH,
    mode: 'wse',
    rateLimit: 'off',
    maxConnections: 100_000,
    transport: transport.name,
    msgpack: msgpackCodec,
    ...overrides,
  });
  const listening: ListeningServer = await transport.listen(
    { host: '127.0.0.1', port: 0, maxMessageSize: 1024 * 1024, reusePort: false, ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}) },
    app,
  );
  return {
    app,
    port: listening.port,
    url: `ws://127.0.0.1:${listening.port}/wse?compression=false&protocol_version=1`,
    async stop() {
      app.dispose();
      await listening.close();
    },
  };
}

/** A token check held for `delayMs` first: a connection's time before its token is verified, made long enough to act in. */
export class SlowTokenVerifier extends TokenVerifier {
  constructor(
    settings: AuthSettings,
    private readonly delayMs: number,
  ) {
    super(settings);
  }

  override async verify(token: string | undefined): Promise<AuthOutcome> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.verify(token);
  }
}

export interface TokenClaims {
  secret?: string;
  issuer?: string;
  audience?: string;
  subject?: string;
  expiresInSeconds?: number;
  alg?: 'HS256' | 'HS512';
}

/** A token for the test server; subject '' leaves the sub claim out. */
export function mint(claims: TokenClaims = {}): Promise<string> {
  return mintToken({
    secret: claims.secret ?? AUTH.secret,
    issuer: claims.issuer ?? AUTH.issuer,
    audience: claims.audience ?? AUTH.audience,
    ...(claims.subject !== '' ? { subject: claims.subject ?? 'bench-user' } : {}),
    lifetimeSec: claims.expiresInSeconds ?? 3600,
    algorithm: claims.alg ?? 'HS256',
  });
}

/** A `ws` client that records every message and the close. */
export class RecordingClient {
  readonly messages: { data: string | Buffer; isBinary: boolean }[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.messages.push({ data: isBinary ? data : data.toString('utf8'), isBinary });
      this.wake();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString('utf8');
        this.wake();
        resolve();
      });
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<RecordingClient> {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const client = new RecordingClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  static cookie(token: string): Record<string, string> {
    return { Cookie: `access_token=${token}` };
  }

  /** JSON messages (text or binary JSON) parsed. */
  json(): Record<string, unknown>[] {
    return this.messages.map((m) => JSON.parse(typeof m.data === 'string' ? m.data : m.data.toString('utf8')) as Record<string, unknown>);
  }

  /** Resolves once `predicate` holds (checked after every message and the close). */
  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; messages so far: ${this.messages.length}, close ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  countType(type: string): number {
    return this.json().filter((m) => typeof m['t'] === 'string' && (m['t'] as string).toLowerCase() === type.toLowerCase()).length;
  }

  async close(): Promise<void> {
    if (this.closeCode === undefined) this.ws.close(1000);
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The trading message every sending test writes. */
export const TRADE = TRADING_MESSAGE;

export function ping(timestamp: number): string {
  return JSON.stringify({ t: 'ping', p: { timestamp, client_timestamp: timestamp } });
}

/** Connects a `ws` client, sends `count` trading messages and a ping, waits for its PONG, closes. */
export async function sendAndBarrier(url: string, count: number): Promise<void> {
  const client = await RecordingClient.connect(url, RecordingClient.cookie(await mint()));
  await client.until(() => client.messages.length >= 1);
  for (let i = 0; i < count; i++) client.ws.send(TRADE);
  client.ws.send(ping(1));
  await client.until(() => client.countType('pong') === 1);
  await client.close();
}
