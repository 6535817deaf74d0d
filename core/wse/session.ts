// One WSE connection over any ClientTransport: authenticates while dialling, waits for
// server_ready, says client_hello, then matches application-level PONGs to pings in FIFO order
// (WSE answers a connection's messages in order) and answers the server's heartbeat.
import { ConnectError } from '../errors.js';
import type { PayloadBatch } from '../frame-encoder.js';
import { CloseCode, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_OUTBOUND_BYTES } from '../constants.js';
import { decodeWseMessage, isPongText, type DecodeOptions, type MsgpackCodec, type PayloadKind, type WseMessage } from './decode.js';
import { clientHello, heartbeatReply, pingMessage } from './messages.js';
import type { ClientTlsOptions } from '../tls.js';
import type { ClientTransport, MessageSocket, MessageSocketEvents } from './transport.js';

export interface WseConnectOptions {
  transport: ClientTransport;
  url: string;
  token: string;
  /** Where the JWT goes: `Cookie: access_token=…` (WSE's first choice), `Authorization: Bearer …`, or nowhere. */
  authVia: 'cookie' | 'bearer' | 'none';
  /** More request headers for the upgrade; a Cookie here is sent after the token's. */
  headers?: Readonly<Record<string, string>>;
  /** Covers the dial and the wait for server_ready. */
  timeoutMs: number;
  localAddress?: string;
  /** Sent in client_hello, e.g. "wse-bench-ts/0.1.0". */
  clientVersion: string;
  maxMessageSize?: number;
  /** Needed to read `M:` messages (servers send them when the URL asks for format=msgpack). */
  msgpack?: MsgpackCodec;
  /** Certificate trust and SNI for wss:// URLs. */
  tls?: ClientTlsOptions;
  /** Keep server_hello for `serverHello` (a few hundred bytes a session; off by default). */
  keepServerHello?: boolean;
}

export interface WseSessionListener {
  /** The PONG to the oldest outstanding ping; µs since that ping was sent. */
  onPong(rttMicros: number): void;
  /** A server `error` frame, e.g. RATE_LIMITED (the connection stays open) or AUTH_FAILED. */
  onServerError(code: string, message: string): void;
  onRateLimitWarning(): void;
  /** Called once, for a session that connected. */
  onClose(code: number, reason: string): void;
  /** A transport failure, or a server message that could not be decoded. */
  onError?(error: Error): void;
  /** Every other message; `message` is undefined for `E:` (encrypted, counted, not decoded). */
  onMessage?(message: WseMessage | undefined, kind: PayloadKind): void;
  /**
   * Every message of an open session before any decoding: the transport's bytes (a view valid only
   * during the call) or its string. Returning true consumes the message: the session neither
   * decodes nor dispatches it. A subscriber can read a field of each pushed message from its bytes
   * without a decoded object per frame; what it returns false for goes the usual way.
   */
  onRawMessage?(data: Buffer | string, isBinary: boolean): boolean;
}

const AUTH_HINT = 'check --secret, --issuer and --audience (the server\'s JWT settings)';

// Codes a server uses when it drops a connection it cannot take (1013 = try again later).
/** Shared by every session without msgpack: one object per session adds up at 100K sessions. */
const NO_MSGPACK: DecodeOptions = Object.freeze({});

const SERVER_FULL_CODES = new Set<number>([CloseCode.Normal, CloseCode.GoingAway, CloseCode.NoStatus, CloseCode.Abnormal, 1013]);

type SessionState = 'dialling' | 'awaiting-ready' | 'open' | 'failed' | 'closed';

interface PendingConnect {
  resolve(session: WseSession): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  startedAt: number;
}

