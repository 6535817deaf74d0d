// FrameDecoder and the UTF-8 validator: hex fixtures (RFC 6455 §5.7), every rule of §5 with the
// offending bytes fed whole, split at every point and one byte at a time, in both roles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, isValidWireCloseCode } from '../core/frame-decoder.js';
import type { Role } from '../core/constants.js';
import { isValidUtf8, isValidUtf8ByStateMachine, Utf8Validator } from '../core/utf8.js';
import { decodeChunks, FrameRecorder, type FrameEvent } from './fixtures/frame-recorder.js';
import { hex, MASK, maskFor, raw, u32 } from './fixtures/raw-frames.js';


/** Whole, split at every point (two chunks), and one byte at a time: all give `expected`. */
function assertAllSplits(role: Role, bytes: Buffer, expected: FrameEvent[], maxMessageSize?: number, maxFragments?: number): void {
  assert.deepEqual(decodeChunks(role, [bytes], maxMessageSize, maxFragments).events, expected, 'whole');
  for (let i = 1; i < bytes.length; i++) {
    const events = decodeChunks(role, [bytes.subarray(0, i), bytes.subarray(i)], maxMessageSize, maxFragments).events;
    assert.deepEqual(events, expected, `split at ${i}`);
  }
  const bytewise = Array.from(bytes, (b) => Buffer.from([b]));
  assert.deepEqual(decodeChunks(role, bytewise, maxMessageSize, maxFragments).events, expected, 'one byte at a time');
}

const textHex = (s: string): string => Buffer.from(s).toString('hex');
const ROLES: Role[] = ['client', 'server'];

describe('FrameDecoder: RFC 6455 §5.7 examples', () => {
  test('unmasked "Hello" (client receives)', () => {
    assertAllSplits('client', hex('81 05 48 65 6c 6c 6f'), [['message', textHex('Hello'), false]]);
  });
  test('masked "Hello" (server receives)', () => {
    assertAllSplits('server', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), [['message', textHex('Hello'), false]]);
  });
  test('fragmented unmasked "Hel" + "lo"', () => {
    assertAllSplits('client', hex('01 03 48 65 6c 80 02 6c 6f'), [['message', textHex('Hello'), false]]);
  });
  test('unmasked ping and masked pong', () => {
    assertAllSplits('client', hex('89 05 48 65 6c 6c 6f'), [['ping', textHex('Hello')]]);
    assertAllSplits('server', hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), [['pong', textHex('Hello')]]);
  });
  test('256-byte binary with a 16-bit length', () => {
    const payload = Buffer.alloc(256, 0xab);
    assertAllSplits('client', Buffer.concat([hex('82 7e 01 00'), payload]), [['message', payload.toString('hex'), true]]);
  });
});

describe('FrameDecoder: lengths at the 7/16/64-bit boundaries', () => {
  for (const role of ROLES) {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      test(`${role} role, ${length}-byte binary`, () => {
        const payload = Buffer.alloc(length);
        for (let i = 0; i < length; i++) payload[i] = (i * 7 + 3) & 0xff;
        const bytes = raw({ opcode: 2, payload, mask: maskFor(role) });
        const expected: FrameEvent[] = [['message', payload.toString('hex'), true]];
        assert.deepEqual(decodeChunks(role, [bytes]).events, expected);
        assert.deepEqual(decodeChunks(role, [bytes.subarray(0, 1), bytes.subarray(1, 9), bytes.subarray(9)]).events, expected);
        // Header and payload in 1000-byte pieces: the payload spans chunks and is copied once.
        const pieces: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += 1000) pieces.push(bytes.subarray(i, i + 1000));
        assert.deepEqual(decodeChunks(role, pieces).events, expected);
      });
    }
  }
  test('16-bit length 126 and 64-bit length 65536 header bytes', () => {
    const f126 = raw({ opcode: 2, payload: Buffer.alloc(126) });
    assert.equal(f126.subarray(0, 4).toString('hex'), '827e007e');
    const f64k = raw({ opcode: 2, payload: Buffer.alloc(65536) });
    assert.equal(f64k.subarray(0, 10).toString('hex'), '827f0000000000010000');
    assert.deepEqual(decodeChunks('client', [f64k]).events.length, 1);
  });
});

