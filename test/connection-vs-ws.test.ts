// The core's client and server roles against npm ws, the independent reference implementation,
// plus raw TCP peers for what ws would never send (bad frames) or do (stop reading).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { connect } from '../core/client.js';
import { WebSocketProtocolError } from '../core/errors.js';
import { createWebSocketServer } from '../core/server.js';
import type { WebSocketConnection } from '../core/connection.js';
import { eventsOf } from './fixtures/connection-events.js';
import { answerUpgrade, upgradedRawClient } from './fixtures/raw-peers.js';
import { listen as listenOnLoopback } from './fixtures/servers.js';
import { within } from './fixtures/waiting.js';
import { clientDialers } from './fixtures/dialers.js';

const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Listens on a free loopback port; the server and its sockets are dropped after the test. */
function listen(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return closeServer(server);
  });
  return listenOnLoopback(server);
}

/** A ws server that echoes every message with the same type. */
async function wsEchoServer(onConnection?: (ws: WebSocket) => void): Promise<{ port: number; server: WebSocketServer }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    onConnection?.(ws);
  });
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server };
}

function track(connection: WebSocketConnection): WebSocketConnection {
  eventsOf(connection); // the sink, set before the first frames are read
  cleanups.push(async () => {
    if (connection.readyState === 'closed') return;
    const closed = closeEvent(connection);
    connection.terminate();
    await within(closed, 'closed');
  });
  return connection;
}

function textOfSize(size: number): string {
  return Buffer.alloc(size, 'The quick brown fox jumps over the lazy dog. ').toString('latin1');
}

function binaryOfSize(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = (i * 31 + 7) & 0xff;
  return buffer;
}

interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** Collects the next `count` messages of a core connection, copying each (they may be views). */
function nextMessages(connection: WebSocketConnection, count: number): Promise<Received[]> {
  return new Promise((resolve) => {
    const got: Received[] = [];
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      got.push({ data: Buffer.from(data), isBinary });
      if (got.length === count) {
        eventsOf(connection).removeListener('message', onMessage);
        resolve(got);
      }
    };
    eventsOf(connection).on('message', onMessage);
  });
}

/** The connection's 'close' event (not events.once, which would turn 'error' into a rejection). */
function closeEvent(connection: WebSocketConnection): Promise<[number, string]> {
  return new Promise((resolve) => eventsOf(connection).once('close', (code, reason) => resolve([code, reason])));
}

