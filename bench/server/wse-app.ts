// The embedded server's WSE behaviour, one ServerApp shared by every transport (uws, bun, core):
// auth after the upgrade, server_ready, client_hello → server_hello, ping → PONG in order,
// heartbeat, idle close, rate limit, the fan-out publisher, and the counters the benchmark reads.
import { randomUUID } from 'node:crypto';
import type { HttpReply, ServerApp, ServerRequest, ServerSocket } from '../../adapters/server/transport.js';
import { CloseCode } from '../../core/constants.js';
import { decodeWseMessage, type DecodeOptions, type MsgpackCodec, type WseMessage } from '../../core/wse/decode.js';
import type { RateLimit, ServedTransportName, ServerMode } from '../options/choices.js';
import { TokenVerifier, tokenFromHeaders, type AuthOutcome, type AuthSettings } from './auth.js';
import { FanoutPublisher, type Subscriber } from './publisher.js';
import { emptyServerCounters, type LiveServerCounters, type ServerStats } from './stats.js';
import * as wire from './wire.js';

export interface WseAppOptions {
  auth: AuthSettings;
  mode: ServerMode;
  rateLimit: RateLimit;
  maxConnections: number;
  transport: ServedTransportName;
  msgpack: MsgpackCodec;
  /** Close 1000 after this long without client data. Default 60 s. */
  idleTimeoutMs?: number;
  /** Server heartbeat ping period. Default 25 s. */
  heartbeatMs?: number;
  /** Answers GET /stats; default: this process's stats. Workers replace it with merged stats. */
  statsForHttp?: () => ServerStats;
  /** WSE's max_outbound_queue_bytes: a fan-out message that would take a connection's queue past it is dropped. Default wire.DEFAULT_OUTBOUND_QUEUE_BYTES. */
  outboundQueueBytes?: number;
  /** Checks the tokens; default one over `auth` (a test slows it to hold a connection before its token is verified). */
  verifier?: TokenVerifier;
}

/** One connection's state, owned by the app. */
export class WseConnection implements Subscriber {
  authenticated = false;
  closed = false;
  /** Messages that arrived while the token was being verified, copied. */
  pending: { data: Buffer; isBinary: boolean }[] | undefined = [];
  /** What `pending` costs, bytes (PENDING_BEFORE_AUTH_MAX_BYTES bounds it). */
  pendingBytes = 0;
  lastActivityMs: number;
  tokens = wire.RATE_LIMIT_CAPACITY;
  refilledAtMs: number;
  lastRateErrorMs = 0;
  lastWarningMs = 0;
  /** Server pings (heartbeats, the publisher's) sent and answered with PONG (publisher.ts paces by them). */
  pingsSent = 0;
  pingsAnswered = 0;
  behindSinceMs = 0;
  readonly connectionId = randomUUID();

  constructor(
    readonly socket: ServerSocket,
    readonly counted: boolean,
    readonly msgpackOut: boolean,
    nowMs: number,
  ) {
    this.lastActivityMs = nowMs;
    this.refilledAtMs = nowMs;
  }

  /** broadcast_all reaches a connection from server_ready until it closes. */
  get subscribed(): boolean {
    return this.authenticated && !this.closed;
  }
}

/**
 * A client speaks after server_ready, so nothing legitimate waits for the token check; what does
 * is copied, and a peer flooding the verification window would otherwise grow the copy without
 * bound. Each queued message costs its bytes plus PENDING_MESSAGE_COST (its record and Buffer
 * object), so that empty messages are not free; past the cap the connection is closed with 1008.
 */
const PENDING_BEFORE_AUTH_MAX_BYTES = 64 * 1024;
const PENDING_MESSAGE_COST = 128;

const SINK_PARSE_LIMIT = 512;
/** A quoted word that marks a message the sink still answers (ping, hello) or counts (pong). */
const CONTROL_WORD = /"(?:ping|PING|pong|PONG|client_hello)"/;
const OPEN_BRACE = 0x7b;

export class WseServerApp implements ServerApp<WseConnection> {
  readonly counters: LiveServerCounters = emptyServerCounters();
  readonly publisher: FanoutPublisher;
  private readonly connections = new Set<WseConnection>();
  private readonly verifier: TokenVerifier;
  private readonly decodeOptions: DecodeOptions;
  private readonly idleTimeoutMs: number;
  /** Coarse clock for idle tracking, updated by the sweep timer: no Date.now() per message. */
  private coarseNowMs = Date.now();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  /** Sink mode: the last message seen to hold no control word (see mayBeControl). */
  private lastPlainMessage: Buffer | undefined;