describe('FrameDecoder: messages and control frames', () => {
  for (const role of ROLES) {
    const mask = maskFor(role);
    test(`${role} role: control frames interleaved in a fragmented message`, () => {
      const bytes = Buffer.concat([
        raw({ opcode: 1, payload: 'Hel', fin: false, mask }),
        raw({ opcode: 9, payload: 'p1', mask }),
        raw({ opcode: 0, payload: '', fin: false, mask }),
        raw({ opcode: 0xa, payload: 'p2', mask }),
        raw({ opcode: 0, payload: 'lo', mask }),
        raw({ opcode: 2, payload: Buffer.from([1, 2, 3]), mask }),
      ]);
      assertAllSplits(role, bytes, [
        ['ping', textHex('p1')],
        ['pong', textHex('p2')],
        ['message', textHex('Hello'), false],
        ['message', '010203', true],
      ]);
    });
    test(`${role} role: a character split across fragments is accepted`, () => {
      const euro = Buffer.from('€'); // e2 82 ac
      const bytes = Buffer.concat([
        raw({ opcode: 1, payload: euro.subarray(0, 2), fin: false, mask }),
        raw({ opcode: 0, payload: euro.subarray(2), mask }),
      ]);
      assertAllSplits(role, bytes, [['message', euro.toString('hex'), false]]);
    });
    test(`${role} role: close frames`, () => {
      assertAllSplits(role, raw({ opcode: 8, mask }), [['close', 1005, '']]);
      const payload = Buffer.concat([hex('03e8'), Buffer.from('bye ✓')]);
      assertAllSplits(role, raw({ opcode: 8, payload, mask }), [['close', 1000, 'bye ✓']]);
      for (const code of [1000, 1001, 1002, 1003, 1007, 1010, 1011, 1014, 3000, 4401, 4999]) {
        const bytes = raw({ opcode: 8, payload: Buffer.from(u32(code).slice(2)), mask });
        assert.deepEqual(decodeChunks(role, [bytes]).events, [['close', code, '']], `code ${code}`);
      }
    });
    test(`${role} role: input after a close frame is ignored`, () => {
      const bytes = Buffer.concat([raw({ opcode: 8, mask }), raw({ opcode: 1, payload: 'late', mask }), hex('ff')]);
      assertAllSplits(role, bytes, [['close', 1005, '']]);
    });
    test(`${role} role: empty text and binary messages`, () => {
      assertAllSplits(role, Buffer.concat([raw({ opcode: 1, mask }), raw({ opcode: 2, mask })]), [
        ['message', '', false],
        ['message', '', true],
      ]);
    });
  }

  test('a frame inside one chunk is handed out as a view, not a copy', () => {
    const recorder = new FrameRecorder();
    const decoder = new FrameDecoder(recorder, { role: 'client' });
    const chunk = Buffer.concat([hex('82 03 01 02 03'), hex('82 02 04 05')]);
    decoder.push(chunk);
    assert.equal(recorder.payloads.length, 2);
    assert.equal(recorder.payloads[0]!.buffer, chunk.buffer);
    assert.equal(recorder.payloads[0]!.byteOffset, chunk.byteOffset + 2);
    assert.equal(recorder.payloads[1]!.byteOffset, chunk.byteOffset + 7);
  });

  test('server role unmasks a whole frame in place', () => {
    const recorder = new FrameRecorder();
    const decoder = new FrameDecoder(recorder, { role: 'server' });
    const chunk = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    decoder.push(chunk);
    assert.equal(recorder.payloads[0]!.buffer, chunk.buffer);
    assert.equal(chunk.subarray(6).toString(), 'Hello');
  });

  test('bufferedBytes counts a partial header, a partial payload and open fragments', () => {
    const decoder = new FrameDecoder(new FrameRecorder(), { role: 'client' });
    assert.equal(decoder.bufferedBytes, 0);
    decoder.push(hex('82'));
    assert.equal(decoder.bufferedBytes, 1);
    decoder.push(hex('05 01 02'));
    assert.equal(decoder.bufferedBytes, 2);
    decoder.push(hex('03 04 05'));
    assert.equal(decoder.bufferedBytes, 0);
    decoder.push(hex('02 03 0a 0b 0c'));
    assert.equal(decoder.bufferedBytes, 3);
    decoder.push(hex('80 01 0d'));
    assert.equal(decoder.bufferedBytes, 0);
  });
});