for (const dialer of clientDialers()) describe(`core client against a ws server (${dialer.name})`, () => {
  test('text and binary messages of every length class round-trip', async () => {
    const { port } = await wsEchoServer();
    const client = track(await connect(`ws://127.0.0.1:${port}/echo`, { dialer }));
    const expected: Received[] = [];
    for (const size of SIZES) {
      expected.push({ data: Buffer.from(textOfSize(size), 'latin1'), isBinary: false });
      expected.push({ data: binaryOfSize(size), isBinary: true });
    }
    expected.push({ data: Buffer.from('héllo € 😀', 'utf8'), isBinary: false });
    const received = nextMessages(client, expected.length);
    for (const message of expected) {
      client.send(message.isBinary ? message.data : message.data.toString('utf8'));
    }
    const got = await within(received, 'received');
    for (let i = 0; i < expected.length; i++) {
      assert.equal(got[i]!.isBinary, expected[i]!.isBinary, `message ${i}`);
      assert.equal(got[i]!.data.length, expected[i]!.data.length, `message ${i}`);
      assert.ok(got[i]!.data.equals(expected[i]!.data), `message ${i} differs`);
    }
  });

  test('a string sent as binary and a Buffer sent as text keep the requested type', async () => {
    const { port } = await wsEchoServer();
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const received = nextMessages(client, 2);
    client.send('as binary', true);
    client.send(Buffer.from('as text'), false);
    const [first, second] = await within(received, 'received');
    assert.deepEqual([first!.isBinary, first!.data.toString()], [true, 'as binary']);
    assert.deepEqual([second!.isBinary, second!.data.toString()], [false, 'as text']);
  });

  test('sendRepeated delivers exactly N messages', async () => {
    let count = 0;
    let bytes = 0;
    const { port } = await wsEchoServer((ws) => {
      ws.removeAllListeners('message');
      ws.on('message', (data) => {
        const text = (data as Buffer).toString();
        if (text === 'report') ws.send(`${count} ${bytes}`);
        else {
          count += 1;
          bytes += (data as Buffer).length;
        }
      });
    });
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const reply = nextMessages(client, 1);
    client.sendRepeated('{"t":"trade_update"}', 1000);
    client.sendRepeated(Buffer.alloc(300, 1), 37);
    client.sendRepeated('never', 0);
    client.send('report');
    const [report] = await within(reply, 'reply');
    assert.equal(report!.data.toString(), `${1000 + 37} ${1000 * 20 + 37 * 300}`);
  });

  test('ping is answered with pong both ways', async () => {
    let serverSide: WebSocket | undefined;
    const { port } = await wsEchoServer((ws) => (serverSide = ws));
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const pong = once(eventsOf(client), 'pong');
    client.ping('are you there');
    assert.equal(((await within(pong, 'pong'))[0] as Buffer).toString(), 'are you there');

    // ws pings the core client, which must answer by itself.
    const clientSawPing = once(eventsOf(client), 'ping');
    const serverGotPong = once(serverSide!, 'pong');
    serverSide!.ping(Buffer.from('heartbeat'));
    assert.equal(((await within(clientSawPing, 'clientSawPing'))[0] as Buffer).toString(), 'heartbeat');
    assert.equal(((await within(serverGotPong, 'serverGotPong'))[0] as Buffer).toString(), 'heartbeat');
  });

  test('client-initiated close handshake carries code and reason', async () => {
    let serverClose: Promise<unknown[]> | undefined;
    const { port } = await wsEchoServer((ws) => (serverClose = once(ws, 'close')));
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const clientClose = closeEvent(client);
    client.close(4000, 'bye now');
    assert.equal(client.readyState, 'closing');
    assert.equal(client.send('too late'), false);
    assert.deepEqual(await within(clientClose, 'clientClose'), [4000, 'bye now']);
    const [code, reason] = (await within(serverClose!, 'serverClose')) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [4000, 'bye now']);
    assert.equal(client.readyState, 'closed');
  });

  test('server-initiated close handshake is echoed', async () => {
    let serverSide: WebSocket | undefined;
    const { port } = await wsEchoServer((ws) => (serverSide = ws));
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const clientClose = closeEvent(client);
    await new Promise((resolve) => setImmediate(resolve));
    const serverClose = once(serverSide!, 'close');
    serverSide!.close(4001, 'server says bye');
    assert.deepEqual(await within(clientClose, 'clientClose'), [4001, 'server says bye']);
    const [code, reason] = (await within(serverClose, 'serverClose')) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [4001, 'server says bye']);
  });

  test('a close without status code is reported as 1005 and echoed empty', async () => {
    let serverSide: WebSocket | undefined;
    const { port } = await wsEchoServer((ws) => (serverSide = ws));
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const clientClose = closeEvent(client);
    await new Promise((resolve) => setImmediate(resolve));
    const serverClose = once(serverSide!, 'close');
    serverSide!.close();
    assert.deepEqual(await within(clientClose, 'clientClose'), [1005, '']);
    assert.equal((await within(serverClose, 'serverClose'))[0], 1005);
  });

  test('a dropped TCP connection without close frame is 1006', async () => {
    let serverSide: WebSocket | undefined;
    const { port } = await wsEchoServer((ws) => (serverSide = ws));
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const clientClose = closeEvent(client);
    await new Promise((resolve) => setImmediate(resolve));
    serverSide!.terminate();
    assert.deepEqual(await within(clientClose, 'clientClose'), [1006, '']);
  });
});

