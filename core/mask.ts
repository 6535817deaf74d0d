// Masking keys and the XOR mask of RFC 6455 §5.3. Keys come from a pooled random buffer so a
// client sending many small frames does not pay one randomFillSync syscall per frame.
import { randomFillSync } from 'node:crypto';

const MASK_POOL_SIZE = 16 * 1024;

/** Hands out fresh 4-byte masking keys from a 16 KiB pool refilled once it is used up. */
export class MaskPool {
  private readonly pool = Buffer.allocUnsafe(MASK_POOL_SIZE);
  private offset = MASK_POOL_SIZE;

  /** Writes the next 4 random key bytes into `target` at `at` (a frame header, usually). */
  writeKey(target: Buffer, at: number): void {
    if (this.offset + 4 > MASK_POOL_SIZE) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const pool = this.pool;
    const o = this.offset;
    target[at] = pool[o]!;
    target[at + 1] = pool[o + 1]!;
    target[at + 2] = pool[o + 2]!;
    target[at + 3] = pool[o + 3]!;
    this.offset = o + 4;
  }
}

/** One pool for the process: keys are only required to be unpredictable, not per-connection. */
export const sharedMaskPool = new MaskPool();

// The key rotated to the current phase, read as one native-endian word: data words are read
// with the same byte order, so the XOR is right on any platform.
const rotatedKey = new Uint8Array(4);
const rotatedKeyWord = new Uint32Array(rotatedKey.buffer);

// One word view over the whole ArrayBuffer masked last: the frames of a burst (and of the frame
// slab) share one ArrayBuffer, so masking them makes no view per frame. Only the last buffer is
// held on to.
let viewBuffer: ArrayBufferLike | undefined;
let viewWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function wordsOf(buffer: ArrayBufferLike): Uint32Array<ArrayBufferLike> {
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    viewWords = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return viewWords;
}

/** Below this many bytes the word loop's setup costs more than it saves. */
const WORD_LOOP_MIN = 32;

/**
 * XORs `length` bytes of `data` from `start` in place with the 4-byte key at `mask[maskAt..]`.
 * `keyPhase` is how many payload bytes came before `start` (the key rotates over the payload),
 * so a payload that arrives in pieces can be unmasked piece by piece.
 */
export function applyMask(
  data: Buffer,
  mask: Uint8Array,
  maskAt: number,
  start: number,
  length: number,
  keyPhase = 0,
): void {
  const end = start + length;
  let i = start;
  let phase = keyPhase & 3;
  if (length >= WORD_LOOP_MIN) {
    // Bytes up to a 4-byte aligned address, then whole aligned words.
    for (let lead = (4 - ((data.byteOffset + i) & 3)) & 3; lead > 0; lead--, i++) {
      data[i]! ^= mask[maskAt + phase]!;
      phase = (phase + 1) & 3;
    }
    rotatedKey[0] = mask[maskAt + phase]!;
    rotatedKey[1] = mask[maskAt + ((phase + 1) & 3)]!;
    rotatedKey[2] = mask[maskAt + ((phase + 2) & 3)]!;
    rotatedKey[3] = mask[maskAt + ((phase + 3) & 3)]!;
    const key = rotatedKeyWord[0]!;
    const words = wordsOf(data.buffer);
    const first = (data.byteOffset + i) >>> 2; // i is 4-byte aligned here
    const count = (end - i) >>> 2;
    for (let w = first, last = first + count; w < last; w++) words[w]! ^= key;
    i += count * 4; // whole words: the phase is unchanged
  }
  for (; i < end; i++) {
    data[i]! ^= mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
}
