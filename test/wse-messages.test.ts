import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import {
  MIN_PADDED_SIZE,
  SHORT_TRADING_MESSAGE,
  TRADING_MESSAGE,
  clientHello,
  encodeFormat,
  heartbeatReply,
  paddedTradingMessage,
  pingMessage,
  wseUrl,
} from '../core/wse/messages.js';
import { decodeWseMessage } from '../core/wse/decode.js';
import { msgpackCodec } from '../bench/msgpack-codec.js';

describe('WSE client messages', () => {
  test('wseUrl builds the default WSE path and brackets IPv6 hosts', () => {
    assert.equal(wseUrl('127.0.0.1', 5006), 'ws://127.0.0.1:5006/wse?compression=false&protocol_version=1');
    assert.equal(wseUrl('::1', 80, '/x'), 'ws://[::1]:80/x');
  });

  test('client_hello carries the client version and protocol 1', () => {
    assert.deepEqual(JSON.parse(clientHello('wse-bench-ts/0.1.0')), {
      t: 'client_hello',
      p: { client_version: 'wse-bench-ts/0.1.0', protocol_version: 1 },
    });
  });

  test('ping carries both timestamp (read by WSE) and client_timestamp', () => {
    const ping = JSON.parse(pingMessage(1_700_000_000_123.7));
    assert.deepEqual(ping, { t: 'ping', p: { timestamp: 1_700_000_000_123, client_timestamp: 1_700_000_000_123 } });
  });

  test('heartbeat reply is a WSE PONG with both timestamps', () => {
    assert.deepEqual(JSON.parse(heartbeatReply(2000, 1500)), {
      c: 'WSE',
      t: 'PONG',
      p: { client_timestamp: 2000, server_timestamp: 1500 },
    });
    assert.equal(JSON.parse(heartbeatReply(2000, Number.NaN)).p.server_timestamp, 0);
  });

  test('TRADING_MESSAGE is the original ~175-byte JSON', () => {
    assert.equal(Buffer.byteLength(TRADING_MESSAGE), TRADING_MESSAGE.length);
    assert.ok(TRADING_MESSAGE.length >= 170 && TRADING_MESSAGE.length <= 180, `length ${TRADING_MESSAGE.length}`);
    const parsed = JSON.parse(TRADING_MESSAGE);
    assert.equal(parsed.t, 'trade_update');
    assert.deepEqual(parsed.p.tags, ['momentum', 'breakout']);
    assert.equal(parsed.p.price, 5234.75);
  });

  test('padded messages are exactly the requested size and valid JSON', () => {
    for (const size of [64, 100, 128, 256, 512, 1024, 4096, 16384, 65536]) {
      const text = paddedTradingMessage(size);
      assert.equal(Buffer.byteLength(text), size, `size ${size}`);
      const parsed = JSON.parse(text);
      assert.equal(parsed.t, 'trade_update');
      assert.equal(typeof parsed.p.data, 'string');
    }
    assert.equal(JSON.parse(paddedTradingMessage(64)).p.s, 'ES', '64 B uses the short form');
    assert.equal(JSON.parse(paddedTradingMessage(1024)).p.symbol, 'ES', 'larger sizes use the full form');
    assert.throws(() => paddedTradingMessage(MIN_PADDED_SIZE - 1), RangeError);
    assert.ok(SHORT_TRADING_MESSAGE.length < 64);
  });

  test('formats decode back to the same object', () => {
    const obj = JSON.parse(TRADING_MESSAGE);
    const json = encodeFormat(obj, 'json');
    assert.equal(json, TRADING_MESSAGE);

    const packed = encodeFormat(obj, 'msgpack', msgpackCodec);
    assert.ok(Buffer.isBuffer(packed));
    assert.equal(packed.subarray(0, 2).toString('latin1'), 'M:');
    assert.deepEqual(msgpackCodec.decode(packed.subarray(2)), obj);
    const viaDecoder = decodeWseMessage(packed, true, { msgpack: msgpackCodec });
    assert.ok(viaDecoder.ok);
    assert.equal(viaDecoder.kind, 'msgpack');
    assert.deepEqual(viaDecoder.message?.p, obj.p);

    const zipped = encodeFormat(obj, 'zlib');
    assert.ok(Buffer.isBuffer(zipped));
    assert.equal(zipped.subarray(0, 2).toString('latin1'), 'C:');
    assert.equal(zipped[2], 0x78, 'deflate with a zlib header');
    assert.equal(inflateSync(zipped.subarray(2)).toString(), TRADING_MESSAGE);
    const unzipped = decodeWseMessage(zipped, true, {});
    assert.ok(unzipped.ok);
    assert.equal(unzipped.kind, 'zlib');
    assert.deepEqual(unzipped.message?.p, obj.p);
  });

  test('msgpack format without a codec is refused', () => {
    assert.throws(() => encodeFormat({ t: 'x' }, 'msgpack'), /MsgpackCodec/);
  });

  test('msgpack codec writes plain maps (no msgpackr records)', () => {
    const packed = msgpackCodec.encode({ a: 1 });
    assert.deepEqual([...packed], [0x81, 0xa1, 0x61, 0x01]);
  });
});
