// The raw TCP ceiling (bench/ceiling): the frames it writes are valid masked client frames, and a
// tiny in-process run delivers to the sink exactly the bytes the client wrote. No timing asserted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { CeilingSink } from '../bench/ceiling/sink.js';
import { runFloodClient } from '../bench/ceiling/flood-client.js';
import { runFloorClient, type FloorOptions, type FloorReport } from '../bench/ceiling/floor-client.js';
import { loadServerTransport } from '../adapters/server/index.js';
import { checkFloorTimesEveryPing } from './fixtures/floor-checks.js';
import { buildMaskedTextFrames, maskedFrameSize } from '../bench/ceiling/frames.js';
import { TRADING_MESSAGE } from '../core/wse/messages.js';
import { mint, startTestServer } from './server-harness.js';

/**
 * Hands `bytes` to an independent WebSocket server (ws under Node, Bun's own under Bun) after a plain
 * upgrade, and collects the first `count` text messages it decodes. A server requires client frames
 * to be masked, so a wrong mask bit or length fails here.
 */
async function decodeWithServer(bytes: Buffer, count: number): Promise<string[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const socket = connect({ host: '127.0.0.1', port });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const texts: string[] = [];
      server.on('connection', (ws) => {
        ws.on('message', (data, isBinary) => {
          if (isBinary) reject(new Error('expected text frames'));
          texts.push(String(data));
          if (texts.length === count) resolve(texts);
        });
        ws.on('close', (code) => reject(new Error(`server closed the connection with ${code}`)));
      });
      socket.on('error', reject);
      let response = '';
      const onHandshake = (chunk: Buffer): void => {
        response += chunk.toString('latin1');
        if (!response.includes('\r\n\r\n')) return;
        socket.off('data', onHandshake);
        if (!response.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${response}`));
        socket.write(bytes);
      };
      socket.on('data', onHandshake);
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  } finally {
    socket.destroy();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('ceiling frames', () => {
  test('the trading message is 175 bytes and travels as a 183-byte masked frame', () => {
    assert.equal(Buffer.byteLength(TRADING_MESSAGE), 175);
    assert.equal(maskedFrameSize(175), 2 + 2 + 4 + 175);
    assert.equal(maskedFrameSize(125), 2 + 4 + 125);
    assert.equal(maskedFrameSize(65_536), 2 + 8 + 4 + 65_536);
  });

  test('a burst is `count` masked FIN text frames that a WebSocket server decodes back to the message', async () => {
    const payload = Buffer.from(TRADING_MESSAGE);
    const frames = buildMaskedTextFrames(payload, 7);
    assert.equal(frames.length, 7 * 183);
    assert.equal(frames[0], 0x81);
    assert.equal(frames[1], 0x80 | 126);
    assert.equal(frames.readUInt16BE(2), 175);
    assert.deepEqual(await decodeWithServer(frames, 7), Array(7).fill(TRADING_MESSAGE));
  });

  test('short and 64-bit length frames decode too', async () => {
    for (const length of [5, 125, 126, 65_535, 65_536, 70_001]) {
      const payload = Buffer.alloc(length, 'x');
      const frames = buildMaskedTextFrames(payload, 2);
      assert.equal(frames.length, 2 * maskedFrameSize(length));
      const texts = await decodeWithServer(frames, 2);
      assert.deepEqual(texts.map((text) => text.length), [length, length], `length ${length}`);
    }
  });
});

describe('ceiling run', () => {
  test('10 connections for 0.5 s: the sink counts exactly the bytes the client wrote', async () => {
    const sink = new CeilingSink({ host: '127.0.0.1', port: 0, warmupSec: 0.1 });
    const port = await sink.listen();
    try {
      const burst = buildMaskedTextFrames(Buffer.from(TRADING_MESSAGE), 362);
      const allClosed = sink.whenAllClosed(10);
      const client = await runFloodClient({ host: '127.0.0.1', port, connections: 10, writeSec: 0.5, burst });
      await allClosed;
      const report = sink.report();
      assert.equal(client.connections, 10);
      assert.equal(report.connections, 10);
      assert.ok(client.bytesWritten > 0);
      assert.equal(client.bytesWritten, client.writeCalls * burst.length);
      assert.equal(report.totalBytes, client.bytesWritten);
      assert.ok(report.measuredBytes > 0 && report.measuredBytes <= report.totalBytes);
      assert.ok(report.measuredSec > 0);
    } finally {
      await sink.close();
    }
  });

  test('a refused connect is reported as an error, not as a result', async () => {
    const sink = new CeilingSink({ host: '127.0.0.1', port: 0, warmupSec: 0 });
    const port = await sink.listen();
    await sink.close(); // nothing listens on `port` any more
    const burst = buildMaskedTextFrames(Buffer.from(TRADING_MESSAGE), 1);
    await assert.rejects(
      runFloodClient({ host: '127.0.0.1', port, connections: 3, writeSec: 0.1, burst }),
      /3 of 3 connects failed/,
    );
  });
});

describe('raw-client floor (bench/ceiling/floor-client.ts)', () => {
  const floorAgainst = (port: number, token: string, shape: Pick<FloorOptions, 'connections' | 'batchSize' | 'pings' | 'warmupConnections'>): Promise<FloorReport> =>
    runFloorClient({ host: '127.0.0.1', port, path: '/wse?compression=false&protocol_version=1', token, timeoutMs: 5000, ...shape });

  test('connects through the WSE handshake and times every ping against the embedded app', () =>
    checkFloorTimesEveryPing(({ port, token, ...shape }) => floorAgainst(port, token, shape)));

  test('a wrong token is a failed connection, not a hang', async () => {
    const server = await startTestServer(loadServerTransport('core').transport);
    try {
      const report = await floorAgainst(server.port, await mint({ secret: 'not-the-secret' }), { connections: 3, batchSize: 3, pings: 1, warmupConnections: 0 });
      assert.equal(report.established, 0);
      assert.equal(report.failed, 3);
      assert.equal(report.pongs, 0);
    } finally {
      await server.stop();
    }
  });
});
