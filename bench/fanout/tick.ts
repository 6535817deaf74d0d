// The message WSE's fan-out benchmark server publishes (WSE-PROTOCOL.md, "Server push"):
//   {"c":"U","t":"fanout_tick","p":{"seq":<n>,"ts_us":<µs since the epoch>,"s":"ES","px":5234.75,"q":2}}
// built here a batch at a time by the embedded server's publisher (padded to a payload size with a
// "data" string in p, and with "w":<worker> when several server workers publish a stream each),
// and read back by the fanout test from its bytes without decoding (readTick).
import type { BroadcastBatch } from '../../adapters/server/transport.js';
import { Opcode } from '../../core/constants.js';
import { frameHeaderSize, writeFrameHeader } from '../../core/frame-encoder.js';

const HEAD = '{"c":"U","t":"fanout_tick","p":{"seq":';
const AFTER_SEQ = ',"ts_us":';
const BODY = ',"s":"ES","px":5234.75,"q":2';
const STREAM_KEY = ',"w":';
/** `,"data":""`: what padding adds beyond its x's. */
const PADDING_OVERHEAD = 10;
const PADDING = 'x'.repeat(1024 * 1024);

/** performance.now() ms + this = epoch ms, anchored where Date.now() ticked (calibrateEpoch). */
let epochOffsetMs: number | undefined;

/**
 * Epoch µs that the publisher and the subscribers, in separate processes on one machine, agree on
 * to a few µs: performance.now() anchored to the instant the wall clock's millisecond changes.
 * performance.timeOrigin alone is not that: measured under Node 22, timeOrigin + now() was 0.9 ms
 * behind Date.now(), so messages arrived "before" they were sent by the other process's clock.
 */
export function epochMicros(): number {
  return (performance.now() + (epochOffsetMs ??= calibrateEpoch())) * 1000;
}

/** Clock ticks calibrateEpoch watches: a thread descheduled between the two readings makes the offset too small, never too large. */
const CALIBRATION_TICKS = 4;

/**
 * Waits (once per process, a few ms) for Date.now() to tick and takes performance.now() there,
 * CALIBRATION_TICKS times, keeping the largest offset: on a loaded machine a single reading was
 * ms off (messages then seemed to arrive before they were sent).
 */
function calibrateEpoch(): number {
  let offset = Number.NEGATIVE_INFINITY;
  for (let tick = 0; tick < CALIBRATION_TICKS; tick++) {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    offset = Math.max(offset, now - performance.now());
  }
  return offset;
}

/**
 * One tick, padded with `"data":"x…"` to `payloadBytes` where that fits; smaller sizes get the bare
 * message (its length grows with seq's digits). `stream` 0 adds no "w" (WSE's exact shape).
 */
export function tickText(seq: number, tsMicros: number, stream: number, payloadBytes: number): string {
  const core = `${HEAD}${seq}${AFTER_SEQ}${Math.trunc(tsMicros)}${BODY}${stream > 0 ? `${STREAM_KEY}${stream}` : ''}`;
  const padding = payloadBytes - core.length - 2 - PADDING_OVERHEAD;
  return padding >= 0 ? `${core},"data":"${PADDING.slice(0, padding)}"}}` : `${core}}}`;
}

/** A batch of ticks with the bytes sent counted per prefix, for the publisher's accounting. */
export interface TickBatch extends BroadcastBatch {
  /** Payload bytes of messages 0…i together (the marker's included). */
  readonly payloadEnds: readonly number[];
}

/**
 * `count` ticks from `firstSeq`, all stamped `tsMicros` (published together), encoded once: the
 * strings, and the server frames back to back in one buffer with a view of each payload; then
 * `marker` (ASCII), when given, as a last message that goes only with the whole batch.
 */
export function buildTickBatch(firstSeq: number, count: number, tsMicros: number, stream: number, payloadBytes: number, marker?: string): TickBatch {
  const texts: string[] = [];
  let total = 0;
  for (let i = 0; i <= count; i++) {
    const text = i < count ? tickText(firstSeq + i, tsMicros, stream, payloadBytes) : marker;
    if (text === undefined) break;
    texts.push(text);
    total += frameHeaderSize(text.length, false) + text.length;
  }
  // Not from Buffer's shared pool: sockets may hold this buffer until the kernel takes it.
  const frames = Buffer.allocUnsafeSlow(total);
  const payloads: Buffer[] = [];
  const frameEnds: number[] = [];
  const payloadEnds: number[] = [];
  let at = 0;
  let payloadTotal = 0;
  for (const text of texts) {
    // ASCII only: latin1 writes the same bytes as utf8, faster
    const start = writeFrameHeader(frames, at, Opcode.Text, true, text.length, false);
    frames.write(text, start, text.length, 'latin1');
    payloads.push(frames.subarray(start, start + text.length));
    at = start + text.length;
    frameEnds.push(at);
    payloadTotal += text.length;
    payloadEnds.push(payloadTotal);
  }
  return { count, texts, payloads, frames, frameEnds, payloadEnds };
}