  constructor(private readonly options: WseAppOptions) {
    this.verifier = options.verifier ?? new TokenVerifier(options.auth);
    this.decodeOptions = { msgpack: options.msgpack };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    // one timer each for all connections, never one per connection
    this.sweepTimer = setInterval(() => this.sweepIdle(), Math.min(1000, this.idleTimeoutMs));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), options.heartbeatMs ?? wire.PING_INTERVAL_MS);
    this.sweepTimer.unref();
    this.heartbeatTimer.unref();
    this.publisher = new FanoutPublisher(() => this.connections, this.counters, options.outboundQueueBytes ?? wire.DEFAULT_OUTBOUND_QUEUE_BYTES);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  open(socket: ServerSocket, request: ServerRequest): WseConnection {
    const now = Date.now();
    if (this.connections.size >= this.options.maxConnections) {
      this.counters.connectionsRejected++;
      const rejected = new WseConnection(socket, false, false, now);
      rejected.closed = true;
      socket.terminate();
      return rejected;
    }
    const connection = new WseConnection(socket, true, request.url.includes('format=msgpack'), now);
    this.connections.add(connection);
    this.counters.connectionsOpened++;
    const token = tokenFromHeaders(request.headers);
    // A token seen before is accepted at once, so server_ready leaves with the 101.
    const known = this.verifier.verifyCached(token);
    if (known !== undefined) {
      this.finishAuth(connection, known);
    } else {
      this.verifier.verify(token).then(
        (outcome) => this.finishAuth(connection, outcome),
        () => undefined, // verify() never rejects; it reports failures as outcomes
      );
    }
    return connection;
  }

  message(connection: WseConnection, data: Buffer, isBinary: boolean): void {
    if (connection.closed) return;
    connection.lastActivityMs = this.coarseNowMs;
    if (!connection.authenticated) {
      this.holdUntilAuthenticated(connection, data, isBinary);
      return;
    }
    this.handle(connection, data, isBinary);
  }

  close(connection: WseConnection, code: number): void {
    if (!connection.counted) return;
    connection.closed = true;
    this.connections.delete(connection);
    const key = String(code);
    this.counters.connectionsClosedByCode[key] = (this.counters.connectionsClosedByCode[key] ?? 0) + 1;
  }

  http(method: string, url: string): HttpReply | undefined {
    if (method !== 'GET' || (url !== '/stats' && !url.startsWith('/stats?'))) return undefined;
    const stats = this.options.statsForHttp?.() ?? this.stats();
    return { status: 200, contentType: 'application/json', body: JSON.stringify(stats) };
  }

  /** This process's stats (a copy). */
  stats(): ServerStats {
    const cpu = process.cpuUsage();
    return {
      transport: this.options.transport,
      mode: this.options.mode,
      rateLimit: this.options.rateLimit,
      workers: 1,
      cpuUserMicros: cpu.user,
      cpuSystemMicros: cpu.system,
      openConnections: this.connections.size,
      counters: structuredClone(this.counters),
      readAtMs: Date.now(),
    };
  }

  /** Stops the timers and drops every connection. */
  dispose(): void {
    this.publisher.stop();
    clearInterval(this.sweepTimer);
    clearInterval(this.heartbeatTimer);
    for (const connection of this.connections) connection.socket.terminate();
  }

  /** A message that came before the token was verified: kept (a copy) within the byte cap, else 1008. */
  private holdUntilAuthenticated(connection: WseConnection, data: Buffer, isBinary: boolean): void {
    if (connection.pending === undefined) return;
    connection.pendingBytes += data.length + PENDING_MESSAGE_COST;
    if (connection.pendingBytes > PENDING_BEFORE_AUTH_MAX_BYTES) {
      connection.pending = undefined;
      connection.closed = true;
      connection.socket.end(CloseCode.PolicyViolation, 'Too much data before authentication');
      return;
    }
    // data may be a view valid only during this call: keep a copy
    connection.pending.push({ data: Buffer.from(data), isBinary });
  }

  private finishAuth(connection: WseConnection, outcome: AuthOutcome): void {
    if (connection.closed) return;
    if (!outcome.ok) {
      this.counters.authFailures++;
      connection.pending = undefined;
      this.send(connection, wire.authErrorText(outcome.code, outcome.message, Date.now()), false);
      connection.socket.end(CloseCode.WseAuthFailed, 'Authentication failed');
      connection.closed = true;
      return;
    }
    connection.authenticated = true;
    this.sendObject(connection, wire.serverReady(connection.connectionId, outcome.userId, this.options.rateLimit === 'wse', Date.now()));
    const queued = connection.pending ?? [];
    connection.pending = undefined;
    for (const item of queued) {
      if (connection.closed) break;
      this.handle(connection, item.data, item.isBinary);
    }
  }

  private handle(connection: WseConnection, data: Buffer, isBinary: boolean): void {
    const counters = this.counters;
    if (isBinary) {
      counters.messages.binary++;
      counters.bytes.binary += data.length;
    } else {
      counters.messages.text++;
      counters.bytes.text += data.length;
    }
    if (this.options.rateLimit === 'wse' && !this.takeToken(connection)) return;
    if (this.options.mode === 'sink') {
      if (data.length < SINK_PARSE_LIMIT && data[0] === OPEN_BRACE && this.mayBeControl(data)) {
        const result = decodeWseMessage(data, isBinary, this.decodeOptions);
        if (result.ok && result.message !== undefined) this.respond(connection, result.message);
      }
      return;
    }
    const result = decodeWseMessage(data, isBinary, this.decodeOptions);
    if (!result.ok) {
      counters.messages.bad++;
      return;
    }
    counters.messages[result.kind]++;
    if (result.message !== undefined) this.respond(connection, result.message);
  }

  private respond(connection: WseConnection, message: WseMessage): void {
    const type = message.t;
    if (type.length === 4 && type.toLowerCase() === 'ping') {
      this.counters.pings++;
      const p = message.p as { timestamp?: unknown } | undefined;
      const timestamp = typeof p?.timestamp === 'number' && Number.isFinite(p.timestamp) ? p.timestamp : 0;
      this.send(connection, wire.pongText(timestamp, Date.now()), false);
    } else if (type === 'client_hello') {
      const p = message.p as { protocol_version?: unknown } | undefined;
      const version = typeof p?.protocol_version === 'number' ? p.protocol_version : 1;
      this.sendObject(connection, wire.serverHello(connection.connectionId, version, this.options.rateLimit === 'wse', Date.now()));
    } else if (type.length === 4 && type.toLowerCase() === 'pong') {
      this.counters.heartbeatReplies++;
      connection.pingsAnswered++;
      this.publisher.pingAnswered();
    }
  }

  /** Token bucket: false → the message is dropped. */
  private takeToken(connection: WseConnection): boolean {
    const now = Date.now();
    const elapsed = now - connection.refilledAtMs;
    if (elapsed > 0) {
      connection.tokens = Math.min(wire.RATE_LIMIT_CAPACITY, connection.tokens + (elapsed * wire.RATE_LIMIT_REFILL_PER_SEC) / 1000);
      connection.refilledAtMs = now;
    }
    if (connection.tokens < 1) {
      this.counters.rateLimitedDrops++;
      if (now - connection.lastRateErrorMs >= 1000) {
        connection.lastRateErrorMs = now;
        this.send(connection, wire.RATE_LIMITED_TEXT, false);
      }
      return false;
    }
    connection.tokens -= 1;
    const used = 1 - connection.tokens / wire.RATE_LIMIT_CAPACITY;
    if (used >= 0.8 && now - connection.lastWarningMs >= 1000) {
      connection.lastWarningMs = now;
      this.send(connection, wire.rateLimitWarningText(used), false);
    }
    return true;
  }

  private sendObject(connection: WseConnection, object: Record<string, unknown>): void {
    if (connection.msgpackOut) {
      this.send(connection, Buffer.concat([Buffer.from('M:'), this.options.msgpack.encode(object)]), true);
    } else {
      this.send(connection, JSON.stringify(object), false);
    }
  }

  /** Every message to a client goes through here, counted (WSE's messages_sent and bytes_sent). */
  private send(connection: WseConnection, data: string | Buffer, isBinary: boolean): void {
    this.counters.sent.messages++;
    // The server's texts are ASCII but for a JWT subject, which server_ready echoes
    this.counters.sent.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    connection.socket.send(data, isBinary);
  }

  /**
   * Whether `data` contains a CONTROL_WORD (one compiled regexp over a latin1 view; five
   * Buffer.indexOf calls were the sink's top cost). A sending test repeats one payload, so the
   * last message found plain is kept (a copy) and a message equal to it is not scanned again.
   */
  private mayBeControl(data: Buffer): boolean {
    const plain = this.lastPlainMessage;
    if (plain !== undefined && plain.length === data.length && plain.equals(data)) return false;
    if (CONTROL_WORD.test(data.toString('latin1'))) return true;
    this.lastPlainMessage = Buffer.from(data);
    return false;
  }

  private sweepIdle(): void {
    const now = Date.now();
    this.coarseNowMs = now;
    for (const connection of this.connections) {
      if (!connection.closed && now - connection.lastActivityMs >= this.idleTimeoutMs) {
        connection.closed = true;
        connection.socket.end(CloseCode.Normal, 'Idle timeout');
      }
    }
  }

  private heartbeat(): void {
    const text = wire.heartbeatText(Date.now());
    for (const connection of this.connections) {
      if (!connection.authenticated || connection.closed) continue;
      this.send(connection, text, false);
      connection.pingsSent++;
    }
  }
}
