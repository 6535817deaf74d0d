// BurstPool: capacity classes, recycling, caps; and end to end, that a pooled burst is never
// rewritten while its write is pending: many different bursts queued back to back on one socket
// must reach an independent receiver (ws) byte for byte.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { BURST_POOL_MIN, BurstPool } from '../core/burst-pool.js';
import { connect } from '../core/client.js';
import type { WebSocketConnection } from '../core/connection.js';
import { clientDialers } from './fixtures/dialers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('BurstPool', () => {
  test('sizes below the minimum and above the maximum are plain allocations', () => {
    const pool = new BurstPool();
    const small = pool.take(BURST_POOL_MIN - 1);
    assert.equal(small.length, BURST_POOL_MIN - 1);
    assert.equal(pool.isPooled(small), false);
    const huge = pool.take(4 * 1024 * 1024);
    assert.equal(huge.length, 4 * 1024 * 1024);
    assert.equal(pool.isPooled(huge), false);
  });

  test('a given-back buffer is handed out again for any size of its class', () => {
    const pool = new BurstPool();
    const first = pool.take(40_000);
    assert.equal(first.length, 40_000);
    assert.equal(first.buffer.byteLength, 65_536);
    assert.equal(pool.isPooled(first), true);
    pool.give(first);
    const again = pool.take(65_536);
    assert.equal(again.buffer, first.buffer);
    assert.equal(again.length, 65_536);
    const fresh = pool.take(50_000);
    assert.notEqual(fresh.buffer, first.buffer, 'the pool had one buffer and it is taken');
  });

  test('a buffer not cut from a pooled capacity is not kept', () => {
    const pool = new BurstPool();
    const foreign = Buffer.allocUnsafeSlow(40_000);
    pool.give(foreign);
    assert.notEqual(pool.take(40_000).buffer, foreign.buffer);
  });

  test('free buffers per class are capped (16 MiB)', () => {
    const pool = new BurstPool();
    const taken = Array.from({ length: 300 }, () => pool.take(65_536));
    for (const buffer of taken) pool.give(buffer);
    const reused = new Set<ArrayBufferLike>();
    for (let i = 0; i < 300; i++) reused.add(pool.take(65_536).buffer);
    const recycled = taken.filter((b) => reused.has(b.buffer)).length;
    assert.equal(recycled, 256);
  });
});

for (const dialer of clientDialers()) describe(`pooled bursts on a live connection (${dialer.name})`, () => {
  test('200 different 64 KB bursts queued at once arrive intact and in order', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, 'listening');
    const received: string[] = [];
    const FRAMES_PER_BURST = 4;
    const BURSTS = 200;
    const done = new Promise<void>((resolve) => {
      server.on('connection', (ws) => {
        ws.on('message', (data) => {
          received.push(String(data));
          if (received.length === BURSTS * FRAMES_PER_BURST) resolve();
        });
      });
    });
    const port = (server.address() as AddressInfo).port;
    const client: WebSocketConnection = await connect(`ws://127.0.0.1:${port}/`, { dialer });
    cleanups.push(() => client.terminate());
    const payloadOf = (i: number): string => `${i}:`.padEnd(16_000, String.fromCharCode(97 + (i % 26)));
    // No waiting for drain: every burst after the first few is queued behind pending writes,
    // and each encode takes a pool buffer, so an early release would overwrite queued bytes.
    for (let i = 0; i < BURSTS; i++) client.sendRepeated(payloadOf(i), FRAMES_PER_BURST, false);
    await done;
    for (let i = 0; i < BURSTS; i++) {
      for (let f = 0; f < FRAMES_PER_BURST; f++) {
        const got = received[i * FRAMES_PER_BURST + f]!;
        assert.ok(got === payloadOf(i), `burst ${i} frame ${f} differs: ${got.slice(0, 20)}…`);
      }
    }
  });
});
