// The XOR mask of RFC 6455 §5.3, word-wise where the runtime makes that fast. The masking keys
// themselves come from core/random-pool.ts.
import { isBun } from './runtime.js';

// The key rotated to the current phase, read as one native-endian word: data words are read
// with the same byte order, so the XOR is right on any platform. Int32, not Uint32: XOR yields an
// int32, and loading uint32 words makes V8 box the ones over 2^31.
const rotatedKey = new Uint8Array(4);
const rotatedKeyWord = new Int32Array(rotatedKey.buffer);

// One word view over the whole ArrayBuffer masked last: the frames of a burst (and of the frame
// slab) share one ArrayBuffer, so masking them makes no view per frame. Only the last buffer is
// held on to.
let viewBuffer: ArrayBufferLike | undefined;
let viewWords: Int32Array<ArrayBufferLike> = new Int32Array(0);
// The Buffer masked last: frames unmasked in place in one read chunk skip even the .buffer lookup.
let viewOwner: Uint8Array | undefined;

function wordsOf(data: Uint8Array): Int32Array<ArrayBufferLike> {
  if (data === viewOwner) return viewWords;
  viewOwner = data;
  const buffer = data.buffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    viewWords = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return viewWords;
}

/**
 * XORs `count` words from `first` with `key`, four per iteration: measured 1.5–3× faster than one
 * per iteration on 64 KB under Node 20, Node 22 and Bun when this loop was written (that
 * micro-benchmark was not kept in the repository).
 */
function xorWords(words: Int32Array<ArrayBufferLike>, first: number, count: number, key: number): void {
  const last = first + count;
  const lastQuad = first + (count & ~3);
  let w = first;
  for (; w < lastQuad; w += 4) {
    words[w] ^= key;
    words[w + 1] ^= key;
    words[w + 2] ^= key;
    words[w + 3] ^= key;
  }
  for (; w < last; w++) words[w] ^= key;
}

// 64-bit words for long payloads where they are fast: V8 compiles BigUint64Array XOR without
// allocating (measured 1.4–2.2× the Int32 loop on 64 KB under Node 20 and 22), while Bun
// (JavaScriptCore) allocates a BigInt per element (measured 80× slower), so it keeps Int32 words.
const BIG_WORDS_FAST = !isBun() && typeof BigUint64Array === 'function';
/** From this many bytes the 64-bit loop is used where it is fast. */
const BIG_WORD_LOOP_MIN = 1024;
const rotatedKey64 = new Uint8Array(8);
const rotatedKeyBig = new BigUint64Array(rotatedKey64.buffer);
let bigViewBuffer: ArrayBufferLike | undefined;
let bigViewWords: BigUint64Array<ArrayBufferLike> = new BigUint64Array(0);

function bigWordsOf(data: Uint8Array): BigUint64Array<ArrayBufferLike> {
  const buffer = data.buffer;
  if (buffer !== bigViewBuffer) {
    bigViewBuffer = buffer;
    bigViewWords = new BigUint64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
  }
  return bigViewWords;
}

/**
 * XORs `count` 64-bit words from `first` with `key`, two per iteration. A twin of xorWords, not a
 * generic over both: one loop per element type keeps each call site monomorphic.
 */
function xorBigWords(words: BigUint64Array<ArrayBufferLike>, first: number, count: number, key: bigint): void {
  const last = first + count;
  const lastPair = first + (count & ~1);
  let w = first;
  for (; w < lastPair; w += 2) {
    words[w] ^= key;
    words[w + 1] ^= key;
  }
  if (w < last) words[w] ^= key;
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
  let phase = keyPhase & 3;
  if (BIG_WORDS_FAST && length >= BIG_WORD_LOOP_MIN) {
    // Its own function, so that this one stays small enough to inline into the per-frame loops.
    applyMaskBigWords(data, mask, maskAt, start, length, phase);
    return;
  }
  const end = start + length;
  let i = start;
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
    const count = (end - i) >>> 2;
    // i is 4-byte aligned here
    xorWords(wordsOf(data), (data.byteOffset + i) >>> 2, count, rotatedKeyWord[0]!);
    i += count * 4; // whole words: the phase is unchanged
  }
  for (; i < end; i++) {
    data[i]! ^= mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
}

