// The byte pattern the ceiling clients write: many masked client-role WebSocket text frames of the
// trading message, back to back. Built once per process and written unchanged, so the ceiling
// measures plain socket writes and nothing else.
import { Opcode } from '../../core/constants.js';
import { frameHeaderSize, writeFrameHeader } from '../../core/frame-encoder.js';

/** A fixed mask: the ceiling needs a valid byte pattern, not unpredictable masks. */
export const CEILING_MASK: readonly number[] = [0x37, 0xfa, 0x21, 0x3d];

/** Frames per pre-built write buffer: 362 × 181 B ≈ 64 KB, one large write per call. */
export const DEFAULT_FRAMES_PER_WRITE = 362;

/** Wire size of one masked client frame carrying `payloadLength` bytes (RFC 6455 §5.2). */
export function maskedFrameSize(payloadLength: number): number {
  return frameHeaderSize(payloadLength, true) + payloadLength;
}

/** One FIN text frame, client role (MASK bit set, payload XORed with CEILING_MASK). */
function writeMaskedTextFrame(target: Buffer, offset: number, payload: Buffer): number {
  const length = payload.length;
  let at = writeFrameHeader(target, offset, Opcode.Text, true, length, true);
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
