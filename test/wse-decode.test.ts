// Inbound WSE decoding: JSON in text and binary frames, legacy prefixes, M:, C:, E:, and the
// limits that keep a hostile message from costing more than its size.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { Packr } from 'msgpackr';
import { decodeWseMessage, isPongText, type MsgpackCodec } from '../core/wse/decode.js';
import { scanMsgpackDepth } from '../core/wse/msgpack-depth.js';

const packr = new Packr({ useRecords: false });
const codec: MsgpackCodec = { encode: (v) => packr.pack(v), decode: (d) => packr.unpack(d) };
const options = { msgpack: codec };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function withPrefix(prefix: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(prefix), body]);
}

describe('decodeWseMessage: JSON', () => {
  test('text as string and as bytes, binary JSON', () => {
    const text = '{"c":"WSE","t":"ping","p":{"timestamp":5},"v":1}';
    for (const [data, isBinary] of [[text, false], [Buffer.from(text), false], [Buffer.from(text), true]] as const) {
      const result = decodeWseMessage(data, isBinary, options);
      assert.deepEqual(result, { ok: true, kind: 'json', message: { c: 'WSE', t: 'ping', p: { timestamp: 5 }, v: 1 } });
    }
  });

  test('legacy prefixes WSE{, S{, U{ are stripped', () => {
    for (const prefix of ['WSE', 'S', 'U']) {
      const result = decodeWseMessage(`${prefix}{"t":"x","p":1}`, false, options);
      assert.ok(result.ok, prefix);
      assert.equal(result.message?.t, 'x');
      assert.equal(result.message?.p, 1);
    }
  });

  test('type/payload keys mean t/p', () => {
    const result = decodeWseMessage('{"type":"client_hello","payload":{"protocol_version":1}}', false, options);
    assert.ok(result.ok);
    assert.equal(result.message?.t, 'client_hello');
    assert.deepEqual(result.message?.p, { protocol_version: 1 });
  });

  test('not an object, no t, invalid JSON → not ok', () => {
    for (const text of ['[1,2]', '"ping"', 'null', '42', '{"p":1}', '{"t":5}', '{"t":"x"', 'hello', '']) {
      const result = decodeWseMessage(text, false, options);
      assert.equal(result.ok, false, text);
      assert.equal(result.kind, 'json');
    }
  });
});

describe('decodeWseMessage: M: msgpack', () => {
  test('decodes through the injected codec', () => {
    const result = decodeWseMessage(withPrefix('M:', codec.encode({ t: 'trade', p: { px: 1.5 } })), true, options);
    assert.deepEqual(result, { ok: true, kind: 'msgpack', message: { t: 'trade', p: { px: 1.5 } } });
  });

  test('without a codec → not ok', () => {
    const result = decodeWseMessage(withPrefix('M:', codec.encode({ t: 'x' })), true, {});
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'msgpack');
  });

  test('depth 64 is accepted, 65 refused before decoding', () => {
    let decodeCalls = 0;
    const counting: MsgpackCodec = { encode: codec.encode, decode: (d) => (decodeCalls++, codec.decode(d)) };
    const ok = decodeWseMessage(withPrefix('M:', codec.encode({ t: 'x', p: nested(63) })), true, { msgpack: counting });
    assert.equal(ok.ok, true);
    assert.equal(decodeCalls, 1);
    const deep = decodeWseMessage(withPrefix('M:', codec.encode({ t: 'x', p: nested(64) })), true, { msgpack: counting });
    assert.equal(deep.ok, false);
    assert.match((deep as { reason: string }).reason, /deeper than 64/);
    assert.equal(decodeCalls, 1, 'the codec must not run on a too-deep message');
  });

  test('truncated msgpack is refused by the scanner', () => {
    const full = codec.encode({ t: 'trade', p: { symbol: 'ES', tags: ['a', 'b'] } });
    for (let cut = 0; cut < full.length; cut++) {
      const result = decodeWseMessage(withPrefix('M:', full.subarray(0, cut)), true, options);
      assert.equal(result.ok, false, `cut at ${cut}`);
    }
  });

  test('an array header claiming 2^32-1 items in a few bytes is refused without looping over them', () => {
    const result = decodeWseMessage(withPrefix('M:', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])), true, options);
    assert.equal(result.ok, false);
  });

  test('a msgpack value that is not a message → not ok', () => {
    assert.equal(decodeWseMessage(withPrefix('M:', codec.encode([1, 2])), true, options).ok, false);
    assert.equal(decodeWseMessage(withPrefix('M:', codec.encode({ p: 1 })), true, options).ok, false);
  });
});

