// The seam between the embedded WSE server's protocol logic (bench/server/) and the WebSocket
// server it runs on: uWebSockets.js, Bun.serve, or the core's own server role.
import type { ServedTransportName } from './names.js';

export interface ServerRequest {
  /** Path and query, e.g. '/wse?compression=false&protocol_version=1'. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  remoteAddress: string;
}

/**
 * Text messages built once for every connection of a broadcast (bench/server/publisher.ts), in the
 * forms the transports take: core writes a prefix of `frames` as it is, uws sends the payload
 * views, Bun.serve the strings (its sendText takes nothing else). After the `count` messages may
 * come one more (a ping the publisher paces itself by), sent only with the whole batch.
 */
export interface BroadcastBatch {
  readonly count: number;
  /** The messages, and the trailing one when there is one. */
  readonly texts: readonly string[];
  readonly payloads: readonly Buffer[];
  /** Every message as an unmasked server text frame, back to back. */
  readonly frames: Buffer;
  /** Where message i's frame ends in `frames`. */
  readonly frameEnds: readonly number[];
}

/** How many messages sendBatch(batch, count) sends: a whole batch goes with its trailing message. */
export function messagesToSend(batch: BroadcastBatch, count: number): number {
  return count >= batch.count ? batch.texts.length : Math.max(0, count);
}

export interface ServerSocket {
  /** Queues one message; false when the transport is applying backpressure (still queued). */
  send(data: string | Buffer, isBinary: boolean): boolean;
  /** Sends the first `count` messages of `batch`, all of it when `count` is its count (corked where the transport can). */
  sendBatch(batch: BroadcastBatch, count: number): void;
  /** Bytes queued in user space that the kernel has not taken yet: what a slow reader has backed up. */
  readonly bufferedAmount: number;
  /** Close handshake with code and reason. */
  end(code: number, reason: string): void;
  /** Drops the TCP connection at once, nothing more is sent. */
  terminate(): void;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** What a transport calls. S is the per-connection state the app keeps. */
export interface ServerApp<S> {
  /** After the 101 has been written. */
  open(socket: ServerSocket, request: ServerRequest): S;
  /** One whole message. `data` may be a view valid only during the call: copy what you keep. */
  message(state: S, data: Buffer, isBinary: boolean): void;
  /** Exactly once per opened connection. */
  close(state: S, code: number, reason: string): void;
  /** A plain HTTP request (not an upgrade), e.g. GET /stats. undefined → 404. */
  http(method: string, url: string): HttpReply | undefined;
}

export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxMessageSize: number;
  /**
   * Outbound bytes a connection may have queued (default DEFAULT_MAX_OUTBOUND_BYTES): a peer that
   * does not read what it asked for (a ping flood) is stopped there. core stops reading from it
   * until it drains (TCP backpressure); uws and bun, which cannot pause a WebSocket's reading,
   * close it.
   */
  maxOutboundBytes?: number;
  /** Share the port with sibling worker processes (SO_REUSEPORT) where the transport can. */
  reusePort: boolean;
  /** Drop a connection whose HTTP upgrade has not completed by then (where the transport allows). Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Serve wss:// with these PEM files (uWebSockets.js reads them by name; the others read them once). */
  tls?: ServerTlsFiles;
}

export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
}

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface ServerTransport {
  readonly name: ServedTransportName;
  listen<S>(options: ListenOptions, app: ServerApp<S>): Promise<ListeningServer>;
}