describe('ws client against the core server', () => {
  async function coreEchoServer(onConnection?: (connection: WebSocketConnection) => void): Promise<number> {
    const server = createWebSocketServer({}, (connection) => {
      track(connection);
      eventsOf(connection).on('message', (data, isBinary) => connection.send(data, isBinary));
      onConnection?.(connection);
    });
    return listen(server);
  }

  async function wsClient(port: number): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/path?x=1`);
    cleanups.push(async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = once(ws, 'close');
      ws.terminate();
      await within(closed, 'closed');
    });
    await once(ws, 'open');
    return ws;
  }

  test('text and binary messages of every length class round-trip', async () => {
    const port = await coreEchoServer();
    const ws = await wsClient(port);
    const expected: { data: Buffer; isBinary: boolean }[] = [];
    for (const size of SIZES) {
      expected.push({ data: Buffer.from(textOfSize(size), 'latin1'), isBinary: false });
      expected.push({ data: binaryOfSize(size), isBinary: true });
    }
    const got: { data: Buffer; isBinary: boolean }[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data, isBinary) => {
        got.push({ data: data as Buffer, isBinary });
        if (got.length === expected.length) resolve();
      });
    });
    for (const message of expected) ws.send(message.data, { binary: message.isBinary });
    await within(done, 'done');
    for (let i = 0; i < expected.length; i++) {
      assert.equal(got[i]!.isBinary, expected[i]!.isBinary, `message ${i}`);
      assert.ok(got[i]!.data.equals(expected[i]!.data), `message ${i} differs`);
    }
  });

  test('the request head reaches the connection listener', async () => {
    let seen: { url: string; host: string | undefined } | undefined;
    const server = createWebSocketServer({}, (connection, request) => {
      track(connection);
      seen = { url: request.url, host: request.headers['host'] };
    });
    const port = await listen(server);
    await wsClient(port);
    assert.deepEqual(seen, { url: '/path?x=1', host: `127.0.0.1:${port}` });
  });

  test('sendRepeated delivers exactly N messages to ws', async () => {
    const port = await coreEchoServer((connection) => {
      connection.sendRepeated('tick', 500);
      connection.sendRepeated(Buffer.from([1, 2, 3]), 20);
      connection.send('last');
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => ws.terminate());
    let texts = 0;
    let binaries = 0;
    const allReceived = new Promise<void>((resolve) => {
      ws.on('message', (data, isBinary) => {
        if (!isBinary && (data as Buffer).toString() === 'last') resolve();
        else if (isBinary) binaries += 1;
        else texts += 1;
      });
    });
    await within(allReceived, 'the last message');
    assert.deepEqual([texts, binaries], [500, 20]);
  });

  test('ping is answered with pong both ways', async () => {
    let serverSide: WebSocketConnection | undefined;
    const port = await coreEchoServer((connection) => (serverSide = connection));
    const ws = await wsClient(port);
    const pong = once(ws, 'pong');
    ws.ping(Buffer.from('from ws'));
    assert.equal(((await within(pong, 'pong'))[0] as Buffer).toString(), 'from ws');
    const wsSawPing = once(ws, 'ping');
    const serverGotPong = once(eventsOf(serverSide!), 'pong');
    serverSide!.ping(Buffer.from('from core'));
    assert.equal(((await within(wsSawPing, 'wsSawPing'))[0] as Buffer).toString(), 'from core');
    assert.equal(((await within(serverGotPong, 'serverGotPong'))[0] as Buffer).toString(), 'from core');
  });

  test('client-initiated close handshake: the core server echoes and drops TCP', async () => {
    let serverSide: WebSocketConnection | undefined;
    // A close timeout far beyond `within`: only the server ending TCP itself can finish in time.
    const server = createWebSocketServer({ closeTimeoutMs: 60_000 }, (connection) => {
      serverSide = track(connection);
    });
    const port = await listen(server);
    const ws = await wsClient(port);
    const serverClose = closeEvent(serverSide!);
    const wsClose = once(ws, 'close');
    ws.close(4002, 'client bye');
    assert.deepEqual(await within(serverClose, 'serverClose'), [4002, 'client bye']);
    const [code, reason] = (await within(wsClose, 'wsClose')) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [4002, 'client bye']);
  });

  test('server-initiated close handshake carries code and reason', async () => {
    let serverSide: WebSocketConnection | undefined;
    const port = await coreEchoServer((connection) => (serverSide = connection));
    const ws = await wsClient(port);
    const serverClose = closeEvent(serverSide!);
    const wsClose = once(ws, 'close');
    serverSide!.close(1001, 'going away');
    const [code, reason] = (await within(wsClose, 'wsClose')) as [number, Buffer];
    assert.deepEqual([code, reason.toString()], [1001, 'going away']);
    assert.deepEqual(await within(serverClose, 'serverClose'), [1001, 'going away']);
  });

  test('a message over maxMessageSize fails the connection with 1009', async () => {
    let serverSide: WebSocketConnection | undefined;
    const server = createWebSocketServer({ maxMessageSize: 1000 }, (connection) => {
      serverSide = track(connection);
    });
    const port = await listen(server);
    const ws = await wsClient(port);
    const wsClose = once(ws, 'close');
    const serverClose = closeEvent(serverSide!);
    ws.send(Buffer.alloc(1001));
    assert.equal((await within(serverClose, 'serverClose'))[0], 1009);
    assert.equal((await within(wsClose, 'wsClose'))[0], 1009);
  });
});

// ---------------------------------------------------------------------------------------------
// Raw peers

/** A raw TCP server that answers the upgrade itself and then hands the socket to `afterUpgrade`. */
async function rawUpgradeServer(afterUpgrade: (socket: Socket) => void, extraAfter101 = Buffer.alloc(0)): Promise<number> {
  return listen(createServer((socket) => answerUpgrade(socket, afterUpgrade, extraAfter101)));
}

/** Reads everything a peer sends until it closes TCP. */
function collectUntilEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

/** The status code of the close frame at the start of `bytes`, unmasking when needed. */
function closeCodeOfFirstFrame(bytes: Buffer): number {
  assert.ok(bytes.length >= 4, `no close frame received (${bytes.length} bytes)`);
  assert.equal(bytes[0], 0x88, 'first frame is not a final close frame');
  const masked = (bytes[1]! & 0x80) !== 0;
  const length = bytes[1]! & 0x7f;
  assert.ok(length >= 2);
  const payload = Buffer.from(bytes.subarray(masked ? 6 : 2, (masked ? 6 : 2) + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= bytes[2 + (i % 4)]!;
  return payload.readUInt16BE(0);
}

for (const dialer of clientDialers()) describe(`core client against raw peers (${dialer.name})`, () => {
  const cases: { name: string; bytes: number[]; code: number; maxMessageSize?: number }[] = [
    { name: 'reserved bit set', bytes: [0xc1, 0x00], code: 1002 },
    { name: 'unknown opcode', bytes: [0x83, 0x00], code: 1002 },
    { name: 'masked frame from the server', bytes: [0x81, 0x81, 1, 2, 3, 4, 0x41], code: 1002 },
    { name: 'invalid UTF-8 in a text message', bytes: [0x81, 0x02, 0xc3, 0x28], code: 1007 },
    { name: 'message over maxMessageSize', bytes: [0x82, 0x11, ...new Array<number>(17).fill(0)], code: 1009, maxMessageSize: 16 },
  ];
  for (const { name, bytes, code, maxMessageSize } of cases) {
    test(`protocol error from the server (${name}) → close ${code}`, async () => {
      let serverReceived: Promise<Buffer> | undefined;
      const port = await rawUpgradeServer((socket) => {
        serverReceived = collectUntilEnd(socket);
        socket.write(Buffer.from(bytes));
      });
      const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer, ...(maxMessageSize !== undefined ? { maxMessageSize } : {}) }));
      const events: string[] = [];
      let error: Error | undefined;
      eventsOf(client).on('error', (e) => {
        error = e;
        events.push('error');
      });
      const closed = new Promise<[number, string]>((resolve) =>
        eventsOf(client).on('close', (closeCode, reason) => {
          events.push('close');
          resolve([closeCode, reason]);
        }),
      );
      assert.equal((await within(closed, 'closed'))[0], code);
      assert.deepEqual(events, ['error', 'close']);
      assert.ok(error instanceof WebSocketProtocolError, String(error));
      assert.equal(error.closeCode, code);
      assert.equal(closeCodeOfFirstFrame(await within(serverReceived!, 'serverReceived')), code);
    });
  }

  test('after the close handshake the client waits for the server to drop TCP, then gives up', async () => {
    let serverReceived: Promise<Buffer> | undefined;
    const port = await rawUpgradeServer((socket) => {
      serverReceived = collectUntilEnd(socket);
      socket.on('data', (chunk: Buffer) => {
        // Echo the close frame (unmasked, code 1000) but keep TCP open.
        if (chunk[0] === 0x88) socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
      });
    });
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer, closeTimeoutMs: 300 }));
    const closed = closeEvent(client);
    const started = Date.now();
    client.close(1000, '');
    assert.deepEqual(await within(closed, 'close'), [1000, '']);
    assert.ok(Date.now() - started >= 250, 'the client closed TCP before the server did');
    assert.equal(closeCodeOfFirstFrame(await within(serverReceived!, 'the socket to close')), 1000);
  });

  test('frames sent together with the 101 are delivered', async () => {
    const frames = Buffer.from([0x81, 0x05, ...Buffer.from('hello'), 0x82, 0x02, 0xaa, 0xbb]);
    const port = await rawUpgradeServer(() => {}, frames);
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const [first, second] = await within(nextMessages(client, 2), 'nextMessages(client, 2)');
    assert.deepEqual([first!.isBinary, first!.data.toString()], [false, 'hello']);
    assert.deepEqual([second!.isBinary, [...second!.data]], [true, [0xaa, 0xbb]]);
  });

  test('backpressure: bufferedAmount grows while the server does not read, then drain fires', async () => {
    let serverSocket: Socket | undefined;
    const port = await rawUpgradeServer((socket) => {
      serverSocket = socket;
      socket.pause();
    });
    const client = track(await connect(`ws://127.0.0.1:${port}/`, { dialer }));
    const chunk = Buffer.alloc(256 * 1024, 7);
    let accepted = true;
    for (let i = 0; i < 2000 && accepted; i++) accepted = client.send(chunk);
    assert.equal(accepted, false, 'send() never reported backpressure');
    const peak = client.bufferedAmount;
    assert.ok(peak > 0, 'nothing buffered while the peer does not read');
    const drained = once(eventsOf(client), 'drain');
    serverSocket!.on('data', () => {});
    serverSocket!.resume();
    await within(drained, 'drained');
    assert.ok(client.bufferedAmount < peak);
  });
});

