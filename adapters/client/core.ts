// ClientTransport over our own framing (core/client.ts) on the runtime's raw sockets: Bun's native
// ones under Bun (./bun-byte-stream.ts), node:net elsewhere. sendRepeated encodes all copies into
// one socket write, and onceDrained waits for the stream's drain.
import type { ByteStreamDialer } from '../../core/byte-stream.js';
import { connect } from '../../core/client.js';
import type { WebSocketConnection, WebSocketEventSink } from '../../core/connection.js';
import type { PayloadBatch } from '../../core/frame-encoder.js';
import { nodeDialer } from '../../core/node-byte-stream.js';
import type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from '../../core/wse/transport.js';
import { bunDialer } from './bun-byte-stream.js';

/** The connection's sink (direct calls, no listeners): a held connection costs no closures. */
class CoreMessageSocket implements MessageSocket, WebSocketEventSink {
  /** Created on the first wait: most held connections never wait for a drain. */
  drainWaiters: (() => void)[] | undefined;
  tlsHandshakeMicros: number | undefined;
  /**
   * Set as soon as connect() resolves. Events may come before (the first frames can arrive with
   * the upgrade's answer); the session sends nothing before dial() has resolved with this socket.
   */
  connection!: WebSocketConnection;

  constructor(readonly events: MessageSocketEvents) {}

  // --- WebSocketEventSink ---------------------------------------------------------------------

  onMessage(data: Buffer, isBinary: boolean): void {
    this.events.message(data, isBinary);
  }

  onError(error: Error): void {
    this.events.error(error);
  }

  onClose(code: number, reason: string): void {
    // A closed socket never drains: waiters are dropped; the close itself tells the owner.
    this.drainWaiters = undefined;
    this.events.close(code, reason);
  }

  onDrain(): void {
    this.runDrainWaiters();
  }

  // --- MessageSocket ----------------------------------------------------------------------------

  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  send(data: string | Buffer): void {
    this.connection.send(data);
  }

  sendRepeated(data: string | Buffer, count: number): void {
    this.connection.sendRepeated(data, count);
  }

  sendBatch(batch: PayloadBatch, binary: boolean): void {
    this.connection.sendBatch(batch, binary);
  }

  onceDrained(callback: () => void): void {
    if (this.connection.bufferedAmount === 0) {
      callback();
      return;
    }
    (this.drainWaiters ??= []).push(callback);
  }

  close(code?: number, reason?: string): void {
    this.connection.close(code, reason);
  }

  terminate(): void {
    this.connection.terminate();
  }

  runDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === undefined || waiters.length === 0 || this.connection.bufferedAmount !== 0) return;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** The core transport over the streams of `dialer`. */
export function coreTransportOver(dialer: ByteStreamDialer): ClientTransport {
  return {
    name: 'core',
    supportsLocalAddress: true,
    async dial(url: string, options: DialOptions, events: MessageSocketEvents): Promise<MessageSocket> {
      const socket = new CoreMessageSocket(events);
      // connect() rejects with a ConnectError already.
      socket.connection = await connect(url, {
        headers: options.headers,
        timeoutMs: options.timeoutMs,
        localAddress: options.localAddress,
        maxMessageSize: options.maxMessageSize,
        dialer,
        sink: socket,
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
        onTlsHandshake: (micros) => {
          socket.tlsHandshakeMicros = micros;
        },
      });
      return socket;
    },
  };
}

/** The raw sockets the core transport runs on in this runtime: Bun's native ones under Bun, else node:net. */
export const runtimeDialer: ByteStreamDialer = bunDialer() ?? nodeDialer;

export const coreTransport: ClientTransport = coreTransportOver(runtimeDialer);
