// Server transport on the core's own RFC 6455 server role (node:net): works on every runtime.
import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createWebSocketServer } from '../../core/server.js';
import type { ListenOptions, ListeningServer, ServerApp, ServerSocket, ServerTransport } from './transport.js';

export const coreServerTransport: ServerTransport = {
  name: 'core',
  async listen<S>(options: ListenOptions, app: ServerApp<S>): Promise<ListeningServer> {
    const server = createWebSocketServer(
      {
        maxMessageSize: options.maxMessageSize,
        ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
        ...(options.tls !== undefined ? { tls: { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } } : {}),
        onHttpRequest(request) {
          const reply = app.http(request.method, request.url);
          return reply && { status: reply.status, headers: { 'Content-Type': reply.contentType }, body: reply.body };
        },
      },
      (connection, request) => {
        const socket: ServerSocket = {
          send: (data, isBinary) => connection.send(data, isBinary),
          end: (code, reason) => connection.close(code, reason),
          terminate: () => connection.terminate(),
        };
        const state = app.open(socket, { url: request.url, headers: request.headers, remoteAddress: request.remoteAddress });
        connection.on('message', (data, isBinary) => app.message(state, data, isBinary));
        connection.on('close', (code, reason) => app.close(state, code, reason));
        connection.on('error', () => undefined); // close follows with the code; nothing else to do
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
