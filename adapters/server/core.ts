// Server transport on the core's own RFC 6455 server role (node:net): works on every runtime.
import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import type { WebSocketConnection, WebSocketEventSink } from '../../core/connection.js';
import { createWebSocketServer } from '../../core/server.js';
import { messagesToSend, type BroadcastBatch, type ListenOptions, type ListeningServer, type ServerApp, type ServerSocket, type ServerTransport } from './transport.js';

/** The app's socket and the connection's sink in one object: no closures per connection. */
class CoreServerSocket<S> implements ServerSocket, WebSocketEventSink {
  /** The app's state for this connection, set right after app.open(). */
  state!: S;

  constructor(
    private readonly connection: WebSocketConnection,
    private readonly app: ServerApp<S>,
  ) {}

  send(data: string | Buffer, isBinary: boolean): boolean {
    return this.connection.send(data, isBinary);
  }

  /** One write of the batch's frames (a view of its first messages): no frame is encoded per connection. */
  sendBatch(batch: BroadcastBatch, count: number): void {
    const n = messagesToSend(batch, count);
    if (n === 0) return;
    this.connection.sendFrames(n === batch.texts.length ? batch.frames : batch.frames.subarray(0, batch.frameEnds[n - 1]));
  }

  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  end(code: number, reason: string): void {
    this.connection.close(code, reason);
  }

  terminate(): void {
    this.connection.terminate();
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    this.app.message(this.state, data, isBinary);
  }

  onClose(code: number, reason: string): void {
    this.app.close(this.state, code, reason);
  }

  onError(): void {
    // close follows with the code; nothing else to do
  }

  onDrain(): void {
    // the app does not wait for drains
  }
}

export const coreServerTransport: ServerTransport = {
  name: 'core',
  async listen<S>(options: ListenOptions, app: ServerApp<S>): Promise<ListeningServer> {
    const server = createWebSocketServer(
      {
        maxMessageSize: options.maxMessageSize,
        ...(options.maxOutboundBytes !== undefined ? { maxOutboundBytes: options.maxOutboundBytes } : {}),
        ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
        ...(options.tls !== undefined ? { tls: { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } } : {}),
        onHttpRequest(request) {
          const reply = app.http(request.method, request.url);
          return reply && { status: reply.status, headers: { 'Content-Type': reply.contentType }, body: reply.body };
        },
      },
      (connection, request) => {
        const socket = new CoreServerSocket(connection, app);
        socket.state = app.open(socket, { url: request.url, headers: request.headers, remoteAddress: request.remoteAddress });
        connection.setSink(socket);
      },
    );
    // every accepted socket, so close() can drop them (open connections keep a net.Server alive)
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await listenOn(server, options);
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    return {
      port,
      close: () => closeServer(server, sockets),
    };
  },
};

function listenOn(server: Server, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // reusePort is honoured by Node ≥ 22.12 and Bun; older runtimes ignore it (cluster shares the port there)
    server.listen({ host: options.host, port: options.port, backlog: 4096, ...(options.reusePort ? { reusePort: true } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
