// Builds RFC 6455 frames (§5.2). No I/O: every method returns the bytes to write. A client
// masks each frame with a fresh key (§5.3); a server never masks.
import type { Role } from './constants.js';
import { MAX_CONTROL_PAYLOAD, Opcode } from './constants.js';
import { sharedBurstPool } from './burst-pool.js';
import { applyMask, copyMasked } from './mask.js';
import { sharedRandomPool } from './random-pool.js';

const SLAB_SIZE = 64 * 1024;
/** A single repeated frame from this payload size on is copied and masked in one pass. */
const COPY_MASKED_MIN = 1024;
/** Frames up to this size are carved out of a shared slab instead of allocated one by one. */
const SLAB_FRAME_MAX = 4 * 1024;

/**
 * Hands out regions of a large allocUnsafe slab. A region is never handed out twice: when the
 * slab is full a new one is started and the old one lives on only through its views.
 */
class FrameSlab {
  private slab = Buffer.allocUnsafe(SLAB_SIZE);
  private offset = 0;

  alloc(size: number): Buffer {
    if (size > SLAB_FRAME_MAX) return Buffer.allocUnsafe(size);
    if (this.offset + size > SLAB_SIZE) {
      this.slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.offset = 0;
    }
    const start = this.offset;
    // Keep regions 8-byte aligned so word-wise masking stays on aligned addresses.
    this.offset = (start + size + 7) & ~7;
    return this.slab.subarray(start, start + size);
  }
}

const sharedSlab = new FrameSlab();

function isControl(opcode: number): boolean {
  return opcode >= Opcode.Close;
}

