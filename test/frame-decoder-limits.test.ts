// FrameDecoder against a peer that tries to make it hold or spend more than its message is worth:
// a million one-byte fragments, empty continuation frames, a frame that declares a megabyte and
// sends ten bytes, invalid UTF-8 in the middle of a frame whose rest never comes. In both roles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_MESSAGE_SIZE, type Role } from '../core/constants.js';
import { FrameDecoder } from '../core/frame-decoder.js';
import { FrameRecorder } from './fixtures/frame-recorder.js';
import { maskFor, raw } from './fixtures/raw-frames.js';

const ROLES: Role[] = ['client', 'server'];
/** A message buffer starts at twice the bytes that arrived (at least 1 KiB), then grows to twice what has arrived. */
const FIRST_CAPACITY = 1024;
const withinTwiceReceived = (retained: number, received: number): boolean => retained <= Math.max(FIRST_CAPACITY, 2 * received);

/** One fragment frame carrying `payload`: opcode 1 (text) first, then continuations; FIN on the last. */
function fragmentFrame(role: Role, payload: Buffer, first: boolean, last: boolean): Buffer {
  return raw({ opcode: first ? 1 : 0, payload, fin: last, mask: maskFor(role) });
}

/**
 * Pushes one text message of `count` one-byte fragments ('a'), the frames packed into chunks of
 * about 64 KB (fresh buffers, as a socket delivers them). Calls `afterPush` after every chunk.
 */
function pushOneByteFragments(decoder: FrameDecoder, role: Role, count: number, afterPush: (fragmentsPushed: number) => void): void {
  const middle = fragmentFrame(role, Buffer.from('a'), false, false);
  const perChunk = Math.floor((64 * 1024) / middle.length);
  for (let pushed = 0; pushed < count; ) {
    const frames: Buffer[] = [];
    for (let i = 0; i < perChunk && pushed < count; i++, pushed++) {
      frames.push(pushed === 0 || pushed === count - 1 ? fragmentFrame(role, Buffer.from('a'), pushed === 0, pushed === count - 1) : middle);
    }
    decoder.push(Buffer.concat(frames));
    afterPush(pushed);
  }
}

describe('FrameDecoder: memory follows the message bytes, not the frame count', () => {
  for (const role of ROLES) {
    test(`${role} role: 1,000,000 one-byte fragments cost about 1 MB while they arrive, nothing after`, () => {
      const count = 1_000_000;
      const recorder = new FrameRecorder();
      // The fragment cap raised out of the way: coalescing alone must bound the memory.
      const decoder = new FrameDecoder(recorder, { role, maxFragments: count });
      let worst = 0;
      pushOneByteFragments(decoder, role, count, (pushed) => {
        if (pushed === count) return;
        assert.equal(decoder.bufferedBytes, pushed, 'bytes held = message bytes so far');
        // One buffer, doubled as bytes arrive: at most twice the bytes (beyond its first 1 KiB).
        assert.ok(withinTwiceReceived(decoder.retainedBytes, pushed), `${decoder.retainedBytes} bytes retained for ${pushed}`);
        worst = Math.max(worst, decoder.retainedBytes);
      });
      assert.equal(recorder.errorCount, 0, JSON.stringify(recorder.events.slice(-1)));
      assert.equal(recorder.payloads.length, 1);
      assert.equal(recorder.events[0]![1], Buffer.alloc(count, 'a').toString('hex'));
      assert.ok(worst <= DEFAULT_MAX_MESSAGE_SIZE, `worst ${worst}`);
      assert.equal(decoder.bufferedBytes, 0);
      assert.equal(decoder.retainedBytes, 0, 'the message buffer is released once delivered');
    });
  }

  test('each fragment in its own chunk: the chunks are not kept', () => {
    const recorder = new FrameRecorder();
    const decoder = new FrameDecoder(recorder, { role: 'server', maxFragments: 100_000 });
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      const chunk = fragmentFrame('server', Buffer.from('b'), i === 0, i === count - 1);
      decoder.push(chunk);
      chunk.fill(0); // a decoder that kept a view of it would deliver zeros
      if (i < count - 1) assert.ok(withinTwiceReceived(decoder.retainedBytes, i + 1));
    }
    assert.equal(recorder.events.length, 1);
    assert.equal(recorder.events[0]![1], Buffer.alloc(count, 'b').toString('hex'));
  });

  for (const role of ROLES) {
    test(`${role} role: a frame that declares 1 MiB and sends 10 bytes costs 1 KiB at most, not 1 MiB nor a 64 KiB read`, () => {
      const declared = DEFAULT_MAX_MESSAGE_SIZE;
      const frame = raw({ opcode: 2, payload: Buffer.alloc(declared, 7), mask: maskFor(role) });
      const header = frame.length - declared;
      const decoder = new FrameDecoder(new FrameRecorder(), { role });
      decoder.push(frame.subarray(0, header + 10));
      assert.equal(decoder.bufferedBytes, 10);
      assert.ok(decoder.retainedBytes <= FIRST_CAPACITY, `${decoder.retainedBytes} bytes retained for 10 received`);
      // As the rest arrives the buffer grows with it, never ahead of it by more than twice.
      for (let at = header + 10; at < frame.length; at += 50_000) {
        decoder.push(frame.subarray(at, Math.min(at + 50_000, frame.length)));
        const received = Math.min(at + 50_000, frame.length) - header;
        if (received < declared) assert.ok(withinTwiceReceived(decoder.retainedBytes, received), `${decoder.retainedBytes} for ${received}`);
      }
      assert.equal(decoder.retainedBytes, 0);
    });

    test(`${role} role: the same for a fragmented message (declared fragment of 1 MiB - 1)`, () => {
      const decoder = new FrameDecoder(new FrameRecorder(), { role });
      decoder.push(fragmentFrame(role, Buffer.from('x'), true, false));
      const big = raw({ opcode: 0, payload: Buffer.alloc(DEFAULT_MAX_MESSAGE_SIZE - 1, 0x61), fin: true, mask: maskFor(role) });
      const header = big.length - (DEFAULT_MAX_MESSAGE_SIZE - 1);
      decoder.push(big.subarray(0, header + 10));
      assert.equal(decoder.bufferedBytes, 11);
      assert.ok(decoder.retainedBytes <= FIRST_CAPACITY, `${decoder.retainedBytes} bytes retained for 11 received`);
    });
  }
});

