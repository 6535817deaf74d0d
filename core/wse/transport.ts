// The seam between the WSE session layer and a WebSocket implementation. The core's own
// WebSocketConnection, npm ws and the runtime's global WebSocket each provide a ClientTransport
// (see adapters/client/), so every benchmark test runs unchanged on every transport.
import type { PayloadBatch } from '../frame-encoder.js';
import type { ClientTlsOptions } from '../tls.js';

export interface MessageSocketEvents {
  /**
   * One whole message. Text may arrive as a string (web) or as UTF-8 bytes (core, ws). Bytes are
   * valid only during the call (core hands out views of its read buffers): copy what you keep.
   */
  message(data: Buffer | string, isBinary: boolean): void;
  /** The connection is gone; called exactly once. 1006 when it ended without a close frame. */
  close(code: number, reason: string): void;
  /** A failure after the connection was established (protocol error, socket error). close follows. */
  error(error: Error): void;
}

export interface MessageSocket {
  /** A string is sent as a text frame, a Buffer as a binary frame. */
  send(data: string | Buffer): void;
  /** Sends `count` copies of the same message; transports that can, encode them into one write. */
  sendRepeated(data: string | Buffer, count: number): void;
  /**
   * Sends every message of `batch` (UTF-8 text frames, or binary frames), in order; transports
   * that can, encode them into one write. The batch may be refilled once this returns.
   */
  sendBatch(batch: PayloadBatch, binary: boolean): void;
  /** Bytes accepted by send() but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Calls `callback` once, as soon as bufferedAmount has fallen to zero (at once if it is zero). */
  onceDrained(callback: () => void): void;
  /** Starts the close handshake. */
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection at once. */
  terminate(): void;
  /** wss:// on transports that can see it: TCP connect start → TLS handshake done, µs. */
  readonly tlsHandshakeMicros?: number;
}

export interface DialOptions {
  /** Extra request headers: Cookie or Authorization for WSE. */
  headers: Record<string, string>;
  /** Whole-handshake timeout (TCP connect + HTTP upgrade), ms. */
  timeoutMs: number;
  /** Source address to bind (127.0.0.2 … to go past ~60K connections to one address). */
  localAddress?: string;
  /** Largest inbound message accepted; bigger ones fail the connection with 1009. */
  maxMessageSize: number;
  /** Certificate trust and SNI for wss:// URLs. */
  tls?: ClientTlsOptions;
}

export interface ClientTransport {
  readonly name: string;
  /** Whether localAddress binding is supported (the web WebSocket cannot). */
  readonly supportsLocalAddress: boolean;
  /**
   * Opens a WebSocket. Resolves after the 101 response, rejects with a ConnectError
   * (core/errors.ts) whose kind names the cause.
   */
  dial(url: string, options: DialOptions, events: MessageSocketEvents): Promise<MessageSocket>;
}
