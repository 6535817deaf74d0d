// Fuzzing the FrameDecoder in both roles with fast-check: uniformly random bytes, random frame
// headers (any bits, any length form, lengths around the limit and up to 2^64 − 1), and valid
// streams with random mutations (bit flips, overwritten, inserted, deleted, duplicated bytes,
// truncation), split into random chunks. For every input:
//   - push() never throws: every problem goes through onError, once, and ends the input;
//   - between pushes the decoder holds at most the message limit plus one control frame
//     (a ping may interleave with a fragmented message that is just under the limit), counted
//     both as bytes received and as the capacity of its buffers, and nothing of its input;
//   - the verdict matches ws's Receiver (the independent implementation) on the same chunks.
// The verdict rule: ws validates UTF-8 once a text message is complete, the core each fragment
// as it arrives (so a bad message is refused before it is buffered whole). Hence
//   ws refuses ⇒ the core refuses, with the same close code unless the core refused earlier with 1007;
//   the core refuses alone ⇒ its close code is 1007;
//   neither refuses ⇒ both reported the same messages, pings, pongs and close.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { MAX_CONTROL_PAYLOAD } from '../core/constants.js';
import type { Role } from '../core/constants.js';
import { decodeChunks, splitAt, type FrameRecorder } from './fixtures/frame-recorder.js';

// Loaded by path: @types/ws does not declare the Receiver, and Bun replaces the bare 'ws'
// module with a stand-in whose Receiver throws.
interface WsReceiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
type WsReceiverClass = new (options: { isServer: boolean; maxPayload: number; binaryType: 'nodebuffer' }) => WsReceiver;
const requireWs = createRequire(import.meta.url);
const wsLib = join(process.cwd(), 'node_modules/ws/lib');
const Receiver = requireWs(join(wsLib, 'receiver.js')) as WsReceiverClass;
const { kStatusCode } = requireWs(join(wsLib, 'constants.js')) as { kStatusCode: symbol };

type Event = ['message', string, boolean] | ['ping', string] | ['pong', string] | ['close', number, string];

interface Reading {
  events: Event[];
  /** Close code of the refusal, 0 when the input was not refused. */
  refusedWith: number;
}

async function readWithWs(chunks: Buffer[], role: Role, limit: number): Promise<Reading> {
  const reading: Reading = { events: [], refusedWith: 0 };
  const receiver = new Receiver({ isServer: role === 'server', maxPayload: limit, binaryType: 'nodebuffer' });
  let closed = false;
  receiver.on('message', (data: Buffer, isBinary: boolean) => reading.events.push(['message', data.toString('hex'), isBinary]));
  receiver.on('ping', (data: Buffer) => reading.events.push(['ping', data.toString('hex')]));
  receiver.on('pong', (data: Buffer) => reading.events.push(['pong', data.toString('hex')]));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    closed = true;
    reading.events.push(['close', code, reason.toString()]);
  });
  receiver.on('error', (error: Error & Record<symbol, number>) => {
    if (reading.refusedWith === 0) reading.refusedWith = error[kStatusCode] ?? -1;
  });
  for (const chunk of chunks) {
    // ws would go on parsing after a close frame if fed more; a connection stops reading there.
    if (reading.refusedWith !== 0 || closed) break;
    receiver.write(Buffer.from(chunk));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  return reading;
}

function assertVerdict(core: FrameRecorder, ws: Reading, limit: number): void {
  const detail = `core ${core.lastErrorCloseCode} ${JSON.stringify(core.events)} / ws ${ws.refusedWith} ${JSON.stringify(ws.events)}`;
  assert.ok(core.maxBuffered <= limit + MAX_CONTROL_PAYLOAD, `buffered ${core.maxBuffered} with a limit of ${limit}`);
  assert.ok(core.maxRetained <= limit + MAX_CONTROL_PAYLOAD, `retained ${core.maxRetained} with a limit of ${limit}`);
  if (ws.refusedWith !== 0) {
    assert.notEqual(core.lastErrorCloseCode, 0, `ws refused, the core did not: ${detail}`);
    if (core.lastErrorCloseCode !== 1007) assert.equal(core.lastErrorCloseCode, ws.refusedWith, detail);
  } else if (core.lastErrorCloseCode !== 0) {
    assert.equal(core.lastErrorCloseCode, 1007, `the core refused alone: ${detail}`);
  } else {
    assert.deepEqual(core.events, ws.events);
  }
}