describe('core server against raw peers', () => {
  async function rawClient(port: number): Promise<{ socket: Socket; received: Promise<Buffer> }> {
    const { socket } = await upgradedRawClient(port);
    cleanups.push(() => {
      socket.destroy();
    });
    const received = collectUntilEnd(socket);
    socket.resume();
    return { socket, received };
  }

  for (const [name, bytes] of [
    ['an unmasked frame from the client', Buffer.from([0x81, 0x02, 0x68, 0x69])],
    ['text garbage after the upgrade', Buffer.from('hello, this is not a frame')],
  ] as const) {
    test(`${name} → close 1002 and the server drops TCP`, async () => {
      let serverClose: Promise<[number, string]> | undefined;
      const server = createWebSocketServer({}, (connection) => {
        track(connection);
        serverClose = closeEvent(connection);
      });
      const port = await listen(server);
      const { socket, received } = await rawClient(port);
      socket.write(bytes);
      const bytesBack = await within(received, 'received');
      assert.equal(closeCodeOfFirstFrame(bytesBack), 1002);
      assert.equal(bytesBack[1]! & 0x80, 0, 'the server masked its frame');
      assert.equal((await within(serverClose!, 'serverClose'))[0], 1002);
    });
  }

  test('a close frame from the client is echoed and the server ends TCP without waiting', async () => {
    let serverClose: Promise<[number, string]> | undefined;
    const server = createWebSocketServer({ closeTimeoutMs: 60_000 }, (connection) => {
      track(connection);
      serverClose = closeEvent(connection);
    });
    const port = await listen(server);
    const { socket, received } = await rawClient(port);
    socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x0f, 0xa0])); // close 4000, zero mask key
    assert.equal(closeCodeOfFirstFrame(await within(received, 'the server to end TCP', 5000)), 4000);
    assert.deepEqual(await within(serverClose!, 'serverClose'), [4000, '']);
  });

  test('backpressure: bufferedAmount grows while the client does not read, then drain fires', async () => {
    let serverSide: WebSocketConnection | undefined;
    const server = createWebSocketServer({}, (connection) => {
      serverSide = track(connection);
    });
    const port = await listen(server);
    const { socket } = await rawClient(port);
    socket.pause();
    const chunk = Buffer.alloc(256 * 1024, 9);
    let accepted = true;
    for (let i = 0; i < 2000 && accepted; i++) accepted = serverSide!.send(chunk);
    assert.equal(accepted, false, 'send() never reported backpressure');
    const peak = serverSide!.bufferedAmount;
    assert.ok(peak > 0);
    const drained = once(eventsOf(serverSide!), 'drain');
    socket.resume();
    await within(drained, 'drained');
    assert.ok(serverSide!.bufferedAmount < peak);
  });
});
