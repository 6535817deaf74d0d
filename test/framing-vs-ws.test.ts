// Property tests with ws as the independent reference: frames our encoder writes are read the
// same by ws's Receiver, frames ws's Sender writes are read the same by our FrameDecoder, and
// corrupted streams are refused by both or by neither. Random payloads 0…200 KB (125, 126,
// 65535 and 65536 bytes included explicitly), text and binary, fragments, random chunk splits.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { FrameEncoder } from '../core/frame-encoder.js';
import { Opcode } from '../core/constants.js';
import type { Role } from '../core/constants.js';
import { decodeChunks, splitAt, type FrameEvent, type FrameRecorder } from './fixtures/frame-recorder.js';

// ws's Receiver and Sender are loaded from their files: @types/ws does not declare them, and Bun
// replaces the bare 'ws' module with its own shim whose Receiver/Sender throw.
interface WsReceiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
type WsReceiverClass = new (options: { isServer: boolean; maxPayload: number; binaryType: 'nodebuffer' }) => WsReceiver;
interface WsSenderClass {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
}
const requireWs = createRequire(import.meta.url);
const wsLib = join(process.cwd(), 'node_modules/ws/lib');
const Receiver = requireWs(join(wsLib, 'receiver.js')) as WsReceiverClass;
const Sender = requireWs(join(wsLib, 'sender.js')) as WsSenderClass;

const MAX = 1024 * 1024;

/** ws's readings carry no error code: its refusal is ['error']. */
type Event = FrameEvent | ['error'];

interface Message {
  binary: boolean;
  payload: Buffer;
  /** Cut points inside the payload where a new fragment starts. */
  cuts: number[];
  /** A ping between fragments (after the first fragment) or before the message. */
  ping: Buffer | null;
}

/** Deterministic pseudo-random bytes: fast-check picks only the length and a seed. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const lengthArb = fc.oneof(
  fc.constantFrom(0, 1, 125, 126, 127, 65535, 65536, 200_000),
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 200_000 }),
);
const textArb = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 60 }), fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3000 })))
  .map(([s, repeat]) => Buffer.from(s.repeat(repeat)).subarray(0, 200_000))
  // Cutting a long string may split a character: trim back to valid UTF-8.
  .map((b) => Buffer.from(b.toString('utf8').replace(/\ufffd$/u, '')));

const messageArb: fc.Arbitrary<Message> = fc
  .record({
    binary: fc.boolean(),
    binaryPayload: fc.tuple(lengthArb, fc.integer()).map(([length, seed]) => bytes(length, seed)),
    textPayload: textArb,
    cutFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    ping: fc.option(fc.tuple(fc.integer({ min: 0, max: 125 }), fc.integer()).map(([l, s]) => bytes(l, s))),
  })
  .map(({ binary, binaryPayload, textPayload, cutFractions, ping }) => {
    const payload = binary ? binaryPayload : textPayload;
    const cuts = cutFractions.map((f) => Math.floor(f * payload.length)).sort((a, b) => a - b);
    return { binary, payload, cuts, ping };
  });

const streamArb = fc.record({
  messages: fc.array(messageArb, { minLength: 1, maxLength: 3 }),
  close: fc.option(fc.tuple(fc.constantFrom(1000, 1001, 1011, 3000, 4999), fc.string({ maxLength: 30 }))),
  splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
  serverSends: fc.boolean(),
});

function fragmentsOf(m: Message): Buffer[] {
  const points = [0, ...m.cuts, m.payload.length];
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < points.length; i++) parts.push(m.payload.subarray(points[i]!, points[i + 1]!));
  return parts;
}

/** The events any correct reader must report for this stream. */
function expectedEvents(messages: Message[], close: [number, string] | null): Event[] {
  const events: Event[] = [];
  for (const m of messages) {
    const message: Event = ['message', m.payload.toString('hex'), m.binary];
    const ping: Event[] = m.ping ? [['ping', m.ping.toString('hex')]] : [];
    // The ping follows the first frame: inside a fragmented message, after a whole one.
    if (fragmentsOf(m).length > 1) events.push(...ping, message);
    else events.push(message, ...ping);
  }
  if (close) events.push(['close', close[0], close[1]]);
  return events;
}

