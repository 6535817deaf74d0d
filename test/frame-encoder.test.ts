// FrameEncoder: header bytes for FIN/opcode and the 7/16/64-bit lengths, masking per role, fresh
// keys per frame, encodeRepeated, close frames; decoded back by hand (not by our decoder).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameEncoder } from '../core/frame-encoder.js';
import { applyMask } from '../core/mask.js';
import { Opcode } from '../core/constants.js';

interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  mask: Buffer | null;
  payload: Buffer;
  size: number;
}

/** A minimal independent frame reader for assertions. */
function parse(bytes: Buffer, at = 0): ParsedFrame {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1]!;
  let length = b1 & 0x7f;
  let pos = at + 2;
  if (length === 126) {
    length = bytes.readUInt16BE(pos);
    pos += 2;
  } else if (length === 127) {
    length = bytes.readUInt32BE(pos) * 2 ** 32 + bytes.readUInt32BE(pos + 4);
    pos += 8;
  }
  let mask: Buffer | null = null;
  if (b1 & 0x80) {
    mask = Buffer.from(bytes.subarray(pos, pos + 4));
    pos += 4;
  }
  const payload = Buffer.from(bytes.subarray(pos, pos + length));
  assert.equal(payload.length, length, 'frame truncated');
  if (mask) for (let i = 0; i < length; i++) payload[i]! ^= mask[i & 3]!;
  return { fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, mask, payload, size: pos + length - at };
}

function parseAll(bytes: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = parse(bytes, at);
    frames.push(frame);
    at += frame.size;
  }
  return frames;
}

describe('FrameEncoder: server role (unmasked)', () => {
  const enc = new FrameEncoder('server');
  test('RFC 6455 §5.7 "Hello" and fragments', () => {
    assert.equal(enc.encode(Opcode.Text, 'Hello').toString('hex'), '810548656c6c6f');
    assert.equal(enc.encode(Opcode.Text, 'Hel', false).toString('hex'), '010348656c');
    assert.equal(enc.encode(Opcode.Continuation, Buffer.from('lo')).toString('hex'), '80026c6f');
    assert.equal(enc.encode(Opcode.Ping, 'Hello').toString('hex'), '890548656c6c6f');
  });
  test('7/16/64-bit length forms at 125, 126, 65535, 65536', () => {
    const cases: [number, string][] = [
      [0, '8200'],
      [125, '827d'],
      [126, '827e007e'],
      [65535, '827effff'],
      [65536, '827f0000000000010000'],
      [70000, '827f0000000000011170'],
    ];
    for (const [length, header] of cases) {
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) payload[i] = i & 0xff;
      const frame = enc.encode(Opcode.Binary, payload);
      assert.equal(frame.subarray(0, header.length / 2).toString('hex'), header, `length ${length}`);
      assert.equal(frame.length, header.length / 2 + length);
      assert.ok(parse(frame).payload.equals(payload));
    }
  });
  test('strings: ASCII, multi-byte UTF-8 and lone surrogates are written like Buffer.from', () => {
    for (const s of ['', 'plain ascii', 'héllo wörld', '€✓😀', 'x'.repeat(300), '\ud800', 'ü'.repeat(40000)]) {
      const frame = parse(enc.encode(Opcode.Text, s));
      assert.ok(frame.payload.equals(Buffer.from(s)), JSON.stringify(s.slice(0, 20)));
      assert.equal(frame.mask, null);
    }
  });
  test('frames handed out from the slab never overlap', () => {
    const frames = Array.from({ length: 2000 }, (_, i) => enc.encode(Opcode.Binary, Buffer.alloc(i % 300, i & 0xff)));
    frames.forEach((frame, i) => {
      const parsed = parse(frame);
      assert.ok(parsed.payload.equals(Buffer.alloc(i % 300, i & 0xff)), `frame ${i} was overwritten`);
    });
  });
  test('control frames over 125 bytes or without FIN are refused', () => {
    assert.throws(() => enc.encode(Opcode.Ping, Buffer.alloc(126)), RangeError);
    assert.throws(() => enc.encode(Opcode.Pong, 'x', false), RangeError);
    assert.throws(() => enc.encodeClose(1000, 'r'.repeat(124)), RangeError);
    assert.equal(parse(enc.encode(Opcode.Pong, Buffer.alloc(125))).payload.length, 125);
  });
});