/** Header size without the masking key: 2, 4 (16-bit length) or 10 (64-bit length). */
function baseHeaderSize(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Bytes of a frame header (§5.2) for a payload of `payloadLength` bytes, the masking key included when `masked`. */
export function frameHeaderSize(payloadLength: number, masked: boolean): number {
  return baseHeaderSize(payloadLength) + (masked ? 4 : 0);
}

/**
 * Writes FIN, the opcode, the MASK bit and the length fields of a frame header at `out[at]`;
 * returns where the masking key (or, unmasked, the payload) starts.
 */
export function writeFrameHeader(out: Buffer, at: number, opcode: number, fin: boolean, length: number, masked: boolean): number {
  out[at] = (fin ? 0x80 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) {
    out[at + 1] = maskBit | length;
    return at + 2;
  }
  if (length < 65536) {
    out[at + 1] = maskBit | 126;
    out.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  out[at + 1] = maskBit | 127;
  // 64-bit length as high 32 bits and low 32 bits: lengths stay below 2^53.
  out.writeUInt32BE(Math.floor(length / 0x100000000), at + 2);
  out.writeUInt32BE(length >>> 0, at + 6);
  return at + 10;
}

/** Writes the payload at `at`; strings go straight into `out` with no intermediate Buffer. */
function writePayload(out: Buffer, at: number, payload: Buffer | string, length: number): void {
  if (typeof payload !== 'string') {
    payload.copy(out, at);
  } else if (length === payload.length) {
    // Byte length equals character count only for ASCII, where latin1 writes the same bytes faster.
    out.write(payload, at, length, 'latin1');
  } else {
    out.write(payload, at, length, 'utf8');
  }
}

/**
 * Several messages laid end to end in one buffer, as a sender renders them (bench/messages): message
 * i is bytes[ends[i - 1] … ends[i]), the first starting at 0. A batch is read at once and can be
 * refilled as soon as the call that took it returns.
 */
export interface PayloadBatch {
  readonly bytes: Buffer;
  readonly ends: Uint32Array;
  readonly count: number;
}

export class FrameEncoder {
  private readonly masked: boolean;
  // The bytes of the last string encodeRepeated was given: senders repeat one payload, and a
  // 64 KB string costs more to encode than the copy of its cached bytes.
  private repeatedText: string | undefined;
  private repeatedBytes: Buffer = Buffer.alloc(0);
  /** Alignment mod 8 the cached bytes were placed at for copyMasked, or -1 (pooled, any). */
  private repeatedAlign = -1;

  constructor(role: Role) {
    this.masked = role === 'client';
  }

  /** One frame. Control frames must carry at most 125 bytes and FIN (RFC 6455 §5.5). */
  encode(opcode: Opcode, payload: Buffer | string, fin = true): Buffer {
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (isControl(opcode)) checkControl(length, fin);
    const headerSize = frameHeaderSize(length, this.masked);
    const out = sharedSlab.alloc(headerSize + length);
    const at = writeFrameHeader(out, 0, opcode, fin, length, this.masked);
    if (this.masked) {
      sharedRandomPool.writeKey(out, at);
      writePayload(out, at + 4, payload, length);
      applyMask(out, out, at, at + 4, length);
    } else {
      writePayload(out, at, payload, length);
    }
    return out;
  }

  /**
   * `count` complete frames of the same payload in one buffer (the throughput hot path): the
   * payload is encoded once, then the frame is copied by doubling and each copy gets its own key.
   * A result of BURST_POOL_MIN bytes or more comes from sharedBurstPool: give it back once written.
   */
  encodeRepeated(opcode: Opcode, payload: Buffer | string, count: number): Buffer {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`invalid frame count ${count}`);
    if (typeof payload === 'string') payload = this.bytesOfRepeated(payload);
    const length = payload.length;
    if (isControl(opcode)) checkControl(length, true);
    const keyAt = baseHeaderSize(length);
    const frameSize = keyAt + (this.masked ? 4 : 0) + length;
    const total = frameSize * count;
    const out = total <= SLAB_FRAME_MAX ? sharedSlab.alloc(total) : sharedBurstPool.take(total);
    if (count === 0) return out;
    const payloadAt = writeFrameHeader(out, 0, opcode, true, length, this.masked) + (this.masked ? 4 : 0);
    if (this.masked && count === 1 && length >= COPY_MASKED_MIN) {
      // One long frame: copy and mask in one pass, from bytes placed at the same alignment.
      sharedRandomPool.writeKey(out, keyAt);
      const text = this.repeatedText;
      const source = text !== undefined && payload === this.repeatedBytes ? this.alignedRepeated(text, (out.byteOffset + payloadAt) & 7) : payload;
      copyMasked(source, 0, out, payloadAt, length, out, keyAt);
      return out;
    }
    writePayload(out, payloadAt, payload, length);
    // Replicate the unmasked frame: each copy doubles the filled region.
    for (let filled = frameSize; filled < total; filled *= 2) {
      out.copy(out, filled, 0, Math.min(filled, total - filled));
    }
    if (this.masked) {
      for (let frame = 0; frame < total; frame += frameSize) {
        sharedRandomPool.writeKey(out, frame + keyAt);
        applyMask(out, out, frame + keyAt, frame + keyAt + 4, length);
      }
    }
    return out;
  }

  /**
   * One complete frame per message of `batch`, in one buffer: the hot path of senders whose
   * messages differ (sequence numbers, timestamps). Each payload is copied once, masked on the way
   * when masking. Pooled like encodeRepeated's result from BURST_POOL_MIN bytes on.
   */
  encodeBatch(opcode: Opcode, batch: PayloadBatch): Buffer {
    if (isControl(opcode)) throw new RangeError('control frames are not sent in batches');
    const { bytes, ends, count } = batch;
    const keyBytes = this.masked ? 4 : 0;
    let total = 0;
    for (let i = 0, start = 0; i < count; start = ends[i]!, i++) total += baseHeaderSize(ends[i]! - start) + keyBytes + ends[i]! - start;
    const out = total <= SLAB_FRAME_MAX ? sharedSlab.alloc(total) : sharedBurstPool.take(total);
    let at = 0;
    for (let i = 0, start = 0; i < count; start = ends[i]!, i++) {
      const length = ends[i]! - start;
      at = writeFrameHeader(out, at, opcode, true, length, this.masked);
      if (this.masked) {
        sharedRandomPool.writeKey(out, at);
        if (length >= COPY_MASKED_MIN) {
          copyMasked(bytes, start, out, at + 4, length, out, at);
        } else {
          // a short payload: copying it (no view to make) and masking it in place is cheaper
          bytes.copy(out, at + 4, start, start + length);
          applyMask(out, out, at, at + 4, length);
        }
        at += 4 + length;
      } else {
        bytes.copy(out, at, start, start + length);
        at += length;
      }
    }
    return out;
  }

  private bytesOfRepeated(text: string): Buffer {
    if (text !== this.repeatedText) {
      this.repeatedBytes = Buffer.from(text, 'utf8');
      this.repeatedText = text;
      this.repeatedAlign = -1;
    }
    return this.repeatedBytes;
  }

  /** The cached bytes of `text`, moved once to an address ≡ `align` mod 8 (own ArrayBuffer). */
  private alignedRepeated(text: string, align: number): Buffer {
    if (this.repeatedAlign !== align) {
      const length = this.repeatedBytes.length;
      const placed = Buffer.allocUnsafeSlow(length + 8).subarray(align, align + length);
      placed.write(text, 0, length, 'utf8');
      this.repeatedBytes = placed;
      this.repeatedAlign = align;
    }
    return this.repeatedBytes;
  }

  /** A close frame; without a code the payload is empty (RFC 6455 §5.5.1). */
  encodeClose(code?: number, reason = ''): Buffer {
    if (code === undefined) return this.encode(Opcode.Close, Buffer.alloc(0));
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new RangeError(`invalid close code ${code}`);
    const reasonLength = Buffer.byteLength(reason);
    const payload = Buffer.allocUnsafe(2 + reasonLength);
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2, reasonLength, 'utf8');
    return this.encode(Opcode.Close, payload);
  }
}

function checkControl(length: number, fin: boolean): void {
  if (length > MAX_CONTROL_PAYLOAD) throw new RangeError(`control frame payload of ${length} bytes exceeds 125`);
  if (!fin) throw new RangeError('control frames cannot be fragmented');
}
