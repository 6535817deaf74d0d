// The server role: reads the HTTP request on an accepted socket, answers the upgrade (or a
// plain HTTP request such as GET /stats, or an error status) and hands over a WebSocketConnection.
// With `tls` the server speaks wss:// (node:tls) and the same upgrade runs on the decrypted stream.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { DEFAULT_MAX_MESSAGE_SIZE } from './constants.js';
import { WebSocketConnection } from './connection.js';
import { NodeByteStream } from './node-byte-stream.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  UpgradeRequestReader,
  buildHttpResponse,
  buildUpgradeResponse,
  type ParsedRequestHead,
  type UpgradeRequestResult,
} from './handshake.js';

export interface HttpRequestHead {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Names in lower case. */
  headers: Record<string, string>;
  remoteAddress: string;
}

export interface HttpResponseSpec {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface WebSocketServerOptions {
  /** Largest inbound message; bigger ones fail the connection with 1009. Default 1 MiB. */
  maxMessageSize?: number;
  /** Most frames an inbound message may arrive in; more fail the connection with 1008. Default DEFAULT_MAX_FRAGMENTS. */
  maxFragments?: number;
  /** Outbound bytes queued for a connection above which it is no longer read until it drains. Default DEFAULT_MAX_OUTBOUND_BYTES. */
  maxOutboundBytes?: number;
  /** Largest request head; bigger ones are answered 431. Default 16 KiB. */
  maxRequestHeaderBytes?: number;
  /** An upgrade that has not completed by then is dropped. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** How long a close handshake may take before the socket is destroyed. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Answers requests that are not WebSocket upgrades; undefined (or no hook) → 404. */
  onHttpRequest?(request: HttpRequestHead): HttpResponseSpec | undefined;
  /** Serve TLS (wss://) with this PEM certificate (chain) and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export type ConnectionListener = (connection: WebSocketConnection, request: HttpRequestHead) => void;

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Runs the server side of the upgrade on one accepted socket. */
export function acceptWebSocket(socket: Socket, options: WebSocketServerOptions, onConnection: ConnectionListener): void {
  const reader = new UpgradeRequestReader(options.maxRequestHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  const remoteAddress = socket.remoteAddress ?? '';
  let done = false;

  const onData = (chunk: Buffer): void => {
    if (done) return; // the answer is written; whatever follows is ignored
    const result = reader.push(chunk);
    if (result.state === 'incomplete') return;
    done = true;
    if (result.state === 'upgrade') upgrade(result.request, result.key, result.rest);
    else respondAndClose(result);
  };
  const onError = (): void => {
    // ECONNRESET and the like before the upgrade: nothing to report, just let the socket go.
    socket.destroy();
  };
  const onClose = (): void => {
    clearTimeout(timer);
  };
  const timer = setTimeout(() => socket.destroy(), options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);

  function requestHead(request: ParsedRequestHead): HttpRequestHead {
    return { method: request.method, url: request.url, headers: request.headers, remoteAddress };
  }

  function upgrade(request: ParsedRequestHead, key: string, rest: Buffer): void {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    socket.write(buildUpgradeResponse(key), 'latin1');
    const connection = new WebSocketConnection(NodeByteStream.adopt(socket), 'server', {
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      remoteAddress,
      ...(options.maxFragments !== undefined ? { maxFragments: options.maxFragments } : {}),
      ...(options.maxOutboundBytes !== undefined ? { maxOutboundBytes: options.maxOutboundBytes } : {}),
      ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
    });
    onConnection(connection, requestHead(request));
    // Frames that came with the request wait for the next turn, when the sink is surely set.
    if (rest.length > 0) connection.onStreamData(rest, rest.length);
  }

  function respondAndClose(result: Exclude<UpgradeRequestResult, { state: 'incomplete' } | { state: 'upgrade' }>): void {
    let response: HttpResponseSpec;
    if (result.state === 'rejected') {
      response = { status: result.status, body: `${result.reason}\n`, ...(result.headers !== undefined ? { headers: result.headers } : {}) };
    } else {
      response = httpAnswer(options, requestHead(result.request));
    }
    let text: string;
    try {
      text = buildHttpResponse(response.status, response.headers, response.body ?? '');
    } catch (error) {
      text = buildHttpResponse(500, {}, `${(error as Error).message}\n`); // the hook gave an invalid header
    }
    // The handshake timer stays armed: it destroys the socket if the peer never closes its side.
    socket.end(text, 'utf8');
  }

  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function httpAnswer(options: WebSocketServerOptions, request: HttpRequestHead): HttpResponseSpec {
  if (options.onHttpRequest !== undefined) {
    try {
      const answer = options.onHttpRequest(request);
      if (answer !== undefined) return answer;
    } catch (error) {
      return { status: 500, body: `${(error as Error).message}\n` };
    }
  }
  return { status: 404, body: 'Not Found\n' };
}

/**
 * A net.Server (a tls.Server with options.tls) whose every connection goes through
 * acceptWebSocket. The caller listens and closes it; its 'connection' event gives the TCP sockets.
 */
export function createWebSocketServer(options: WebSocketServerOptions, onConnection: ConnectionListener): Server {
  if (options.tls === undefined) return createServer((socket) => acceptWebSocket(socket, options, onConnection));
  return createTlsServer(
    // the TLS handshake counts against the same handshake timeout as the upgrade
    { cert: options.tls.cert, key: options.tls.key, handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS },
    (socket) => acceptWebSocket(socket, options, onConnection),
  );
}