describe('FrameEncoder: client role (masked)', () => {
  const enc = new FrameEncoder('client');
  test('every frame is masked and unmasks to the payload', () => {
    for (const length of [0, 1, 3, 4, 5, 15, 16, 17, 125, 126, 1000, 65535, 65536]) {
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) payload[i] = (i * 31) & 0xff;
      const frame = parse(enc.encode(Opcode.Binary, payload));
      assert.ok(frame.mask, `length ${length} not masked`);
      assert.equal(frame.opcode, Opcode.Binary);
      assert.ok(frame.fin);
      assert.ok(frame.payload.equals(payload), `length ${length}`);
    }
    const text = parse(enc.encode(Opcode.Text, 'héllo €'));
    assert.equal(text.payload.toString(), 'héllo €');
  });
  test('a fresh key per frame', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) keys.add(parse(enc.encode(Opcode.Text, 'x')).mask!.toString('hex'));
    // 200 random 32-bit keys: a collision has probability ~5e-6.
    assert.ok(keys.size >= 199, `only ${keys.size} distinct keys`);
  });
  test('encodeRepeated: count whole frames, each with its own key', () => {
    for (const [payload, count] of [
      ['hello', 7],
      [Buffer.alloc(126, 1), 3],
      [Buffer.alloc(70000, 2), 2],
      ['€uro', 1],
      ['', 5],
    ] as const) {
      const bytes = enc.encodeRepeated(Opcode.Binary, payload, count);
      const frames = parseAll(bytes);
      assert.equal(frames.length, count);
      const keys = new Set(frames.map((f) => f.mask!.toString('hex')));
      assert.ok(keys.size >= count - 1, 'keys repeat');
      for (const f of frames) {
        assert.ok(f.fin && f.opcode === Opcode.Binary);
        assert.ok(f.payload.equals(Buffer.from(payload)));
      }
    }
    assert.equal(enc.encodeRepeated(Opcode.Text, 'x', 0).length, 0);
    assert.throws(() => enc.encodeRepeated(Opcode.Text, 'x', -1), RangeError);
  });
  test('encodeClose: no code → empty payload; code and UTF-8 reason', () => {
    const empty = parse(enc.encodeClose());
    assert.equal(empty.opcode, Opcode.Close);
    assert.equal(empty.payload.length, 0);
    const withReason = parse(enc.encodeClose(1001, 'going ✓'));
    assert.equal(withReason.payload.readUInt16BE(0), 1001);
    assert.equal(withReason.payload.subarray(2).toString(), 'going ✓');
    assert.ok(withReason.mask);
  });
});

describe('FrameEncoder.encodeBatch: messages that differ, one frame each, in one buffer', () => {
  /** The payloads laid end to end, as a sender renders them. */
  function batchOf(payloads: readonly Buffer[], offset = 0): { bytes: Buffer; ends: Uint32Array; count: number } {
    const total = payloads.reduce((n, p) => n + p.length, 0);
    const bytes = Buffer.alloc(total + offset).subarray(offset);
    const ends = new Uint32Array(payloads.length);
    let at = 0;
    payloads.forEach((p, i) => {
      p.copy(bytes, at);
      at += p.length;
      ends[i] = at;
    });
    return { bytes, ends, count: payloads.length };
  }
  // every length form, and both sides of the length from which payloads are copied and masked in one pass
  const lengths = [0, 1, 125, 126, 1023, 1024, 1029, 65535, 65536, 70001];
  const payloads = lengths.map((length, k) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + k) & 0xff)));

  for (const role of ['client', 'server'] as const) {
    test(`${role}: each payload in its own frame, in order${role === 'client' ? ', each with a fresh key' : ', unmasked'}`, () => {
      const enc = new FrameEncoder(role);
      for (const offset of [0, 3]) {
        const frames = parseAll(enc.encodeBatch(Opcode.Binary, batchOf(payloads, offset)));
        assert.equal(frames.length, payloads.length);
        frames.forEach((frame, i) => {
          assert.ok(frame.fin && frame.opcode === Opcode.Binary && frame.rsv === 0);
          assert.ok(frame.payload.equals(payloads[i]!), `payload ${i} (${lengths[i]} bytes), offset ${offset}`);
          assert.equal(frame.mask !== null, role === 'client');
        });
        if (role === 'client') assert.ok(new Set(frames.map((f) => f.mask!.toString('hex'))).size >= frames.length - 1, 'keys repeat');
      }
    });
  }

  test('only the first `count` messages; text frames; no control frames', () => {
    const enc = new FrameEncoder('client');
    const batch = { ...batchOf([Buffer.from('{"a":1}'), Buffer.from('{"b":22}')]), count: 1 };
    const frames = parseAll(enc.encodeBatch(Opcode.Text, batch));
    assert.deepEqual(frames.map((f) => [f.opcode, f.payload.toString()]), [[Opcode.Text, '{"a":1}']]);
    assert.equal(enc.encodeBatch(Opcode.Text, { ...batch, count: 0 }).length, 0);
    assert.throws(() => enc.encodeBatch(Opcode.Ping, batch), RangeError);
  });
});

