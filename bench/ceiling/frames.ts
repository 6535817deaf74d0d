// The byte pattern the ceiling clients write: many masked client-role WebSocket text frames of the
// trading message, back to back. Built once per process and written unchanged, so the ceiling
// measures plain socket writes and nothing else.
import { Opcode } from '../../core/constants.js';

/** A fixed mask: the ceiling needs a valid byte pattern, not unpredictable masks. */
export const CEILING_MASK: readonly number[] = [0x37, 0xfa, 0x21, 0x3d];

/** Frames per pre-built write buffer: 362 × 181 B ≈ 64 KB, one large write per call. */
export const DEFAULT_FRAMES_PER_WRITE = 362;

/** Wire size of one masked client frame carrying `payloadLength` bytes (RFC 6455 §5.2). */
export function maskedFrameSize(payloadLength: number): number {
  const extended = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + extended + 4 + payloadLength;
}

/** One FIN text frame, client role (MASK bit set, payload XORed with CEILING_MASK). */
function writeMaskedTextFrame(target: Buffer, offset: number, payload: Buffer): number {
  let at = offset;
  target[at++] = 0x80 | Opcode.Text;
  const length = payload.length;
  if (length < 126) {
    target[at++] = 0x80 | length;
  } else if (length <= 0xffff) {
    target[at++] = 0x80 | 126;
    target.writeUInt16BE(length, at);
    at += 2;
  } else {
    target[at++] = 0x80 | 127;
    target.writeUInt32BE(Math.floor(length / 2 ** 32), at);
    target.writeUInt32BE(length >>> 0, at + 4);
    at += 8;
  }
  for (let i = 0; i < 4; i++) target[at + i] = CEILING_MASK[i]!;
  at += 4;
  for (let i = 0; i < length; i++) target[at + i] = payload[i]! ^ CEILING_MASK[i & 3]!;
  return at + length;
}

/** `count` identical masked text frames of `payload`, concatenated into one buffer. */
export function buildMaskedTextFrames(payload: Buffer, count: number): Buffer {
  const frameSize = maskedFrameSize(payload.length);
  const frames = Buffer.allocUnsafe(frameSize * count);
  let offset = 0;
  for (let i = 0; i < count; i++) offset = writeMaskedTextFrame(frames, offset, payload);
  return frames;
}