async function check(stream: Buffer, splits: number[], role: Role, limit: number): Promise<void> {
  const chunks = splitAt(stream, splits);
  assertVerdict(decodeChunks(role, chunks, limit), await readWithWs(chunks, role, limit), limit);
}

// --- a small frame writer of the test's own, so mutations start from known-valid streams ------

interface FrameSpec {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  maskKey: Buffer;
}

function writeFrame(frame: FrameSpec, masked: boolean): Buffer {
  const length = frame.payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = (frame.fin ? 0x80 : 0) | frame.opcode;
  head[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  if (lengthBytes === 8) head.writeUInt32BE(length, 6);
  const payload = Buffer.from(frame.payload);
  if (masked) {
    frame.maskKey.copy(head, 2 + lengthBytes);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= frame.maskKey[i & 3]!;
  }
  return Buffer.concat([head, payload]);
}

const maskKeyArb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a));
const textArb = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s));
const binaryArb = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

/** A valid message: one frame, or fragments (with an optional ping between the first two). */
const messageFramesArb: fc.Arbitrary<Omit<FrameSpec, 'maskKey'>[]> = fc
  .record({ binary: fc.boolean(), text: textArb, bytes: binaryArb, cuts: fc.array(fc.nat(), { maxLength: 3 }), ping: fc.option(fc.uint8Array({ maxLength: 125 })) })
  .map(({ binary, text, bytes, cuts, ping }) => {
    const payload = binary ? bytes : text;
    const points = [...new Set(cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...points, payload.length];
    const frames: Omit<FrameSpec, 'maskKey'>[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      frames.push({ fin: i + 2 === bounds.length, opcode: i === 0 ? (binary ? 2 : 1) : 0, payload: payload.subarray(bounds[i]!, bounds[i + 1]!) });
      if (i === 0 && ping !== null) frames.push({ fin: true, opcode: 0x9, payload: Buffer.from(ping) });
    }
    return frames;
  });

const closeFrameArb: fc.Arbitrary<Omit<FrameSpec, 'maskKey'>> = fc
  .tuple(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1011, 3000, 4401, 4999), fc.string({ maxLength: 20 }))
  .map(([code, reason]) => {
    const r = Buffer.from(reason).subarray(0, 123);
    const payload = Buffer.alloc(2 + r.length);
    payload.writeUInt16BE(code, 0);
    r.copy(payload, 2);
    return { fin: true, opcode: 0x8, payload };
  });

const validStreamArb = fc
  .record({
    messages: fc.array(messageFramesArb, { minLength: 1, maxLength: 4 }),
    pong: fc.option(fc.uint8Array({ maxLength: 20 })),
    close: fc.option(closeFrameArb),
    masks: fc.array(maskKeyArb, { minLength: 1, maxLength: 4 }),
  })
  .map(({ messages, pong, close, masks }) => {
    const frames = messages.flat();
    if (pong !== null) frames.push({ fin: true, opcode: 0xa, payload: Buffer.from(pong) });
    if (close !== null) frames.push(close);
    return frames.map((f, i) => ({ ...f, maskKey: masks[i % masks.length]! }));
  });