export class WseSession {
  /** From starting the dial to client_hello written, µs. */
  connectMicros = 0;
  private socket: MessageSocket | undefined;
  private state: SessionState = 'dialling';
  private pending: PendingConnect | undefined;
  private readyBeforeSocket = false;
  private messagesBeforeReady = 0;
  private authError: { code: string; message: string } | undefined;
  /** server_hello as it arrived (a copy), kept with keepServerHello and decoded only when asked for. */
  private helloData: Buffer | string | undefined;
  private helloIsBinary = false;
  private readonly decodeOptions: DecodeOptions;
  // Only what is needed after connecting is kept, not the whole options object.
  private readonly url: string;
  private readonly clientVersion: string;
  private readonly keepServerHello: boolean;
  /**
   * server_time of the latest heartbeat not answered yet because the outbound was full (NaN:
   * none): one reply goes when the socket drains, however many heartbeats came meanwhile.
   */
  private deferredHeartbeatMs = Number.NaN;
  // Ping send times (performance.now() ms), a queue read from `pingHead`.
  private pingTimes: number[] = [];
  private pingHead = 0;
  /** Handed to the transport; bound once per session so no closure is made per message. */
  private readonly events: MessageSocketEvents;

  private constructor(
    options: WseConnectOptions,
    private readonly listener: WseSessionListener,
  ) {
    this.url = options.url;
    this.clientVersion = options.clientVersion;
    this.keepServerHello = options.keepServerHello === true;
    this.decodeOptions = options.msgpack !== undefined ? { msgpack: options.msgpack } : NO_MSGPACK;
    this.events = new SessionEvents(this);
  }

