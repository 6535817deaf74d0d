// What a peer that does not read can make a core WebSocketConnection queue. The server role stops
// reading from it (TCP backpressure) until its answers drain; both roles answer a ping flood with
// the latest pong only (RFC 6455 §5.5.3); the client role never stops reading.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect } from '../core/client.js';
import type { WebSocketConnection, WebSocketEventSink } from '../core/connection.js';
import { createWebSocketServer } from '../core/server.js';
import { answerUpgrade, FrameSplitter, upgradedRawClient } from './fixtures/raw-peers.js';
import { clientDialers } from './fixtures/dialers.js';

/** The outbound bound the connections under test get: small, so that a few MB exceed it. */
const CAP = 64 * 1024;
const PAYLOAD_BYTES = 100;
const TEXT = 0x1;
const PING = 0x9;
const PONG = 0xa;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `PAYLOAD_BYTES` bytes ending in the 8-digit number n, so that each ping is told apart. */
function numbered(n: number): Buffer {
  return Buffer.from(String(n).padStart(PAYLOAD_BYTES, '0'));
}

/** `count` frames of `opcode` carrying numbered(first…), masked with an all-zero key when `masked`. */
function frames(opcode: number, first: number, count: number, masked: boolean): Buffer {
  const head = masked ? Buffer.from([0x80 | opcode, 0x80 | PAYLOAD_BYTES, 0, 0, 0, 0]) : Buffer.from([0x80 | opcode, PAYLOAD_BYTES]);
  const parts: Buffer[] = [];
  for (let n = first; n < first + count; n++) parts.push(head, numbered(n));
  return Buffer.concat(parts);
}

/** A sink that counts what arrives; the server variant echoes every message back. */
class CountingSink implements WebSocketEventSink {
  messages: string[] = [];
  pings = 0;
  lastPing = '';
  /** The connection's bufferedAmount at its worst, read after every ping. */
  maxBufferedAtPing = 0;
  constructor(
    private readonly connection: WebSocketConnection,
    private readonly echo: boolean,
  ) {}
  onMessage(data: Buffer, isBinary: boolean): void {
    this.messages.push(data.toString());
    if (this.echo) this.connection.send(data, isBinary);
  }
  onPing(payload: Buffer): void {
    this.pings++;
    this.lastPing = payload.toString();
    // The answer (or its deferral) is decided before the sink hears of the ping.
    this.maxBufferedAtPing = Math.max(this.maxBufferedAtPing, this.connection.bufferedAmount);
  }
  onClose(): void {}
  onError(): void {}
  onDrain(): void {}
}

/** A core server with the small CAP; resolves its one connection and that connection's sink. */
async function coreServer(echo: boolean): Promise<{ port: number; accepted: Promise<{ connection: WebSocketConnection; sink: CountingSink }> }> {
  let resolveAccepted: (value: { connection: WebSocketConnection; sink: CountingSink }) => void = () => {};
  const accepted = new Promise<{ connection: WebSocketConnection; sink: CountingSink }>((resolve) => (resolveAccepted = resolve));
  const server = createWebSocketServer({ maxOutboundBytes: CAP }, (connection) => {
    const sink = new CountingSink(connection, echo);
    connection.setSink(sink);
    cleanups.push(() => connection.terminate());
    resolveAccepted({ connection, sink });
  });
  return { port: await listening(server), accepted };
}