/** Frames of the stream as a list: [opcode, payload, fin] in wire order. */
function frameList(messages: Message[]): [number, Buffer, boolean][] {
  const frames: [number, Buffer, boolean][] = [];
  for (const m of messages) {
    const parts = fragmentsOf(m);
    parts.forEach((part, i) => {
      frames.push([i === 0 ? (m.binary ? Opcode.Binary : Opcode.Text) : Opcode.Continuation, part, i === parts.length - 1]);
      // The ping goes after the first fragment: inside the message when it is fragmented.
      if (i === 0 && m.ping) frames.push([Opcode.Ping, m.ping, true]);
    });
  }
  return frames;
}

async function readWithWs(chunks: Buffer[], receiverRole: Role, maxPayload = MAX): Promise<Event[]> {
  const events: Event[] = [];
  const receiver = new Receiver({ isServer: receiverRole === 'server', maxPayload, binaryType: 'nodebuffer' });
  let failed = false;
  receiver.on('message', (data: Buffer, isBinary: boolean) => events.push(['message', data.toString('hex'), isBinary]));
  receiver.on('ping', (data: Buffer) => events.push(['ping', data.toString('hex')]));
  receiver.on('pong', (data: Buffer) => events.push(['pong', data.toString('hex')]));
  receiver.on('conclude', (code: number, reason: Buffer) => events.push(['close', code, reason.toString()]));
  receiver.on('error', () => {
    if (!failed) events.push(['error']);
    failed = true;
  });
  for (const chunk of chunks) {
    if (failed || events.some((e) => e[0] === 'close')) break;
    receiver.write(chunk);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  return events;
}

/**
 * ws refuses ⇒ the core refuses; the core refuses alone only with 1007 (it checks each text
 * fragment as it arrives, ws the whole message); neither refuses ⇒ the same events.
 */
function assertSameVerdict(core: FrameRecorder, theirs: Event[]): void {
  const ours: Event[] = core.events;
  const refused = (events: Event[]): boolean => events.some((e) => e[0] === 'error');
  const detail = `ours ${JSON.stringify(ours)} ws ${JSON.stringify(theirs)}`;
  if (refused(theirs)) assert.ok(refused(ours), detail);
  else if (refused(ours)) assert.equal(core.lastErrorCloseCode, 1007, detail);
  else assert.deepEqual(ours, theirs);
}

/** Between pushes the decoder holds at most one message under the limit plus a partial header. */
const MAX_HEADER = 14;

function encodeWithCore(messages: Message[], close: [number, string] | null, senderRole: Role): Buffer {
  const encoder = new FrameEncoder(senderRole);
  const frames = frameList(messages).map(([opcode, payload, fin]) =>
    // Text goes in as a string half the time, to exercise the string path.
    opcode === Opcode.Text && fin && payload.length % 2 === 0
      ? encoder.encode(opcode, payload.toString('utf8'), fin)
      : encoder.encode(opcode as Opcode, payload, fin),
  );
  if (close) frames.push(encoder.encodeClose(close[0], close[1]));
  // Copy: the encoder hands out slab regions that later frames must not disturb.
  return Buffer.concat(frames);
}

function encodeWithWs(messages: Message[], close: [number, string] | null, senderRole: Role): Buffer {
  const mask = senderRole === 'client';
  const parts: Buffer[] = [];
  for (const [opcode, payload, fin] of frameList(messages)) {
    parts.push(...Sender.frame(Buffer.from(payload), { fin, opcode, mask, readOnly: false, rsv1: false }));
  }
  if (close) {
    const reason = Buffer.from(close[1]);
    const payload = Buffer.allocUnsafe(2 + reason.length);
    payload.writeUInt16BE(close[0], 0);
    reason.copy(payload, 2);
    parts.push(...Sender.frame(payload, { fin: true, opcode: Opcode.Close, mask, readOnly: false, rsv1: false }));
  }
  return Buffer.concat(parts);
}

const receiverOf = (senderRole: Role): Role => (senderRole === 'client' ? 'server' : 'client');

describe('framing vs ws', () => {
  test('frames encoded by the core are read identically by ws Receiver', async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async ({ messages, close, splits, serverSends }) => {
        const sender: Role = serverSends ? 'server' : 'client';
        const stream = encodeWithCore(messages, close, sender);
        const events = await readWithWs(splitAt(stream, splits), receiverOf(sender));
        assert.deepEqual(events, expectedEvents(messages, close));
      }),
      { numRuns: 150 },
    );
  });

  test('frames encoded by ws Sender are read identically by the core decoder', () => {
    fc.assert(
      fc.property(streamArb, ({ messages, close, splits, serverSends }) => {
        const sender: Role = serverSends ? 'server' : 'client';
        const stream = encodeWithWs(messages, close, sender);
        assert.deepEqual(decodeChunks(receiverOf(sender), splitAt(stream, splits), MAX).events, expectedEvents(messages, close));
      }),
      { numRuns: 200 },
    );
  });

  test('encodeRepeated frames are read by ws as count separate messages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(lengthArb, fc.integer()).map(([l, s]) => bytes(Math.min(l, 70_000), s)),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        async (payload, count, serverSends) => {
          const sender: Role = serverSends ? 'server' : 'client';
          const stream = new FrameEncoder(sender).encodeRepeated(Opcode.Binary, payload, count);
          const events = await readWithWs([stream], receiverOf(sender));
          assert.equal(events.length, count);
          for (const e of events) assert.deepEqual(e, ['message', payload.toString('hex'), true]);
        },
      ),
      { numRuns: 30 },
    );
  });

  // ws checks UTF-8 once the whole message is in; we check each fragment as it arrives. So the
  // core may refuse a stream (with 1007) that ws is still waiting on, but never the other way.
  test('a corrupted stream: whatever ws refuses the core refuses; otherwise both read the same', async () => {
    const smallMessage = fc
      .record({ binary: fc.boolean(), payload: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), cut: fc.option(fc.nat()) })
      .map(({ binary, payload, cut }): Message => {
        const valid = binary ? payload : Buffer.from(payload.toString('latin1'));
        return { binary, payload: valid, cuts: cut === null ? [] : [cut % (valid.length + 1)], ping: null };
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(smallMessage, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        async (messages, flips, serverSends, splits) => {
          const sender: Role = serverSends ? 'server' : 'client';
          const stream = encodeWithCore(messages, null, sender);
          for (const [at, xor] of flips) stream[at % stream.length]! ^= xor;
          const chunks = splitAt(stream, splits);
          const core = decodeChunks(receiverOf(sender), chunks, 64);
          assert.ok(core.maxBuffered <= 64 + MAX_HEADER, `buffered ${core.maxBuffered}`);
          assertSameVerdict(core, await readWithWs(chunks, receiverOf(sender), 64));
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('random bytes, both roles: no throw outside onError, bounded buffering, verdict as ws', async () => {
    // Bytes biased towards plausible headers so that frames, not just garbage, get through.
    const headerByte = fc.constantFrom(0x81, 0x82, 0x01, 0x00, 0x80, 0x88, 0x89, 0x8a, 0xc1, 0x83);
    const lengthByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x7e, 0x7f, 0xfe, 0xff, 0x05, 0x85));
    const piece = fc.oneof(
      fc.tuple(headerByte, lengthByte, fc.uint8Array({ maxLength: 12 })).map(([a, b, rest]) => Buffer.from([a, b, ...rest])),
      fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 6 }),
        fc.constantFrom<Role>('client', 'server'),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        async (pieces, role, splits) => {
          const chunks = splitAt(Buffer.concat(pieces), splits);
          const core = decodeChunks(role, chunks, 100);
          assert.ok(core.maxBuffered <= 100 + MAX_HEADER, `buffered ${core.maxBuffered}`);
          assertSameVerdict(core, await readWithWs(chunks, role, 100));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