/** applyMask for long payloads with 64-bit words (only where BIG_WORDS_FAST). */
function applyMaskBigWords(data: Buffer, mask: Uint8Array, maskAt: number, start: number, length: number, keyPhase: number): void {
  const end = start + length;
  let i = start;
  let phase = keyPhase;
  // Bytes up to an 8-byte aligned address, then whole aligned 64-bit words.
  for (let lead = (8 - ((data.byteOffset + i) & 7)) & 7; lead > 0; lead--, i++) {
    data[i]! ^= mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
  for (let b = 0; b < 8; b++) rotatedKey64[b] = mask[maskAt + ((phase + b) & 3)]!;
  const count = Math.floor((end - i) / 8);
  xorBigWords(bigWordsOf(data), (data.byteOffset + i) / 8, count, rotatedKeyBig[0]!);
  i += count * 8; // whole words: the phase is unchanged
  for (; i < end; i++) {
    data[i]! ^= mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
}

// A second pair of cached views, for the source of copyMasked.
let sourceBuffer: ArrayBufferLike | undefined;
let sourceWords: Int32Array<ArrayBufferLike> = new Int32Array(0);
let sourceBigWords: BigUint64Array<ArrayBufferLike> = new BigUint64Array(0);

/** Below this many bytes copyMasked copies, then masks. */
const COPY_MASKED_MIN = 1024;

/**
 * Writes `length` bytes of `src` from `srcAt`, masked with the key at `mask[maskAt..]`, into `dst`
 * at `dstAt`: one pass instead of a copy and a masking pass over the copy. Word-wise when the two
 * addresses share their alignment mod 8 (the caller arranges it), else a copy, then applyMask.
 * `mask` must not overlap the destination payload.
 */
export function copyMasked(src: Buffer, srcAt: number, dst: Buffer, dstAt: number, length: number, mask: Uint8Array, maskAt: number): void {
  const s0 = src.byteOffset + srcAt;
  const d0 = dst.byteOffset + dstAt;
  if (length < COPY_MASKED_MIN || ((s0 - d0) & 7) !== 0) {
    dst.set(src.subarray(srcAt, srcAt + length), dstAt);
    applyMask(dst, mask, maskAt, dstAt, length);
    return;
  }
  let s = srcAt;
  let d = dstAt;
  const end = dstAt + length;
  let phase = 0;
  for (let lead = (8 - (d0 & 7)) & 7; lead > 0; lead--, s++, d++) {
    dst[d] = src[s]! ^ mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
  if (src.buffer !== sourceBuffer) {
    sourceBuffer = src.buffer;
    sourceWords = new Int32Array(src.buffer, 0, src.buffer.byteLength >>> 2);
    sourceBigWords = BIG_WORDS_FAST ? new BigUint64Array(src.buffer, 0, Math.floor(src.buffer.byteLength / 8)) : new BigUint64Array(0);
  }
  const count = Math.floor((end - d) / 8);
  const from = (src.byteOffset + s) / 8;
  const to = (dst.byteOffset + d) / 8;
  if (BIG_WORDS_FAST) {
    for (let b = 0; b < 8; b++) rotatedKey64[b] = mask[maskAt + ((phase + b) & 3)]!;
    copyXorBigWords(sourceBigWords, from, bigWordsOf(dst), to, count, rotatedKeyBig[0]!);
  } else {
    for (let b = 0; b < 4; b++) rotatedKey[b] = mask[maskAt + ((phase + b) & 3)]!;
    copyXorWords(sourceWords, from * 2, wordsOf(dst), to * 2, count * 2, rotatedKeyWord[0]!);
  }
  s += count * 8;
  d += count * 8;
  for (; d < end; s++, d++) {
    dst[d] = src[s]! ^ mask[maskAt + phase]!;
    phase = (phase + 1) & 3;
  }
}

function copyXorBigWords(from: BigUint64Array<ArrayBufferLike>, f: number, to: BigUint64Array<ArrayBufferLike>, t: number, count: number, key: bigint): void {
  for (let i = 0; i < count; i++) to[t + i] = from[f + i]! ^ key;
}

function copyXorWords(from: Int32Array<ArrayBufferLike>, f: number, to: Int32Array<ArrayBufferLike>, t: number, count: number, key: number): void {
  const quads = count & ~3;
  let i = 0;
  for (; i < quads; i += 4) {
    to[t + i] = from[f + i]! ^ key;
    to[t + i + 1] = from[f + i + 1]! ^ key;
    to[t + i + 2] = from[f + i + 2]! ^ key;
    to[t + i + 3] = from[f + i + 3]! ^ key;
  }
  for (; i < count; i++) to[t + i] = from[f + i]! ^ key;
}