describe('server role: a client that does not read what it asked for', () => {
  test('is no longer read while its answers exceed the bound; reading resumes when they drain, nothing lost', async () => {
    const { port, accepted } = await coreServer(true);
    const { socket } = await upgradedRawClient(port); // paused: reads nothing
    cleanups.push(() => {
      socket.destroy();
    });
    const { connection, sink } = await accepted;
    // 20 MB of 100-byte messages, every one echoed: far more than the kernel's socket buffers.
    const total = 200_000;
    for (let first = 0; first < total; first += 10_000) socket.write(frames(TEXT, first, 10_000, true));
    await waitFor(() => connection.isReadingPaused, 'the server to stop reading');
    // Checked after each read, so at most one read's echoes above the bound (Node reads up to
    // 64 KB at a time, Bun up to 512 KB).
    assert.ok(connection.bufferedAmount <= CAP + 600 * 1024, `${connection.bufferedAmount} bytes queued`);
    const handledWhenPaused = sink.messages.length;
    assert.ok(handledWhenPaused < total, 'it stopped before the end');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(sink.messages.length, handledWhenPaused, 'no message read while paused');

    const reader = new FrameSplitter().attach(socket);
    await waitFor(() => reader.count(TEXT) === total, `all ${total} echoes (got ${reader.count(TEXT)})`);
    assert.equal(sink.messages.length, total);
    assert.equal(sink.messages[total - 1], numbered(total - 1).toString());
    assert.equal(connection.isReadingPaused, false);
  });

  test('a ping flood gets one pong per drain, carrying its latest ping', async () => {
    const { port, accepted } = await coreServer(false);
    const { socket } = await upgradedRawClient(port);
    cleanups.push(() => {
      socket.destroy();
    });
    const { connection, sink } = await accepted;
    const total = 100_000; // 10 MB of pongs if each were answered
    for (let first = 0; first < total; first += 10_000) socket.write(frames(PING, first, 10_000, true));
    await waitFor(() => connection.isReadingPaused, 'the server to stop reading');
    assert.ok(sink.maxBufferedAtPing <= CAP + 2 * (PAYLOAD_BYTES + 2), `${sink.maxBufferedAtPing} bytes queued at a ping`);

    const reader = new FrameSplitter().attach(socket);
    await waitFor(() => sink.pings === total, `all ${total} pings read (got ${sink.pings})`);
    const last = numbered(total - 1).toString();
    await waitFor(() => reader.frames.at(-1)?.payload.toString() === last, 'the pong to the last ping');
    const pongs = reader.count(PONG);
    assert.ok(pongs < total, `${pongs} pongs for ${total} pings: none were coalesced`);
    assert.ok(sink.maxBufferedAtPing <= CAP + 2 * (PAYLOAD_BYTES + 2), `${sink.maxBufferedAtPing} bytes queued at a ping`);
  });
});

for (const dialer of clientDialers()) describe(`client role: a server that pings without reading the pongs (${dialer.name})`, () => {
  test('gets the latest pong on drain; the client stays within the bound and never stops reading', async () => {
    const total = 100_000;
    let serverSocket: Socket | undefined;
    const server = createServer((socket) =>
      answerUpgrade(socket, () => {
        serverSocket = socket;
        socket.pause(); // never reads the pongs
        for (let first = 0; first < total; first += 10_000) socket.write(frames(PING, first, 10_000, false));
        socket.write(Buffer.from([0x81, 4, ...Buffer.from('done')]));
      }),
    );
    const port = await listening(server);
    const client = await connect(`ws://127.0.0.1:${port}/`, { dialer, maxOutboundBytes: CAP });
    cleanups.push(() => client.terminate());
    const sink = new CountingSink(client, false);
    client.setSink(sink);
    await waitFor(() => sink.messages.includes('done'), 'the message sent after the pings (the client kept reading)');
    assert.equal(sink.pings, total);
    // A masked pong is 106 bytes: at most one beyond the bound.
    assert.ok(sink.maxBufferedAtPing <= CAP + 2 * (PAYLOAD_BYTES + 6), `${sink.maxBufferedAtPing} bytes queued at a ping`);

    const reader = new FrameSplitter().attach(serverSocket!);
    const last = numbered(total - 1).toString();
    await waitFor(() => reader.frames.at(-1)?.payload.toString() === last, 'the pong to the last ping');
    assert.ok(reader.count(PONG) < total, 'the pongs were coalesced');
  });
});