/** Where one read tick's fields go: one object per receiver, reused for every message. */
export class TickFields {
  seq = 0;
  tsMicros = 0;
  /** The publishing server worker ("w"), 0 without one; read only when asked (readTickStream). */
  stream = 0;
}

const HEAD_BYTES = Buffer.from(HEAD, 'latin1');
const AFTER_SEQ_BYTES = Buffer.from(AFTER_SEQ, 'latin1');
/** The type as a quoted value: found whatever the spacing around its key. */
const TYPE_NEEDLE = '"fanout_tick"';
const SEQ_NEEDLE = '"seq":';
const TS_NEEDLE = '"ts_us":';
const STREAM_NEEDLE = '"w":';
const TYPE_BYTES = Buffer.from(TYPE_NEEDLE, 'latin1');
const SEQ_BYTES = Buffer.from(SEQ_NEEDLE, 'latin1');
const TS_BYTES = Buffer.from(TS_NEEDLE, 'latin1');
const STREAM_BYTES = Buffer.from(STREAM_NEEDLE, 'latin1');
const ZERO = 0x30;
const NINE = 0x39;

/** Whether `data` holds `needle` at `at` (bytes). */
function bytesAt(data: Buffer, at: number, needle: Buffer): boolean {
  if (at + needle.length > data.length) return false;
  for (let i = 0; i < needle.length; i++) if (data[at + i] !== needle[i]) return false;
  return true;
}

/**
 * Where a number's digits read by digitsAt ended, and its value. A field, not a return value: a
 * 16-digit ts_us returned from a call is a fresh heap number each time; stored here it is not.
 */
class Scan {
  at = 0;
  value = 0.5;
}
const scan = new Scan();

/** Reads the whole number whose digits start at `at` into `scan`; false when there is none. */
function digitsAt(data: Buffer | string, at: number): boolean {
  let n = 0;
  let i = at;
  if (typeof data === 'string') {
    for (let c = data.charCodeAt(i); c >= ZERO && c <= NINE; c = data.charCodeAt(++i)) n = n * 10 + (c - ZERO);
  } else {
    const end = data.length;
    for (; i < end; i++) {
      const c = data[i]!;
      if (c < ZERO || c > NINE) break;
      n = n * 10 + (c - ZERO);
    }
  }
  scan.at = i;
  scan.value = n;
  return i !== at;
}

/**
 * Reads seq and ts_us of a fanout_tick from its JSON bytes (or string) into `out`; false for any
 * other message. The embedded server's key order is read at fixed offsets; another order (or
 * spacing) is found by searching for the keys. Allocates nothing.
 */
export function readTick(data: Buffer | string, out: TickFields): boolean {
  const isText = typeof data === 'string';
  if (isText ? data.startsWith(HEAD) : bytesAt(data, 0, HEAD_BYTES)) {
    if (digitsAt(data, HEAD.length)) {
      const seq = scan.value;
      if ((isText ? data.startsWith(AFTER_SEQ, scan.at) : bytesAt(data, scan.at, AFTER_SEQ_BYTES)) && digitsAt(data, scan.at + AFTER_SEQ.length)) {
        out.seq = seq;
        out.tsMicros = scan.value;
        return true;
      }
    }
  }
  if (typeof data === 'string' ? data.indexOf(TYPE_NEEDLE) === -1 : data.indexOf(TYPE_BYTES) === -1) return false;
  if (!numberAfter(data, SEQ_NEEDLE, SEQ_BYTES)) return false;
  const seq = scan.value;
  if (!numberAfter(data, TS_NEEDLE, TS_BYTES)) return false;
  out.seq = seq;
  out.tsMicros = scan.value;
  return true;
}

/** The publishing worker ("w") of a tick, 0 when it names none. */
export function readTickStream(data: Buffer | string): number {
  return numberAfter(data, STREAM_NEEDLE, STREAM_BYTES) ? scan.value : 0;
}

/** Reads the number after `needle` into `scan`; false when there is none. */
function numberAfter(data: Buffer | string, needle: string, needleBytes: Buffer): boolean {
  const at = typeof data === 'string' ? data.indexOf(needle) : data.indexOf(needleBytes);
  if (at === -1) return false;
  let from = at + needle.length;
  // JSON allows spaces after the colon
  while ((typeof data === 'string' ? data.charCodeAt(from) : data[from]) === 0x20) from++;
  return digitsAt(data, from);
}
