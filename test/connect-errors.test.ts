import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from '../core/client.js';
import { ConnectError } from '../core/errors.js';
import { createWebSocketServer } from '../core/server.js';
import type { WebSocketConnection } from '../core/connection.js';
import { eventsOf } from './fixtures/connection-events.js';
import { createServer, type Server, type Socket } from 'node:net';
import { listen as listenOnLoopback } from './fixtures/servers.js';
import { within } from './fixtures/waiting.js';
import { clientDialers } from './fixtures/dialers.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

interface RawServer {
  port: number;
  server: Server;
  /** Resolves with the first accepted socket once it has closed. */
  firstSocketClosed: Promise<void>;
}

const servers: Server[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** Listens on a free loopback port; the server is closed after the test. */
function listen(server: Server): Promise<number> {
  servers.push(server);
  return listenOnLoopback(server);
}

/** A TCP server that gives every accepted socket to `onSocket` (after reading the request head). */
async function rawServer(onRequest: (socket: Socket, requestHead: string) => void): Promise<RawServer> {
  let closedResolve: () => void = () => {};
  const firstSocketClosed = new Promise<void>((resolve) => (closedResolve = resolve));
  let first = true;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    if (first) {
      first = false;
      socket.on('close', () => closedResolve());
    }
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      onRequest(socket, text.slice(0, end));
    };
    socket.on('data', onData);
  });
  const port = await listen(server);
  return { port, server, firstSocketClosed };
}

async function expectConnectError(promise: Promise<unknown>, kind: string): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectError, `expected ConnectError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected a ConnectError of kind ${kind}, but the connection opened`);
}

function acceptKeyOf(requestHead: string): string {
  const key = /^sec-websocket-key:\s*(\S+)/im.exec(requestHead)?.[1] ?? '';
  return createHash('sha1').update(key + GUID).digest('base64');
}

for (const dialer of clientDialers()) describe(`connect() failures by cause (${dialer.name})`, () => {
  test('nothing listening → refused', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    servers.splice(servers.indexOf(probe), 1);
    const error = await expectConnectError(connect(`ws://127.0.0.1:${port}/`, { dialer }), 'refused');
    assert.equal(error.errno, 'ECONNREFUSED');
  });

  test('a server that accepts TCP and never answers → timeout, and the socket is closed', async () => {
    const raw = await rawServer(() => {});
    const started = Date.now();
    await expectConnectError(connect(`ws://127.0.0.1:${raw.port}/`, { dialer, timeoutMs: 300 }), 'timeout');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250, `gave up after ${elapsed} ms, before the 300 ms timeout`);
    await within(raw.firstSocketClosed, 'the client to close its socket'); // the client dropped its socket
  });

  test('a non-101 answer → handshake, quoting the status line', async () => {
    const raw = await rawServer((socket) => {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    });
    const error = await expectConnectError(connect(`ws://127.0.0.1:${raw.port}/wse`, { dialer }), 'handshake');
    assert.ok(error.message.includes('HTTP/1.1 403 Forbidden'), error.message);
  });

  test('a wrong Sec-WebSocket-Accept → handshake, and the socket is closed', async () => {
    const raw = await rawServer((socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${createHash('sha1').update('wrong').digest('base64')}\r\n\r\n`,
      );
    });
    const error = await expectConnectError(connect(`ws://127.0.0.1:${raw.port}/`, { dialer }), 'handshake');
    assert.match(error.message, /Sec-WebSocket-Accept/);
    await within(raw.firstSocketClosed, 'the client to close its socket');
  });

  test('response headers that never end → handshake (size limit)', async () => {
    const raw = await rawServer((socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nX-Filler: ${'a'.repeat(64 * 1024)}`);
    });
    const error = await expectConnectError(connect(`ws://127.0.0.1:${raw.port}/`, { dialer }), 'handshake');
    assert.match(error.message, /size limit/);
    await within(raw.firstSocketClosed, 'the client to close its socket');
  });

  test('the server closes before answering → closed', async () => {
    const raw = await rawServer((socket) => socket.end());
    await expectConnectError(connect(`ws://127.0.0.1:${raw.port}/`, { dialer }), 'closed');
  });

  test('other schemes are refused with a clear message, asynchronously; wss:// keeps the OS cause', async () => {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = connect('http://127.0.0.1:1/', { dialer });
    });
    const error = await expectConnectError(promise!, 'other');
    assert.match(error.message, /ws:\/\/ or wss:\/\//);
    // TLS (test/tls.test.ts) runs over the same TCP connect: a closed port is still 'refused'
    await expectConnectError(connect('wss://127.0.0.1:1/', { dialer }), 'refused');
    await expectConnectError(connect('not a url', { dialer }), 'other');
  });

  test('the request carries the path, query and extra headers', async () => {
    let seen = '';
    const raw = await rawServer((socket, head) => {
      seen = head;
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKeyOf(head)}\r\n\r\n`,
      );
    });
    const connection = await connect(`ws://127.0.0.1:${raw.port}/wse?compression=false&protocol_version=1`, {
      headers: { Cookie: 'access_token=abc' },
    });
    connection.terminate();
    assert.match(seen, /^GET \/wse\?compression=false&protocol_version=1 HTTP\/1\.1\r\n/);
    assert.match(seen, new RegExp(`\\r\\nHost: 127\\.0\\.0\\.1:${raw.port}\\r\\n`));
    assert.match(seen, /\r\nCookie: access_token=abc(\r\n|$)/);
  });

  test('localAddress 127.0.0.2 is used as the source address', async () => {
    let remoteAddress = '';
    let serverSide: WebSocketConnection | undefined;
    const server = createWebSocketServer({}, (connection, request) => {
      remoteAddress = request.remoteAddress;
      serverSide = connection;
    });
    const port = await listen(server);
    const client = await connect(`ws://127.0.0.1:${port}/`, { dialer, localAddress: '127.0.0.2' });
    const closed = new Promise<void>((resolve) => eventsOf(client).once('close', () => resolve()));
    client.close();
    await within(closed, 'close');
    assert.equal(remoteAddress.replace(/^::ffff:/, ''), '127.0.0.2');
    assert.equal(serverSide?.remoteAddress.replace(/^::ffff:/, ''), '127.0.0.2');
  });
});