describe('scanMsgpackDepth', () => {
  test('depth counts nested containers; scalars are 0; empty containers count', () => {
    assert.deepEqual(scanMsgpackDepth(codec.encode(5), 0, 64), { ok: true, depth: 0 });
    assert.deepEqual(scanMsgpackDepth(codec.encode([]), 0, 64), { ok: true, depth: 1 });
    assert.deepEqual(scanMsgpackDepth(codec.encode({ a: [1, { b: 'x' }] }), 0, 64), { ok: true, depth: 3 });
    assert.deepEqual(scanMsgpackDepth(codec.encode(nested(64)), 0, 64), { ok: true, depth: 64 });
    assert.equal(scanMsgpackDepth(codec.encode(nested(65)), 0, 64).ok, false);
  });

  test('every msgpack type is walked: str/bin/ext/float/int sizes', () => {
    const value = { s: 'x'.repeat(300), b: Buffer.alloc(70000), f: 1.5, big: 2 ** 40, neg: -(2 ** 40), d: new Date(0), arr: new Array(20).fill(null), n: -3 };
    assert.deepEqual(scanMsgpackDepth(codec.encode(value), 0, 64), { ok: true, depth: 2 });
  });

  test('trailing bytes and the never-used byte 0xc1 are refused', () => {
    assert.equal(scanMsgpackDepth(Buffer.concat([codec.encode(1), Buffer.from([1])]), 0, 64).ok, false);
    assert.equal(scanMsgpackDepth(Buffer.from([0xc1]), 0, 64).ok, false);
  });
});

describe('decodeWseMessage: C: zlib and E:', () => {
  test('C: inflates and parses JSON (with legacy prefixes too)', () => {
    const result = decodeWseMessage(withPrefix('C:', deflateSync('{"t":"trade","p":{"q":2}}')), true, options);
    assert.deepEqual(result, { ok: true, kind: 'zlib', message: { t: 'trade', p: { q: 2 } } });
    const legacy = decodeWseMessage(withPrefix('C:', deflateSync('U{"t":"u"}')), true, options);
    assert.equal(legacy.ok && legacy.message?.t, 'u');
  });

  test('an inflate bomb is refused at the cap', () => {
    const bomb = withPrefix('C:', deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20)));
    assert.ok(bomb.length < 100_000);
    const result = decodeWseMessage(bomb, true, options);
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'zlib');
    assert.match((result as { reason: string }).reason, /over 1048576/);
    const small = decodeWseMessage(withPrefix('C:', deflateSync(`{"t":"x","p":"${'y'.repeat(2000)}"}`)), true, { ...options, maxInflatedBytes: 1000 });
    assert.equal(small.ok, false);
  });

  test('C: with corrupt zlib data → not ok', () => {
    const result = decodeWseMessage(withPrefix('C:', Buffer.from('definitely not zlib')), true, options);
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'zlib');
  });

  test('E: is counted as encrypted, not decoded', () => {
    assert.deepEqual(decodeWseMessage(withPrefix('E:', Buffer.from([1, 2, 3])), true, options), { ok: true, kind: 'encrypted', message: undefined });
  });

  test('prefixes only count in binary frames: a text "M:..." is (bad) JSON', () => {
    const result = decodeWseMessage(Buffer.from('M:abc'), false, options);
    assert.equal(result.ok, false);
    assert.equal(result.kind, 'json');
  });
});

describe('isPongText: the PONG recognised without parsing', () => {
  const pong = (text: string): boolean => isPongText(Buffer.from(text));

  test('WSE\'s PONG, the short form, and pong in any case', () => {
    assert.equal(pong('{"c":"WSE","t":"PONG","p":{"client_timestamp":1,"server_timestamp":2,"latency":1},"v":1}'), true);
    assert.equal(pong('{"c":"WSE","t":"pong","p":{}}'), true);
    assert.equal(pong('{"c":"WSE","t":"Pong"}'), true);
    assert.equal(pong('{"t":"PONG","p":{"timestamp":5}}'), true);
    assert.equal(pong('{"t":"pong"}'), true);
  });

  test('every other message, and near misses, are left to decodeWseMessage', () => {
    for (const text of [
      '{"c":"WSE","t":"ping","p":{"server_time":"2026-01-01T00:00:00.000Z"}}',
      '{"c":"WSE","t":"PONGS","p":{}}', // another type that starts with PONG
      '{"c":"WSE","t":"PONG"', // not closed
      '{"c":"WSE","t":"PONG",', // not closed either
      '{"c":"WSE","t":"P\x0eNG","p":{}}', // a control byte where a letter was: | 0x20 must not make it match
      '{"c":"WSE","t":\x02PONG","p":{}}', // likewise for the quote
      '{"c":"wse","t":"PONG","p":{}}', // only pong's letters are case-insensitive
      ' {"t":"PONG"}', // leading space: a valid JSON PONG, but not WSE's form (decoded in full instead)
      '{"p":{},"t":"PONG"}', // another key order: likewise
      '',
      '}',
    ]) {
      assert.equal(pong(text), false, text);
    }
  });

  test('what it recognises, the full decoder reads as a PONG too', () => {
    for (const text of ['{"c":"WSE","t":"PONG","p":{"latency":1},"v":1}', '{"t":"pong"}', '{"c":"WSE","t":"Pong","p":{}}']) {
      const decoded = decodeWseMessage(Buffer.from(text), false, {});
      assert.ok(decoded.ok && decoded.message?.t.toLowerCase() === 'pong', text);
    }
  });
});