interface Violation {
  name: string;
  bytes: (mask: Buffer | null) => Buffer;
  code: string;
  closeCode: number;
  maxMessageSize?: number;
  /** Events before the error (e.g. messages that were valid). */
  before?: FrameEvent[];
}

const invalidUtf8 = hex('c0 af');
const violations: Violation[] = [
  { name: 'RSV1 set', bytes: (mask) => raw({ opcode: 1, payload: 'a', rsv: 0x40, mask }), code: 'WS_ERR_UNEXPECTED_RSV_1', closeCode: 1002 },
  { name: 'RSV2 set', bytes: (mask) => raw({ opcode: 2, rsv: 0x20, mask }), code: 'WS_ERR_UNEXPECTED_RSV_2_3', closeCode: 1002 },
  { name: 'RSV3 set', bytes: (mask) => raw({ opcode: 9, rsv: 0x10, mask }), code: 'WS_ERR_UNEXPECTED_RSV_2_3', closeCode: 1002 },
  { name: 'opcode 3', bytes: (mask) => raw({ opcode: 3, mask }), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
  { name: 'opcode 7', bytes: (mask) => raw({ opcode: 7, mask }), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
  { name: 'opcode 0xB', bytes: (mask) => raw({ opcode: 0xb, mask }), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
  { name: 'opcode 0xF', bytes: (mask) => raw({ opcode: 0xf, mask }), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
  {
    name: 'ping with a 126-byte payload',
    bytes: (mask) => raw({ opcode: 9, payload: Buffer.alloc(126), mask }),
    code: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    closeCode: 1002,
  },
  {
    name: 'close with a 126-byte payload',
    bytes: (mask) => raw({ opcode: 8, payload: Buffer.concat([hex('03e8'), Buffer.alloc(124, 0x61)]), mask }),
    code: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    closeCode: 1002,
  },
  { name: 'ping with FIN=0', bytes: (mask) => raw({ opcode: 9, fin: false, mask }), code: 'WS_ERR_EXPECTED_FIN', closeCode: 1002 },
  { name: 'pong with FIN=0', bytes: (mask) => raw({ opcode: 0xa, fin: false, mask }), code: 'WS_ERR_EXPECTED_FIN', closeCode: 1002 },
  {
    name: 'continuation without a started message',
    bytes: (mask) => raw({ opcode: 0, payload: 'x', mask }),
    code: 'WS_ERR_UNEXPECTED_CONTINUATION',
    closeCode: 1002,
  },
  {
    name: 'continuation after a finished message',
    bytes: (mask) => Buffer.concat([raw({ opcode: 1, payload: 'a', mask }), raw({ opcode: 0, payload: 'b', mask })]),
    code: 'WS_ERR_UNEXPECTED_CONTINUATION',
    closeCode: 1002,
    before: [['message', textHex('a'), false]],
  },
  {
    name: 'new binary frame while a text message is open',
    bytes: (mask) => Buffer.concat([raw({ opcode: 1, payload: 'a', fin: false, mask }), raw({ opcode: 2, payload: 'b', mask })]),
    code: 'WS_ERR_EXPECTED_CONTINUATION',
    closeCode: 1002,
  },
  {
    name: 'new text frame while a binary message is open',
    bytes: (mask) => Buffer.concat([raw({ opcode: 2, payload: 'a', fin: false, mask }), raw({ opcode: 1, payload: 'b', fin: false, mask })]),
    code: 'WS_ERR_EXPECTED_CONTINUATION',
    closeCode: 1002,
  },
  { name: 'invalid UTF-8 in a text message', bytes: (mask) => raw({ opcode: 1, payload: invalidUtf8, mask }), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 },
  {
    name: 'UTF-16 surrogate in a text message',
    bytes: (mask) => raw({ opcode: 1, payload: hex('61 ed a0 80'), mask }),
    code: 'WS_ERR_INVALID_UTF8',
    closeCode: 1007,
  },
  {
    name: 'text message ending inside a character (final fragment)',
    bytes: (mask) => Buffer.concat([raw({ opcode: 1, payload: 'ab', fin: false, mask }), raw({ opcode: 0, payload: hex('e2 82'), mask })]),
    code: 'WS_ERR_INVALID_UTF8',
    closeCode: 1007,
  },
  {
    name: 'invalid UTF-8 in a continuation fragment',
    bytes: (mask) => Buffer.concat([raw({ opcode: 1, payload: hex('e2 82'), fin: false, mask }), raw({ opcode: 0, payload: hex('41'), fin: false, mask })]),
    code: 'WS_ERR_INVALID_UTF8',
    closeCode: 1007,
  },
  {
    name: 'close frame with a 1-byte payload',
    bytes: (mask) => raw({ opcode: 8, payload: hex('03'), mask }),
    code: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    closeCode: 1002,
  },
  {
    name: 'close reason with invalid UTF-8',
    bytes: (mask) => raw({ opcode: 8, payload: Buffer.concat([hex('03e8'), invalidUtf8]), mask }),
    code: 'WS_ERR_INVALID_UTF8',
    closeCode: 1007,
  },
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535].map(
    (closeCode): Violation => ({
      name: `close code ${closeCode}`,
      bytes: (mask) => raw({ opcode: 8, payload: Buffer.from(u32(closeCode).slice(2)), mask }),
      code: 'WS_ERR_INVALID_CLOSE_CODE',
      closeCode: 1002,
    }),
  ),
  {
    name: 'message over the limit (refused from the header alone)',
    bytes: (mask) => raw({ opcode: 2, payload: Buffer.alloc(11), mask }),
    code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    closeCode: 1009,
    maxMessageSize: 10,
  },
  {
    name: 'fragments adding up to more than the limit',
    bytes: (mask) => Buffer.concat([raw({ opcode: 1, payload: 'abcdef', fin: false, mask }), raw({ opcode: 0, payload: 'ghijk', mask })]),
    code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    closeCode: 1009,
    maxMessageSize: 10,
  },
  {
    name: '64-bit length 2^63',
    bytes: (mask) => Buffer.concat([hex(mask ? '82 ff 80 00 00 00 00 00 00 00' : '82 7f 80 00 00 00 00 00 00 00'), mask ?? Buffer.alloc(0)]),
    code: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
    closeCode: 1009,
  },
  {
    name: '64-bit length 2^53',
    bytes: (mask) => Buffer.concat([hex(mask ? '82 ff 00 20 00 00 00 00 00 00' : '82 7f 00 20 00 00 00 00 00 00'), mask ?? Buffer.alloc(0)]),
    code: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
    closeCode: 1009,
  },
  {
    name: '64-bit length 2^53 - 1 over the default limit',
    bytes: (mask) => Buffer.concat([hex(mask ? '82 ff 00 1f ff ff ff ff ff ff' : '82 7f 00 1f ff ff ff ff ff ff'), mask ?? Buffer.alloc(0)]),
    code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    closeCode: 1009,
  },
];

describe('FrameDecoder: protocol violations (code string and close code, every split)', () => {
  for (const role of ROLES) {
    for (const v of violations) {
      test(`${role} role: ${v.name} → ${v.code} ${v.closeCode}`, () => {
        const bytes = v.bytes(maskFor(role));
        // Trailing valid bytes after the offending frame must be ignored.
        const withTrailer = Buffer.concat([bytes, raw({ opcode: 1, payload: 'after', mask: maskFor(role) })]);
        assertAllSplits(role, withTrailer, [...(v.before ?? []), ['error', v.code, v.closeCode]], v.maxMessageSize);
      });
    }
  }

  test('server role: an unmasked frame → WS_ERR_EXPECTED_MASK 1002', () => {
    assertAllSplits('server', raw({ opcode: 1, payload: 'hi' }), [['error', 'WS_ERR_EXPECTED_MASK', 1002]]);
  });
  test('client role: a masked frame → WS_ERR_UNEXPECTED_MASK 1002', () => {
    assertAllSplits('client', raw({ opcode: 1, payload: 'hi', mask: MASK }), [['error', 'WS_ERR_UNEXPECTED_MASK', 1002]]);
  });

  test('an over-limit or 2^63 length fails before any payload byte arrives', () => {
    for (const header of ['82 0b', '82 7f 80 00 00 00 00 00 00 00', '82 7f 7f ff ff ff ff ff ff ff']) {
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role: 'client', maxMessageSize: 10 });
      decoder.push(hex(header));
      assert.equal(recorder.events.length, 1, header);
      assert.equal(recorder.events[0]![0], 'error');
      assert.equal(decoder.bufferedBytes, 0);
    }
  });

  test('a close frame declaring a 1-byte payload fails at its header (as ws does), before the payload', () => {
    for (const role of ROLES) {
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role });
      decoder.push(role === 'server' ? hex('88 81') : hex('88 01'));
      assert.deepEqual(recorder.events, [['error', 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002]], role);
    }
  });

  test('a bad fragment fails at once, before the message is complete', () => {
    const recorder = new FrameRecorder();
    const decoder = new FrameDecoder(recorder, { role: 'client' });
    decoder.push(raw({ opcode: 1, payload: hex('61 ff'), fin: false }));
    assert.deepEqual(recorder.events, [['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    decoder.push(raw({ opcode: 0, payload: 'z' }));
    assert.equal(recorder.events.length, 1);
  });

  test('isValidWireCloseCode ranges', () => {
    const valid: number[] = [];
    for (let c = 0; c < 6000; c++) if (isValidWireCloseCode(c)) valid.push(c);
    assert.equal(valid.length, 4 + 8 + 2000);
    assert.ok(!isValidWireCloseCode(1015) && isValidWireCloseCode(1014) && !isValidWireCloseCode(5000));
  });
});

describe('UTF-8 validation', () => {
  const good = ['', 'a', '7f', 'c2 80', 'df bf', 'e0 a0 80', 'ed 9f bf', 'ee 80 80', 'ef bf bf', 'f0 90 80 80', 'f4 8f bf bf'];
  const bad = ['80', 'bf', 'c0 80', 'c1 bf', 'c2', 'c2 41', 'e0 80 80', 'e0 9f bf', 'ed a0 80', 'ed bf bf', 'f0 80 80 80', 'f0 8f bf bf', 'f4 90 80 80', 'f5 80 80 80', 'ff', 'e2 82'];

  test('fixtures: boundaries, overlongs, surrogates, above U+10FFFF', () => {
    for (const h of good) {
      assert.equal(isValidUtf8ByStateMachine(hex(h)), true, h);
      assert.equal(isValidUtf8(hex(h)), true, h);
    }
    for (const h of bad) {
      assert.equal(isValidUtf8ByStateMachine(hex(h)), false, h);
      assert.equal(isValidUtf8(hex(h)), false, h);
    }
  });

  test('the incremental validator agrees with the one-shot result at every split', () => {
    for (const h of [...good, ...bad]) {
      const bytes = hex(`61 ${h} 62`);
      const expected = isValidUtf8ByStateMachine(bytes);
      for (let i = 0; i <= bytes.length; i++) {
        const v = new Utf8Validator();
        const ok = v.write(bytes, 0, i) && v.write(bytes, i, bytes.length) && v.finish();
        assert.equal(ok, expected, `${h} split at ${i}`);
      }
    }
  });

  test('property: a message split into fragments validates like the whole (short and long pieces)', () => {
    const chars = fc.constantFrom('a', 'é', '€', '😀', '\u{10ffff}', '\u07ff', '\ud7ff');
    const validText = fc.array(chars, { maxLength: 120, size: 'max' }).map((a) => Buffer.from(a.join('')));
    const noisy = fc
      .tuple(validText, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }))
      .map(([b, edits]) => {
        const out = Buffer.from(b);
        for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
        return out;
      });
    fc.assert(
      fc.property(noisy, fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 3 }), (bytes, cutSeeds) => {
        const cuts = [...new Set(cutSeeds.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const expected = isValidUtf8(bytes);
        assert.equal(isValidUtf8ByStateMachine(bytes), expected);
        for (const useNative of [true, false]) {
          const v = new Utf8Validator(useNative);
          let ok = true;
          let from = 0;
          for (const cut of [...cuts, bytes.length]) {
            ok = ok && v.write(bytes, from, cut);
            from = cut;
          }
          assert.equal(ok && v.finish(), expected, `useNative ${useNative}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('property: state machine agrees with a fatal TextDecoder on random bytes', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const strict = (b: Uint8Array): boolean => {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xf7 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }), (arr) => {
        const bytes = Uint8Array.from(arr);
        assert.equal(isValidUtf8ByStateMachine(bytes), strict(bytes));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        assert.equal(isValidUtf8ByStateMachine(Buffer.from(s)), true);
      }),
      { numRuns: 500 },
    );
  });
});
