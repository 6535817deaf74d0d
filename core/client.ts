// The client role: TCP connect, HTTP upgrade, then a WebSocketConnection. Every failure
// becomes a ConnectError whose kind the benchmark counts; the socket never outlives it.
import { connect as netConnect, type Socket } from 'node:net';
import { DEFAULT_MAX_MESSAGE_SIZE } from './constants.js';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from './errors.js';
import { DEFAULT_MAX_HEADER_BYTES, UpgradeResponseReader, buildUpgradeRequest, generateWebSocketKey } from './handshake.js';
import { WebSocketConnection } from './connection.js';

export interface ClientConnectOptions {
  /** Extra request headers, e.g. Cookie or Authorization. */
  headers?: Record<string, string>;
  /** Covers TCP connect and the HTTP upgrade. Default 10000 ms. */
  timeoutMs?: number;
  /** Source address to bind (127.0.0.2, … to get past the ephemeral-port limit of one address). */
  localAddress?: string;
  /** Largest inbound message; bigger ones fail the connection with 1009. Default 1 MiB. */
  maxMessageSize?: number;
  /** Largest upgrade response head. Default 16 KiB. */
  maxResponseHeaderBytes?: number;
  /** How long close() waits for the server to drop TCP before destroying the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

interface Target {
  host: string;
  port: number;
  /** Host header value. */
  hostHeader: string;
  path: string;
}

function parseTarget(url: string): Target | ConnectError {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return new ConnectError('other', `invalid WebSocket URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol === 'wss:') {
    return new ConnectError('other', `TLS (wss://) is not supported yet by the core client: ${url}`);
  }
  if (parsed.protocol !== 'ws:') {
    return new ConnectError('other', `unsupported URL scheme ${parsed.protocol} in ${url} (expected ws://)`);
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    host,
    port: parsed.port === '' ? 80 : Number(parsed.port),
    hostHeader: parsed.host,
    path: `${parsed.pathname || '/'}${parsed.search}`,
  };
}

/**
 * Opens a WebSocket to a ws:// URL. Resolves once the 101 response has been checked; rejects
 * with a ConnectError (refused, timeout, fd-limit, address-unavailable, reset, handshake, dns,
 * closed, other) after destroying the socket.
 */
export function connect(url: string, options: ClientConnectOptions = {}): Promise<WebSocketConnection> {
  return new Promise<WebSocketConnection>((resolve, reject) => {
    const target = parseTarget(url);
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

    const fail = (kind: ConnectFailureKind, message: string, errno?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('connect', onConnect);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      // onError stays attached: a late error from the destroyed socket must not go unhandled.
      socket.destroy();
      reject(new ConnectError(kind, message, errno));
    };
    const onConnect = (): void => {
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
      socket.removeListener('connect', onConnect);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      const connection = new WebSocketConnection(socket, 'client', {
        maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
        head: result.rest,
        ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
      });
      resolve(connection);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      const kind = connectFailureKindOf(error.code);
      fail(kind, `${url}: ${error.code ?? 'error'} ${error.message}`, error.code);
    };
    const onClose = (): void => {
      fail('closed', `${url}: the server closed the connection before the upgrade completed`);
    };
    const timer = setTimeout(() => {
      fail('timeout', `${url}: no upgrade within ${timeoutMs} ms`);
    }, timeoutMs);

    try {
      socket = netConnect({
        host: target.host,
        port: target.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      });
    } catch (error) {
      // Bad arguments (e.g. an invalid localAddress) throw synchronously on some runtimes.
      clearTimeout(timer);
      const errno = (error as NodeJS.ErrnoException).code;
      reject(new ConnectError(connectFailureKindOf(errno), `${url}: ${(error as Error).message}`, errno));
      return;
    }
    socket.setNoDelay(true);
    socket.on('connect', onConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
