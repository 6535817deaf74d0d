// ClientTransport over our own framing (core/client.ts): sendRepeated encodes all copies into
// one socket write, and onceDrained waits for the socket's 'drain'.
import { connect } from '../../core/client.js';
import type { WebSocketConnection } from '../../core/connection.js';
import type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from '../../core/wse/transport.js';

class CoreMessageSocket implements MessageSocket {
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly connection: WebSocketConnection,
    events: MessageSocketEvents,
  ) {
    connection.on('message', (data, isBinary) => events.message(data, isBinary));
    connection.on('error', (error) => events.error(error));
    connection.once('close', (code, reason) => {
      // A closed socket never drains: waiters are dropped; the close itself tells the owner.
      this.drainWaiters = [];
      events.close(code, reason);
    });
    connection.on('drain', () => this.runDrainWaiters());
  }

  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  send(data: string | Buffer): void {
    this.connection.send(data);
  }

  sendRepeated(data: string | Buffer, count: number): void {
    this.connection.sendRepeated(data, count);
  }

  onceDrained(callback: () => void): void {
    if (this.connection.bufferedAmount === 0) {
      callback();
      return;
    }
    this.drainWaiters.push(callback);
  }

  close(code?: number, reason?: string): void {
    this.connection.close(code, reason);
  }

  terminate(): void {
    this.connection.terminate();
  }

  private runDrainWaiters(): void {
    if (this.drainWaiters.length === 0 || this.connection.bufferedAmount !== 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

export const coreTransport: ClientTransport = {
  name: 'core',
  supportsLocalAddress: true,
  async dial(url: string, options: DialOptions, events: MessageSocketEvents): Promise<MessageSocket> {
    // connect() rejects with a ConnectError already.
    const connection = await connect(url, {
      headers: options.headers,
      timeoutMs: options.timeoutMs,
      localAddress: options.localAddress,
      maxMessageSize: options.maxMessageSize,
    });
    return new CoreMessageSocket(connection, events);
  },
};
