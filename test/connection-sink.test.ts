// WebSocketConnection.setSink: every event (message, ping, pong, close, error, drain) reaches the
// one sink by direct calls. Peers are ws (independent implementation).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { connect } from '../core/client.js';
import type { WebSocketConnection, WebSocketEventSink } from '../core/connection.js';
import { createWebSocketServer } from '../core/server.js';
import { waitFor } from './fixtures/waiting.js';
import { clientDialers } from './fixtures/dialers.js';
import type { ByteStreamDialer } from '../core/byte-stream.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

class RecordingSink implements WebSocketEventSink {
  messages: { text: string; isBinary: boolean }[] = [];
  closes: [number, string][] = [];
  errors: Error[] = [];
  pings: string[] = [];
  drains = 0;
  onMessage(data: Buffer, isBinary: boolean): void {
    this.messages.push({ text: data.toString(), isBinary });
  }
  onClose(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
  onError(error: Error): void {
    this.errors.push(error);
  }
  onDrain(): void {
    this.drains++;
  }
  onPing(payload: Buffer): void {
    this.pings.push(payload.toString());
  }
}

async function wsServer(): Promise<{ server: WebSocketServer; port: number; peer: Promise<WebSocket> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await once(server, 'listening');
  const peer = once(server, 'connection').then(([ws]) => ws as WebSocket);
  return { server, port: (server.address() as AddressInfo).port, peer };
}

/** A core client connected to a fresh ws server, its events going to a RecordingSink. */
async function clientWithSink(dialer: ByteStreamDialer): Promise<{ client: WebSocketConnection; sink: RecordingSink; server: WebSocket }> {
  const { port, peer } = await wsServer();
  const client = await connect(`ws://127.0.0.1:${port}/`, { dialer });
  cleanups.push(() => client.terminate());
  const sink = new RecordingSink();
  client.setSink(sink);
  return { client, sink, server: await peer };
}

for (const dialer of clientDialers()) describe(`WebSocketConnection.setSink (${dialer.name})`, () => {
  test('client: messages, pings (answered by the connection) and the close go to the sink', async () => {
    const { port, peer } = await wsServer();
    const client: WebSocketConnection = await connect(`ws://127.0.0.1:${port}/`, { dialer });
    cleanups.push(() => client.terminate());
    const sink = new RecordingSink();
    client.setSink(sink);
    const server = await peer;
    const ponged = once(server, 'pong');
    server.send('hello');
    server.send(Buffer.from([1, 2, 3]));
    server.ping('p');
    assert.equal(((await ponged)[0] as Buffer).toString(), 'p');
    await waitFor(() => sink.messages.length === 2 && sink.pings.length === 1, 'two messages and a ping');
    assert.deepEqual(sink.messages, [
      { text: 'hello', isBinary: false },
      { text: '\u0001\u0002\u0003', isBinary: true },
    ]);
    assert.deepEqual(sink.pings, ['p']);
    server.close(4001, 'bye');
    await waitFor(() => sink.closes.length === 1, 'close');
    assert.deepEqual(sink.closes, [[4001, 'bye']]);
  });

  test('client: a protocol error reaches onError, then onClose with the failure code', async () => {
    const { sink, server } = await clientWithSink(dialer);
    // Invalid UTF-8 in a text frame: the client must fail the connection with 1007.
    (server as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0x81, 0x02, 0xc3, 0x28]));
    await waitFor(() => sink.closes.length === 1, 'close');
    assert.equal(sink.errors.length, 1);
    assert.equal(sink.closes[0]![0], 1007);
  });

  test('client: drain reaches the sink once a full socket has flushed', async () => {
    const { client, sink } = await clientWithSink(dialer);
    const chunk = 'x'.repeat(256 * 1024);
    let writes = 0;
    while (client.send(chunk) && writes < 1000) writes++;
    assert.ok(writes < 1000, 'the socket applied backpressure');
    await waitFor(() => sink.drains > 0, 'drain');
  });

  test('server: the core server role delivers to a sink set in the connection listener', async () => {
    const sink = new RecordingSink();
    const server = createWebSocketServer({}, (connection) => connection.setSink(sink));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await once(ws, 'open');
    ws.send('from ws');
    await waitFor(() => sink.messages.length === 1, 'message');
    assert.deepEqual(sink.messages, [{ text: 'from ws', isBinary: false }]);
    ws.close(1000, 'done');
    await waitFor(() => sink.closes.length === 1, 'close');
    assert.deepEqual(sink.closes, [[1000, 'done']]);
  });
});