type Mutation =
  | { kind: 'xor'; at: number; value: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('xor' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(stream: Buffer, mutation: Mutation): Buffer {
  if (stream.length === 0) return stream;
  const at = mutation.at % stream.length;
  switch (mutation.kind) {
    case 'xor':
    case 'set': {
      const copy = Buffer.from(stream);
      copy[at] = mutation.kind === 'xor' ? copy[at]! ^ mutation.value : mutation.value;
      return copy;
    }
    case 'insert':
      return Buffer.concat([stream.subarray(0, at), Buffer.from(mutation.bytes), stream.subarray(at)]);
    case 'delete':
      return Buffer.concat([stream.subarray(0, at), stream.subarray(at + mutation.length)]);
    case 'duplicate':
      return Buffer.concat([stream.subarray(0, at + mutation.length), stream.subarray(at)]);
    case 'truncate':
      return stream.subarray(0, at);
  }
}

const roleArb = fc.constantFrom<Role>('client', 'server');
const splitsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
const limitArb = fc.constantFrom(16, 64, 125, 300, 1024);

describe('FrameDecoder fuzzing (fast-check, verdicts against ws Receiver)', () => {
  test('uniformly random bytes, both roles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), roleArb, splitsArb, limitArb, async (bytes, role, splits, limit) => {
        await check(Buffer.from(bytes), splits, role, limit);
      }),
      { numRuns: 5000 },
    );
  });

  test('random frame headers: any bits, every length form, lengths near the limit and up to 2^64 - 1', async () => {
    const lengthArb = fc.oneof(
      fc.integer({ min: 0, max: 125 }).map((n) => ({ code: n, extended: Buffer.alloc(0), payload: n })),
      fc.integer({ min: 0, max: 2000 }).map((n) => {
        const extended = Buffer.alloc(2);
        extended.writeUInt16BE(n);
        return { code: 126, extended, payload: n };
      }),
      fc.tuple(fc.constantFrom(0, 1, 0x1fffff, 0x200000, 0x7fffffff, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 2000 })).map(([high, low]) => {
        const extended = Buffer.alloc(8);
        extended.writeUInt32BE(high, 0);
        extended.writeUInt32BE(low, 4);
        return { code: 127, extended, payload: high === 0 ? low : 50 };
      }),
    );
    const frameArb = fc
      .record({ b0: fc.integer({ min: 0, max: 255 }), mask: fc.boolean(), length: lengthArb, maskKey: maskKeyArb, seed: fc.integer({ min: 0, max: 255 }) })
      .map(({ b0, mask, length, maskKey, seed }) => {
        const payload = Buffer.alloc(Math.min(length.payload, 2100), seed);
        return Buffer.concat([Buffer.from([b0, (mask ? 0x80 : 0) | length.code]), length.extended, mask ? maskKey : Buffer.alloc(0), payload]);
      });
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 4 }), roleArb, splitsArb, limitArb, async (frames, role, splits, limit) => {
        await check(Buffer.concat(frames), splits, role, limit);
      }),
      { numRuns: 4000 },
    );
  });

  test('valid streams with random mutations, both roles', async () => {
    await fc.assert(
      fc.asyncProperty(
        validStreamArb,
        roleArb,
        fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
        splitsArb,
        limitArb,
        async (frames, role, mutations, splits, limit) => {
          // The receiving server expects masked frames; a receiving client unmasked ones.
          let stream: Buffer = Buffer.concat(frames.map((f) => writeFrame(f, role === 'server')));
          for (const m of mutations) stream = mutate(stream, m);
          await check(stream, splits, role, limit);
        },
      ),
      { numRuns: 6000 },
    );
  });

  test('messages at the limit, one under and one over, whole or fragmented, split anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1, max: 1 }),
        fc.integer({ min: 1, max: 5 }),
        roleArb,
        splitsArb,
        maskKeyArb,
        async (delta, fragments, role, splits, maskKey) => {
          const limit = 4096;
          const payload = Buffer.alloc(limit + delta, 0x61);
          const step = Math.ceil(payload.length / fragments);
          const parts: Buffer[] = [];
          for (let i = 0, start = 0; start < payload.length || i === 0; i++, start += step) {
            const end = Math.min(payload.length, start + step);
            parts.push(writeFrame({ fin: end === payload.length, opcode: i === 0 ? 1 : 0, payload: payload.subarray(start, end), maskKey }, role === 'server'));
            if (i === 0) parts.push(writeFrame({ fin: true, opcode: 0x9, payload: Buffer.alloc(125, 1), maskKey }, role === 'server'));
          }
          const chunks = splitAt(Buffer.concat(parts), splits);
          const core = decodeChunks(role, chunks, limit);
          const ws = await readWithWs(chunks, role, limit);
          assertVerdict(core, ws, limit);
          assert.equal(core.lastErrorCloseCode, delta > 0 ? 1009 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the documented difference: invalid UTF-8 in an unfinished fragmented text message', async () => {
    // First fragment holds a lone continuation byte; the message never finishes.
    const stream = Buffer.from([0x01, 0x02, 0x61, 0x80]);
    const core = decodeChunks('client', [stream], 1024);
    const ws = await readWithWs([stream], 'client', 1024);
    assert.equal(core.lastErrorCloseCode, 1007, 'the core refuses at the fragment');
    assert.equal(ws.refusedWith, 0, 'ws waits for the whole message');
    assertVerdict(core, ws, 1024);
  });
});