  /** Resolves once server_ready has arrived and client_hello is written; rejects with a ConnectError. */
  static connect(options: WseConnectOptions, listener: WseSessionListener): Promise<WseSession> {
    const session = new WseSession(options, listener);
    return new Promise<WseSession>((resolve, reject) => {
      const startedAt = performance.now();
      const timer = setTimeout(() => {
        session.fail(new ConnectError('timeout', `${options.url}: no server_ready within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      session.pending = { resolve, reject, timer, startedAt };
      const headers = upgradeHeaders(options);
      options.transport
        .dial(
          options.url,
          {
            headers,
            timeoutMs: options.timeoutMs,
            localAddress: options.localAddress,
            maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
            ...(options.tls !== undefined ? { tls: options.tls } : {}),
          },
          session.events,
        )
        .then(
          (socket) => session.attach(socket),
          (error: unknown) => session.fail(asConnectError(error, options.url)),
        );
    });
  }

  get serverHello(): WseMessage | undefined {
    const hello = this.helloData;
    if (hello === undefined) return undefined;
    const result = decodeWseMessage(hello, this.helloIsBinary, this.decodeOptions);
    return result.ok ? result.message : undefined;
  }

  /** wss://: TCP connect start → TLS handshake done, µs, where the transport measures it. */
  get tlsHandshakeMicros(): number | undefined {
    return this.socket?.tlsHandshakeMicros;
  }

  get outstandingPings(): number {
    return this.pingTimes.length - this.pingHead;
  }

  get bufferedAmount(): number {
    return this.socket === undefined ? 0 : this.socket.bufferedAmount;
  }

  /** Sends an application ping; its PONG reaches listener.onPong with the round trip. */
  sendPing(): void {
    this.pingTimes.push(performance.now());
    this.requireSocket().send(pingMessage(Date.now()));
  }

  send(data: string | Buffer): void {
    this.requireSocket().send(data);
  }

  sendRepeated(data: string | Buffer, count: number): void {
    this.requireSocket().sendRepeated(data, count);
  }

  sendBatch(batch: PayloadBatch, binary: boolean): void {
    this.requireSocket().sendBatch(batch, binary);
  }

  onceDrained(callback: () => void): void {
    this.requireSocket().onceDrained(callback);
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.socket?.close(code, reason);
  }

  terminate(): void {
    this.socket?.terminate();
  }

  private requireSocket(): MessageSocket {
    if (this.socket === undefined) throw new Error('WseSession: not connected');
    return this.socket;
  }

  private attach(socket: MessageSocket): void {
    if (this.state === 'failed') {
      // Timed out (or failed) while dialling: the late connection is not wanted.
      socket.terminate();
      return;
    }
    this.socket = socket;
    if (this.state === 'dialling') this.state = 'awaiting-ready';
    if (this.readyBeforeSocket) this.becomeReady();
  }

  private becomeReady(): void {
    const pending = this.pending;
    const socket = this.socket;
    if (pending === undefined) return;
    if (socket === undefined) {
      // A transport may deliver the first frame before dial() has resolved.
      this.readyBeforeSocket = true;
      return;
    }
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.state = 'open';
    socket.send(clientHello(this.clientVersion));
    this.connectMicros = (performance.now() - pending.startedAt) * 1000;
    pending.resolve(this);
  }

  private fail(error: ConnectError): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.state = 'failed';
    // Start a close handshake; the transport's own close timeout bounds it.
    this.socket?.close(CloseCode.Normal, '');
    pending.reject(error);
  }

  /** Transport event (through SessionEvents). */
  handleMessage(data: Buffer | string, isBinary: boolean): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    if (this.state === 'open' && this.listener.onRawMessage?.(data, isBinary) === true) return;
    // The PONG to an outstanding ping, recognised without parsing it (the hot path of every ping).
    if (this.state === 'open' && !isBinary && typeof data !== 'string' && this.pingHead < this.pingTimes.length && isPongText(data)) {
      this.popPing();
      return;
    }
    const result = decodeWseMessage(data, isBinary, this.decodeOptions);
    if (this.state !== 'open') {
      this.handleMessageBeforeReady(result.ok ? result.message : undefined);
      return;
    }
    if (!result.ok) {
      this.listener.onError?.(new Error(`undecodable ${result.kind} message from the server: ${result.reason}`));
      return;
    }
    const message = result.message;
    if (message === undefined) {
      this.listener.onMessage?.(undefined, result.kind);
      return;
    }
    const type = message.t;
    if (type.length === 4 && type.toLowerCase() === 'pong' && this.pingHead < this.pingTimes.length) {
      this.popPing();
    } else if (type === 'ping' && message.c === 'WSE') {
      this.answerHeartbeat(message);
    } else if (type === 'error') {
      const payload = asRecord(message.p);
      this.listener.onServerError(stringField(payload, 'code', 'UNKNOWN'), stringField(payload, 'message', ''));
    } else if (type === 'rate_limit_warning') {
      this.listener.onRateLimitWarning();
    } else if (type === 'server_hello') {
      if (!this.keepServerHello) return;
      // data may be a view of the socket's read buffer: keep a copy
      this.helloData = typeof data === 'string' ? data : Buffer.from(data);
      this.helloIsBinary = isBinary;
    } else {
      this.listener.onMessage?.(message, result.kind);
    }
  }

  private handleMessageBeforeReady(message: WseMessage | undefined): void {
    this.messagesBeforeReady++;
    if (message === undefined) return;
    if (message.t === 'server_ready') {
      this.becomeReady();
      return;
    }
    if (message.t === 'error') {
      const payload = asRecord(message.p);
      const code = stringField(payload, 'code', 'UNKNOWN');
      if (code === 'AUTH_REQUIRED' || code === 'AUTH_FAILED') {
        this.authError = { code, message: stringField(payload, 'message', '') };
        this.fail(this.authFailure(code));
      }
    }
  }

  private authFailure(detail: string): ConnectError {
    const serverSaid = this.authError !== undefined && this.authError.message !== '' ? ` (${this.authError.message})` : '';
    return new ConnectError('auth', `${this.url}: the server refused the token: ${detail}${serverSaid}; ${AUTH_HINT}`);
  }

  private popPing(): void {
    const sentAt = this.pingTimes[this.pingHead++] as number;
    if (this.pingHead === this.pingTimes.length) {
      this.pingTimes.length = 0;
      this.pingHead = 0;
    } else if (this.pingHead >= 1024) {
      this.pingTimes = this.pingTimes.slice(this.pingHead);
      this.pingHead = 0;
    }
    this.listener.onPong((performance.now() - sentAt) * 1000);
  }

  /**
   * Answers a server heartbeat. A server that sends heartbeats without reading our replies must
   * not make us queue one per heartbeat: above DEFAULT_MAX_OUTBOUND_BYTES only the latest is
   * answered, once the socket has drained. The session never stops reading for it.
   */
  private answerHeartbeat(message: WseMessage): void {
    const socket = this.socket;
    if (socket === undefined) return;
    const serverTime = asRecord(message.p)?.['server_time'];
    const parsed = typeof serverTime === 'string' ? Date.parse(serverTime) : typeof serverTime === 'number' ? serverTime : 0;
    const serverTimeMs = Number.isFinite(parsed) ? parsed : 0;
    if (!Number.isNaN(this.deferredHeartbeatMs)) {
      this.deferredHeartbeatMs = serverTimeMs; // a reply already waits for the drain
    } else if (socket.bufferedAmount > DEFAULT_MAX_OUTBOUND_BYTES) {
      this.deferredHeartbeatMs = serverTimeMs;
      socket.onceDrained(() => this.answerDeferredHeartbeat());
    } else {
      socket.send(heartbeatReply(Date.now(), serverTimeMs));
    }
  }

  private answerDeferredHeartbeat(): void {
    const serverTimeMs = this.deferredHeartbeatMs;
    this.deferredHeartbeatMs = Number.NaN;
    if (this.state === 'open') this.socket?.send(heartbeatReply(Date.now(), serverTimeMs));
  }

  /** Transport event (through SessionEvents). */
  handleClose(code: number, reason: string): void {
    const previous = this.state;
    if (previous === 'closed') return;
    this.state = 'closed';
    if (previous === 'open') {
      this.listener.onClose(code, reason);
      return;
    }
    if (this.pending === undefined) return;
    const url = this.url;
    const why = reason === '' ? '' : ` (${reason})`;
    if (code === CloseCode.WseAuthFailed || this.authError !== undefined) {
      this.fail(this.authFailure(`close ${code}${why}`));
    } else if (this.messagesBeforeReady === 0 && SERVER_FULL_CODES.has(code)) {
      this.fail(
        new ConnectError(
          'server-full',
          `${url}: closed right after the upgrade without server_ready (code ${code}): the server may be over its max_connections`,
        ),
      );
    } else {
      this.fail(new ConnectError('closed', `${url}: closed with code ${code}${why} before server_ready`));
    }
  }

  /** Transport event (through SessionEvents). */
  handleError(error: Error): void {
    if (this.state === 'open') this.listener.onError?.(error);
    else if (/^WS_ERR_/.test(String((error as { code?: unknown }).code))) this.fail(new ConnectError('protocol', `${this.url}: ${error.message} before server_ready`));
    // Before ready, the close that follows decides the failure kind.
  }
}

/** Hands a transport's events to its session: one small object per session instead of three closures. */
class SessionEvents implements MessageSocketEvents {
  constructor(private readonly session: WseSession) {}

  message(data: Buffer | string, isBinary: boolean): void {
    this.session.handleMessage(data, isBinary);
  }

  close(code: number, reason: string): void {
    this.session.handleClose(code, reason);
  }

  error(error: Error): void {
    this.session.handleError(error);
  }
}

/** The token where authVia puts it, and the caller's own headers (their cookies after the token's). */
function upgradeHeaders(options: WseConnectOptions): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authVia === 'bearer') headers['Authorization'] = `Bearer ${options.token}`;
  if (options.authVia === 'cookie') {
    const own = headers['Cookie'];
    headers['Cookie'] = own === undefined ? `access_token=${options.token}` : `access_token=${options.token}; ${own}`;
  }
  return headers;
}

function asConnectError(error: unknown, url: string): ConnectError {
  if (error instanceof ConnectError) return error;
  return new ConnectError('other', `${url}: ${error instanceof Error ? error.message : String(error)}`);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function stringField(record: Record<string, unknown> | undefined, key: string, fallback: string): string {
  const value = record?.[key];
  return typeof value === 'string' ? value : fallback;
}