describe('FrameDecoder: frames per message are capped (1008)', () => {
  for (const role of ROLES) {
    test(`${role} role: the default cap (${DEFAULT_MAX_FRAGMENTS}) passes a message of that many frames and fails one more, at its header`, () => {
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role });
      pushOneByteFragments(decoder, role, DEFAULT_MAX_FRAGMENTS, () => undefined);
      assert.deepEqual(recorder.events.map((e) => e[0]), ['message']);

      const refused = new FrameRecorder();
      const second = new FrameDecoder(refused, { role });
      // DEFAULT_MAX_FRAGMENTS frames without FIN, then the header (only) of one more.
      const open = fragmentFrame(role, Buffer.from('a'), true, false);
      const next = fragmentFrame(role, Buffer.from('a'), false, false);
      second.push(Buffer.concat([open, ...Array.from({ length: DEFAULT_MAX_FRAGMENTS - 1 }, () => next)]));
      assert.deepEqual(refused.events, []);
      second.push(next.subarray(0, 2));
      assert.deepEqual(refused.events, [['error', 'WS_ERR_TOO_MANY_BUFFERED_PARTS', 1008]]);
      assert.equal(second.retainedBytes, 0, 'the message is dropped');
    });

    test(`${role} role: empty continuation frames count`, () => {
      const mask = maskFor(role);
      const empty = raw({ opcode: 0, fin: false, mask });
      const frames = [raw({ opcode: 2, payload: Buffer.from([1]), fin: false, mask }), empty, empty, raw({ opcode: 0, fin: true, mask })];
      const withinCap = new FrameRecorder();
      new FrameDecoder(withinCap, { role, maxFragments: 4 }).push(Buffer.concat(frames));
      assert.deepEqual(withinCap.events, [['message', '01', true]]);
      const overCap = new FrameRecorder();
      new FrameDecoder(overCap, { role, maxFragments: 3 }).push(Buffer.concat(frames));
      assert.deepEqual(overCap.events, [['error', 'WS_ERR_TOO_MANY_BUFFERED_PARTS', 1008]]);
    });

    test(`${role} role: control frames between fragments do not count, and the count starts again with each message`, () => {
      const mask = maskFor(role);
      const message = [
        raw({ opcode: 1, payload: 'a', fin: false, mask }),
        raw({ opcode: 9, payload: 'p', mask }),
        raw({ opcode: 0, payload: 'b', fin: false, mask }),
        raw({ opcode: 0xa, payload: 'q', mask }),
        raw({ opcode: 0, payload: 'c', fin: true, mask }),
      ];
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role, maxFragments: 3 });
      decoder.push(Buffer.concat([...message, ...message]));
      assert.deepEqual(recorder.events.filter((e) => e[0] === 'message' || e[0] === 'error'), [
        ['message', Buffer.from('abc').toString('hex'), false],
        ['message', Buffer.from('abc').toString('hex'), false],
      ]);
    });
  }
});

describe('FrameDecoder: invalid UTF-8 fails at its first bad byte, before the frame is complete', () => {
  for (const role of ROLES) {
    const mask = maskFor(role);
    test(`${role} role: in a single text frame whose rest has not arrived`, () => {
      const payload = Buffer.concat([Buffer.alloc(100, 0x61), Buffer.from([0xff]), Buffer.alloc(899, 0x61)]);
      const frame = raw({ opcode: 1, payload, mask });
      const header = frame.length - payload.length;
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role });
      decoder.push(frame.subarray(0, header + 100));
      assert.deepEqual(recorder.events, [], 'valid so far');
      decoder.push(frame.subarray(header + 100, header + 101)); // the bad byte alone
      assert.deepEqual(recorder.events, [['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    });

    test(`${role} role: in a fragment, a character cut across fragments staying valid until then`, () => {
      const euro = Buffer.from('€'); // e2 82 ac
      const first = raw({ opcode: 1, payload: Buffer.concat([Buffer.from('price '), euro.subarray(0, 2)]), fin: false, mask });
      const payload = Buffer.concat([euro.subarray(2), Buffer.alloc(200, 0x62), Buffer.from([0xc0, 0xaf]), Buffer.alloc(300, 0x63)]);
      const second = raw({ opcode: 0, payload, fin: true, mask });
      const header = second.length - payload.length;
      const recorder = new FrameRecorder();
      const decoder = new FrameDecoder(recorder, { role });
      decoder.push(Buffer.concat([first, second.subarray(0, header + 201)]));
      assert.deepEqual(recorder.events, []);
      decoder.push(second.subarray(header + 201, header + 202)); // 0xc0: an overlong lead byte
      assert.deepEqual(recorder.events, [['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    });
  }
});
