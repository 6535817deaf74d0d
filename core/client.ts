// The client role: TCP connect (plus TLS for wss://) through a ByteStreamDialer (node:net unless
// told otherwise), HTTP upgrade, then a WebSocketConnection over the same stream. Every failure
// becomes a ConnectError whose kind the benchmark counts; the stream never outlives it.
import { closeSync, openSync } from 'node:fs';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_MESSAGE_SIZE } from './constants.js';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from './errors.js';
import { DEFAULT_MAX_HEADER_BYTES, UpgradeResponseReader, buildUpgradeRequest, generateWebSocketKey } from './handshake.js';
import type { ByteStream, ByteStreamDialer, ByteStreamHandler } from './byte-stream.js';
import { WebSocketConnection, type WebSocketEventSink } from './connection.js';
import { nodeDialer } from './node-byte-stream.js';
import { isTlsErrorCode, type ClientTlsOptions } from './tls.js';

export interface ClientConnectOptions {
  /** Extra request headers, e.g. Cookie or Authorization. */
  headers?: Record<string, string>;
  /** Covers TCP connect and the HTTP upgrade. Default 10000 ms. */
  timeoutMs?: number;
  /** Source address to bind (127.0.0.2, … to get past the ephemeral-port limit of one address). */
  localAddress?: string;
  /** Largest inbound message; bigger ones fail the connection with 1009. Default 1 MiB. */
  maxMessageSize?: number;
  /** Most frames an inbound message may arrive in; more fail the connection with 1008. Default DEFAULT_MAX_FRAGMENTS. */
  maxFragments?: number;
  /** Outbound bytes queued above which only the latest ping is answered, on drain. Default DEFAULT_MAX_OUTBOUND_BYTES. */
  maxOutboundBytes?: number;
  /** Largest upgrade response head. Default 16 KiB. */
  maxResponseHeaderBytes?: number;
  /** How long close() waits for the server to drop TCP before destroying the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Certificate trust and SNI for wss:// URLs (ignored for ws://). */
  tls?: ClientTlsOptions;
  /** wss:// only: called once the TLS handshake is done, with µs since the TCP connect started. */
  onTlsHandshake?(micros: number): void;
  /** Opens the stream; default node:net (node:tls for wss://, and for any dialer without TLS of its own). */
  dialer?: ByteStreamDialer;
  /**
   * Where the connection's events go from its first frame on, which may come with the upgrade's
   * answer, before the promise resolves. Without one, set the sink right after it resolves.
   */
  sink?: WebSocketEventSink;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

interface Target {
  host: string;
  port: number;
  /** Host header value. */
  hostHeader: string;
  path: string;
  secure: boolean;
}

function parseTarget(url: string): Target | ConnectError {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return new ConnectError('other', `invalid WebSocket URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return new ConnectError('other', `unsupported URL scheme ${parsed.protocol} in ${url} (expected ws:// or wss://)`);
  }
  const secure = parsed.protocol === 'wss:';
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    secure,
    host,
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    hostHeader: parsed.host,
    path: `${parsed.pathname || '/'}${parsed.search}`,
  };
}

// A connection storm dials one URL thousands of times: the last parse is kept (a Target is
// never modified after parseTarget built it).
let lastParsed: { url: string; target: Target } | undefined;

function targetOf(url: string): Target | ConnectError {
  if (lastParsed !== undefined && lastParsed.url === url) return lastParsed.target;
  const target = parseTarget(url);
  if (!(target instanceof ConnectError)) lastParsed = { url, target };
  return target;
}

/**
 * Opens a WebSocket to a ws:// or wss:// URL. Resolves once the 101 response has been checked;
 * rejects with a ConnectError (refused, timeout, fd-limit, address-unavailable, reset, tls,
 * handshake, dns, closed, other) after destroying the stream.
 */
export function connect(url: string, options: ClientConnectOptions = {}): Promise<WebSocketConnection> {
  return new Promise<WebSocketConnection>((resolve, reject) => {
    const target = targetOf(url);
    if (target instanceof ConnectError) {
      reject(target);
      return;
    }
    const key = generateWebSocketKey();
    let request: Buffer;
    try {
      request = Buffer.from(buildUpgradeRequest({ host: target.hostHeader, path: target.path, key, headers: options.headers ?? {} }));
    } catch (error) {
      reject(new ConnectError('other', (error as Error).message));
      return;
    }
    new ClientHandshake(url, target, key, request, options, resolve, reject).dial();
  });
}

/** Where the stream's events go once the handshake has failed: nowhere (a late error is not unhandled). */
const IGNORED: ByteStreamHandler = {
  onStreamOpen() {},
  onStreamData() {},
  onStreamDrain() {},
  onStreamError() {},
  onStreamClose() {},
};

/** The client's side of one upgrade (RFC 6455 §4.1): dial, send the request, check the answer. */
class ClientHandshake implements ByteStreamHandler {
  private stream: ByteStream | undefined;
  private readonly reader: UpgradeResponseReader;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private settled = false;
  /** TLS: a failure before the handshake completed is a TLS failure unless the OS named it. */
  private secured = false;
  private startedAt = 0;