describe('FrameEncoder: server encodeRepeated', () => {
  test('identical unmasked frames back to back', () => {
    const enc = new FrameEncoder('server');
    const single = enc.encode(Opcode.Text, 'abc');
    const bytes = enc.encodeRepeated(Opcode.Text, 'abc', 1000);
    assert.equal(bytes.length, single.length * 1000);
    for (let i = 0; i < 1000; i++) assert.ok(bytes.subarray(i * single.length, (i + 1) * single.length).equals(single), `frame ${i}`);
  });
});

describe('FrameEncoder.encodeRepeated: one long frame (copied and masked in one pass)', () => {
  const enc = new FrameEncoder('client');
  for (const length of [1023, 1024, 1029, 4000, 65535, 65536, 70001]) {
    test(`text of ${length} bytes, twice (the cached bytes are reused), and as a Buffer at odd offsets`, () => {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      for (let round = 0; round < 2; round++) {
        const [frame] = parseAll(enc.encodeRepeated(Opcode.Text, text, 1));
        assert.equal(frame!.opcode, Opcode.Text);
        assert.ok(frame!.mask !== null);
        assert.equal(frame!.payload.toString('latin1'), text, `round ${round}`);
      }
      for (const offset of [0, 1, 3, 6]) {
        const backing = Buffer.alloc(length + 8);
        const payload = backing.subarray(offset, offset + length);
        for (let i = 0; i < length; i++) payload[i] = (i * 7 + offset) & 0xff;
        const [frame] = parseAll(enc.encodeRepeated(Opcode.Binary, payload, 1));
        assert.ok(frame!.payload.equals(payload), `offset ${offset}`);
      }
    });
  }
});

describe('mask helpers', () => {
  test('applyMask matches a byte loop for every length, alignment and key phase', () => {
    const key = Buffer.from('a1b2c3d4', 'hex');
    const backing = Buffer.alloc(200);
    for (let length = 0; length < 80; length++) {
      for (const viewOffset of [0, 1, 2, 3]) {
        for (const phase of [0, 1, 2, 3]) {
          const data = backing.subarray(viewOffset, viewOffset + length + 5);
          for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
          const expected = Buffer.from(data);
          for (let i = 0; i < length; i++) expected[3 + i]! ^= key[(i + phase) & 3]!;
          applyMask(data, key, 0, 3, length, phase);
          assert.ok(data.equals(expected), `length ${length} view offset ${viewOffset} phase ${phase}`);
        }
      }
    }
  });
  test('applyMask on long payloads (the 64-bit word path where the runtime has it) matches a byte loop', () => {
    const key = Buffer.from('5ec0de99', 'hex');
    const backing = Buffer.alloc(5000);
    for (const length of [1023, 1024, 1025, 1031, 2048 + 7, 4093]) {
      for (const viewOffset of [0, 1, 3, 4, 5, 7]) {
        for (const phase of [0, 1, 2, 3]) {
          const data = backing.subarray(viewOffset, viewOffset + length + 9);
          for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
          const expected = Buffer.from(data);
          for (let i = 0; i < length; i++) expected[5 + i]! ^= key[(i + phase) & 3]!;
          applyMask(data, key, 0, 5, length, phase);
          assert.ok(data.equals(expected), `length ${length} view offset ${viewOffset} phase ${phase}`);
        }
      }
    }
  });
});
