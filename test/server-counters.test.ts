// The server's counters equal exactly what a ws client sent: by frame type, by payload kind, bytes.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { Packr } from 'msgpackr';
import { availableServerTransports } from './fixtures/transports.js';
import { RecordingClient, TRADE, mint, ping, startTestServer, type TestServer } from './server-harness.js';

const packr = new Packr({ useRecords: false });

for (const transport of availableServerTransports()) {
  describe(`server counters over ${transport.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(transport);
    });
    after(async () => {
      await server.stop();
    });

    test('text/binary/json/msgpack/zlib/encrypted/bad counts and bytes are exact', async () => {
      const client = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      await client.until(() => client.messages.length >= 1);
      const sent = { text: 0, binary: 0, textBytes: 0, binaryBytes: 0 };
      const sendText = (s: string): void => {
        client.ws.send(s);
        sent.text++;
        sent.textBytes += Buffer.byteLength(s);
      };
      const sendBinary = (b: Buffer): void => {
        client.ws.send(b, { binary: true });
        sent.binary++;
        sent.binaryBytes += b.length;
      };
      for (let i = 0; i < 300; i++) sendText(TRADE); // json
      for (let i = 0; i < 40; i++) sendBinary(Buffer.from(TRADE)); // json in a binary frame
      const mp = Buffer.concat([Buffer.from('M:'), packr.pack(JSON.parse(TRADE))]);
      for (let i = 0; i < 25; i++) sendBinary(mp);
      const z = Buffer.concat([Buffer.from('C:'), deflateSync(TRADE)]);
      for (let i = 0; i < 15; i++) sendBinary(z);
      for (let i = 0; i < 3; i++) sendBinary(Buffer.from('E:opaque'));
      for (let i = 0; i < 7; i++) sendText('{"no":"type"}'); // bad
      for (let i = 0; i < 5; i++) sendBinary(Buffer.from('M:\xc1', 'latin1')); // bad msgpack
      for (let i = 0; i < 2; i++) sendText('{"c":"WSE","t":"PONG","p":{"client_timestamp":1,"server_timestamp":2}}'); // heartbeat answers
      sendText(ping(1)); // json; the barrier
      await client.until(() => client.countType('pong') === 1);
      const c = server.app.counters;
      assert.equal(c.messages.text, sent.text);
      assert.equal(c.messages.binary, sent.binary);
      assert.equal(c.bytes.text, sent.textBytes);
      assert.equal(c.bytes.binary, sent.binaryBytes);
      assert.equal(c.messages.json, 343);
      assert.equal(c.messages.msgpack, 25);
      assert.equal(c.messages.zlib, 15);
      assert.equal(c.messages.encrypted, 3);
      assert.equal(c.messages.bad, 12);
      assert.equal(c.pings, 1);
      assert.equal(c.heartbeatReplies, 2);
      await client.close();
    });

    test('opened, auth failures and close codes are counted; stats() reports open connections', async () => {
      const before = structuredClone(server.app.counters);
      const good = await RecordingClient.connect(server.url, RecordingClient.cookie(await mint()));
      await good.until(() => good.messages.length >= 1);
      assert.equal(server.app.stats().openConnections, 1);
      const bad = await RecordingClient.connect(server.url, {});
      await bad.closed;
      good.ws.close(1000);
      await good.closed;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const c = server.app.counters;
      assert.equal(c.connectionsOpened - before.connectionsOpened, 2);
      assert.equal(c.authFailures - before.authFailures, 1);
      assert.equal((c.connectionsClosedByCode['1000'] ?? 0) - (before.connectionsClosedByCode['1000'] ?? 0), 1);
      assert.ok((c.connectionsClosedByCode['4401'] ?? 0) + (c.connectionsClosedByCode['1005'] ?? 0) + (c.connectionsClosedByCode['1006'] ?? 0) >= 1);
      const stats = server.app.stats();
      assert.equal(stats.openConnections, 0);
      assert.ok(stats.cpuUserMicros > 0);
      assert.equal(stats.transport, transport.name);
    });
  });
}
