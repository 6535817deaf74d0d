// The client role: TCP connect (plus TLS for wss://), HTTP upgrade, then a WebSocketConnection.
// Every failure becomes a ConnectError whose kind the benchmark counts; the socket never outlives it.
import { closeSync, openSync } from 'node:fs';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_MESSAGE_SIZE } from './constants.js';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from './errors.js';
import { DEFAULT_MAX_HEADER_BYTES, UpgradeResponseReader, buildUpgradeRequest, generateWebSocketKey } from './handshake.js';
import { WebSocketConnection } from './connection.js';
import { dialTls, isTlsErrorCode, type ClientTlsOptions } from './tls.js';

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
 * handshake, dns, closed, other) after destroying the socket.
 */
export function connect(url: string, options: ClientConnectOptions = {}): Promise<WebSocketConnection> {
  return new Promise<WebSocketConnection>((resolve, reject) => {
    const target = targetOf(url);
    if (target instanceof ConnectError) {
      reject(target);
      return;
    }
    let request: string;
    const key = generateWebSocketKey();
    try {
      request = buildUpgradeRequest({ host: target.hostHeader, path: target.path, key, headers: options.headers ?? {} });
    } catch (error) {
      reject(new ConnectError('other', (error as Error).message));
      return;
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const reader = new UpgradeResponseReader(key, options.maxResponseHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
    let settled = false;
    let socket: Socket;
    // TLS: the request waits for 'secureConnect'; a failure before it is a TLS failure unless the OS named it
    const connectEvent = target.secure ? 'secureConnect' : 'connect';
    let secured = false;
    let startedAt = 0;

    const fail = (kind: ConnectFailureKind, message: string, errno?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener(connectEvent, onConnect);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      // onError stays attached: a late error from the destroyed socket must not go unhandled.
      socket.destroy();
      reject(new ConnectError(kind, message, errno));
    };
    const onConnect = (): void => {
      if (target.secure) {
        secured = true;
        options.onTlsHandshake?.((performance.now() - startedAt) * 1000);
      }
      socket.write(request);
    };
    const onData = (chunk: Buffer): void => {
      const result = reader.push(chunk);
      if (result.state === 'incomplete') return;
      if (result.state === 'rejected') {
        fail('handshake', `${url}: ${result.message}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.removeListener(connectEvent, onConnect);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      const connection = new WebSocketConnection(socket, 'client', {
        maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
        head: result.rest,
        // an IP literal we dialled is the peer's address; a host name is left to getpeername
        ...(isIP(target.host) !== 0 ? { remoteAddress: target.host } : {}),
        ...(options.maxFragments !== undefined ? { maxFragments: options.maxFragments } : {}),
        ...(options.maxOutboundBytes !== undefined ? { maxOutboundBytes: options.maxOutboundBytes } : {}),
        ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
      });
      resolve(connection);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      let kind = connectFailureKindOf(error.code);
      if (target.secure && kind === 'other' && (!secured || isTlsErrorCode(error.code))) kind = 'tls';
      if (kind === 'refused' && fileDescriptorsExhausted()) {
        // Bun reports a socket it could not create for want of a descriptor as ECONNREFUSED.
        fail('fd-limit', `${url}: EMFILE no free file descriptor (the runtime reported ${error.code})`, 'EMFILE');
        return;
      }
      fail(kind, `${url}: ${error.code ?? 'error'} ${error.message}`, error.code);
    };
    const onClose = (): void => {
      fail('closed', `${url}: the server closed the connection before the ${target.secure && !secured ? 'TLS handshake' : 'upgrade'} completed`);
    };
    const timer = setTimeout(() => {
      fail('timeout', `${url}: no upgrade within ${timeoutMs} ms`);
    }, timeoutMs);

    try {
      const endpoint = {
        host: target.host,
        port: target.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      };
      startedAt = performance.now();
      socket = target.secure ? dialTls(endpoint, options.tls) : netConnect(endpoint);
    } catch (error) {
      // Bad arguments (an invalid localAddress, an unreadable CA PEM) throw synchronously on some runtimes.
      clearTimeout(timer);
      const errno = (error as NodeJS.ErrnoException).code;
      const kind = target.secure && isTlsErrorCode(errno) ? 'tls' : connectFailureKindOf(errno);
      reject(new ConnectError(kind, `${url}: ${(error as Error).message}`, errno));
      return;
    }
    socket.setNoDelay(true);
    socket.on(connectEvent, onConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
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