  constructor(
    private readonly url: string,
    private readonly target: Target,
    key: string,
    private readonly request: Buffer,
    private readonly options: ClientConnectOptions,
    private readonly resolve: (connection: WebSocketConnection) => void,
    private readonly reject: (error: ConnectError) => void,
  ) {
    this.reader = new UpgradeResponseReader(key, options.maxResponseHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  }

  dial(): void {
    const { target, options } = this;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.timer = setTimeout(() => this.fail('timeout', `${this.url}: no upgrade within ${timeoutMs} ms`), timeoutMs);
    const chosen = options.dialer ?? nodeDialer;
    // A dialer without TLS of its own leaves wss:// to node:tls.
    const dialer = target.secure && !chosen.supportsTls ? nodeDialer : chosen;
    try {
      this.startedAt = performance.now();
      this.stream = dialer.dial(
        {
          host: target.host,
          port: target.port,
          ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
          ...(target.secure ? { tls: options.tls ?? {} } : {}),
        },
        this,
      );
    } catch (error) {
      // Bad arguments (an invalid localAddress, an unreadable CA PEM) throw synchronously on some runtimes.
      const errno = (error as NodeJS.ErrnoException).code;
      const kind = target.secure && isTlsErrorCode(errno) ? 'tls' : connectFailureKindOf(errno);
      this.fail(kind, `${this.url}: ${(error as Error).message}`, errno);
    }
  }

  onStreamOpen(): void {
    if (this.target.secure) {
      this.secured = true;
      this.options.onTlsHandshake?.((performance.now() - this.startedAt) * 1000);
    }
    this.stream?.write(this.request);
  }

  onStreamData(bytes: Buffer, length: number): void {
    const stream = this.stream;
    if (this.settled || stream === undefined) return;
    const result = this.reader.push(length === bytes.length ? bytes : bytes.subarray(0, length));
    if (result.state === 'incomplete') return;
    if (result.state === 'rejected') {
      this.fail('handshake', `${this.url}: ${result.message}`);
      return;
    }
    this.settled = true;
    clearTimeout(this.timer);
    const { options, target } = this;
    const connection = new WebSocketConnection(stream, 'client', {
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      // an IP literal we dialled is the peer's address; a host name is left to the stream
      ...(isIP(target.host) !== 0 ? { remoteAddress: target.host } : {}),
      ...(options.maxFragments !== undefined ? { maxFragments: options.maxFragments } : {}),
      ...(options.maxOutboundBytes !== undefined ? { maxOutboundBytes: options.maxOutboundBytes } : {}),
      ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
      ...(options.sink !== undefined ? { sink: options.sink } : {}),
    });
    // The first frames (server_ready, often) came with the head: a view of this read, fed now.
    if (result.rest.length > 0) connection.onStreamData(result.rest, result.rest.length);
    this.resolve(connection);
  }

  onStreamDrain(): void {}

  onStreamError(error: NodeJS.ErrnoException): void {
    let kind = connectFailureKindOf(error.code);
    if (this.target.secure && kind === 'other' && (!this.secured || isTlsErrorCode(error.code))) kind = 'tls';
    if (kind === 'refused' && fileDescriptorsExhausted()) {
      // Bun reports a socket it could not create for want of a descriptor as ECONNREFUSED.
      this.fail('fd-limit', `${this.url}: EMFILE no free file descriptor (the runtime reported ${error.code})`, 'EMFILE');
      return;
    }
    this.fail(kind, `${this.url}: ${error.code ?? 'error'} ${error.message}`, error.code);
  }

  onStreamClose(): void {
    this.fail('closed', `${this.url}: the server closed the connection before the ${this.target.secure && !this.secured ? 'TLS handshake' : 'upgrade'} completed`);
  }

  private fail(kind: ConnectFailureKind, message: string, errno?: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.stream !== undefined) {
      this.stream.setHandler(IGNORED);
      this.stream.destroy();
    }
    this.reject(new ConnectError(kind, message, errno));
  }
}

/** Whether this process is out of file descriptors: opening /dev/null then fails with EMFILE/ENFILE. */
function fileDescriptorsExhausted(): boolean {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE';
  }
}
