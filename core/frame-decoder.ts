// Parses RFC 6455 frames (§5.2) from a stream of chunks and reports whole messages and control
// frames through a small handler. One state machine that reads each pushed chunk in place: a
// frame that lies in one chunk is handed out as a view of it. Between pushes the decoder keeps
// only a partial header (≤ 14 bytes), the message being assembled (one buffer, grown as its bytes
// arrive) and a partial control frame (≤ 125 bytes), never the chunks themselves: a peer's cost
// in memory is the bytes of its message, whatever number of frames or TCP segments carried them.
import type { Role } from './constants.js';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_MESSAGE_SIZE, MAX_CONTROL_PAYLOAD, Opcode } from './constants.js';
import { frameError, WebSocketProtocolError } from './errors.js';
import type { FrameErrorCode } from './errors.js';
import { applyMask } from './mask.js';
import { MessageAssembly } from './message-assembly.js';
import { isValidUtf8 } from './utf8.js';

/**
 * What the decoder reports. Every payload is valid only during the call that receives it: it is
 * a view of the pushed chunk (unmasked in place) or of a buffer the decoder releases right after.
 * Copy what you keep.
 */
export interface FrameHandler {
  /** A whole reassembled message. */
  onMessage(payload: Buffer, isBinary: boolean): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** 1005 when the close frame had no payload. */
  onClose(code: number, reason: string): void;
  /** After this the decoder ignores all further input. */
  onError(error: WebSocketProtocolError): void;
}

export interface FrameDecoderOptions {
  /** The side that RECEIVES these frames: a server expects masked frames, a client unmasked. */
  role: Role;
  /** Largest reassembled message in bytes (default DEFAULT_MAX_MESSAGE_SIZE); larger → 1009. */
  maxMessageSize?: number;
  /** Most data frames one message may arrive in (default DEFAULT_MAX_FRAGMENTS); more → 1008. */
  maxFragments?: number;
}

const State = {
  /** Reading a frame header (a part of it may wait in `partialHeader`). */
  Header: 0,
  /** Reading the payload of the frame whose header was read. */
  Payload: 1,
  /** A close frame arrived: nothing after it is a valid frame (RFC 6455 §5.5.1). */
  Closed: 2,
  /** A protocol error was reported: all further input is ignored. */
  Failed: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/** 2 fixed bytes, a 64-bit length and a masking key. */
const MAX_HEADER_SIZE = 14;
/** 2^53 − 1 split as the high 32 bits of a 64-bit length: anything above cannot be a JS number. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;
const EMPTY = Buffer.alloc(0);

/** Close codes an endpoint may put on the wire (RFC 6455 §7.4.1, §7.4.2, IANA registry). */
export function isValidWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

export class FrameDecoder {
  private readonly handler: FrameHandler;
  private readonly expectMask: boolean;
  private readonly maxMessageSize: number;
  private readonly maxFragments: number;

  private state: State = State.Header;
  /** The start of a header cut by the end of a chunk; made on the first such cut. */
  private partialHeader: Buffer | undefined;
  private partialHeaderLength = 0;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  /** Payload bytes of the current frame read so far (the masking key's phase). */
  private payloadRead = 0;
  /** Copied, not viewed, since the chunk may end before the payload. Made on the first masked frame. */
  private maskKey: Buffer | undefined;
  /** A control frame's payload cut by the end of a chunk (released once the frame is complete). */
  private controlPayload: Buffer | undefined;

  /** A fragmented message, or a single frame cut by the end of a chunk (opcode 0 when none). */
  private readonly message = new MessageAssembly();

  constructor(handler: FrameHandler, options: FrameDecoderOptions) {
    this.handler = handler;
    this.expectMask = options.role === 'server';
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
  }

  /** Bytes received and held for an incomplete header, control frame or message. */
  get bufferedBytes(): number {
    const control = this.controlPayload === undefined ? 0 : this.payloadRead;
    return this.partialHeaderLength + this.message.length + control;
  }

  /** Bytes of the buffers held for an incomplete control frame or message (their capacity). */
  get retainedBytes(): number {
    return this.message.capacity + (this.controlPayload?.length ?? 0);
  }

  /**
   * Feeds `chunk[0, end)` in any split; complete frames are reported before this returns, and
   * nothing of `chunk` is kept (a masked frame is unmasked in place in it).
   */
  push(chunk: Buffer, end: number = chunk.length): void {
    let at = 0;
    while (at < end) {
      switch (this.state) {
        case State.Header:
          at = this.partialHeaderLength === 0 ? this.readHeader(chunk, at, end) : this.continueHeader(chunk, at, end);
          break;
        case State.Payload:
          at = this.readPayload(chunk, at, end);
          break;
        default:
          return; // Closed or Failed
      }
    }
  }

  // --- headers ------------------------------------------------------------------------------

  /** A header from `chunk[at]` on: read whole when it is there (almost always), else kept. */
  private readHeader(chunk: Buffer, at: number, end: number): number {
    const size = this.parseHeader(chunk, at, end - at);
    if (size > 0) return this.beginPayload(at + size);
    if (size === 0) {
      // Cut by the end of the chunk (fewer than 14 bytes): keep them for the next push.
      const header = (this.partialHeader ??= Buffer.allocUnsafe(MAX_HEADER_SIZE));
      for (let i = at; i < end; i++) header[i - at] = chunk[i]!;
      this.partialHeaderLength = end - at;
    }
    return end;
  }

  /** Completes the kept start of a header with the bytes at `chunk[at]`. */
  private continueHeader(chunk: Buffer, at: number, end: number): number {
    const header = this.partialHeader!;
    const kept = this.partialHeaderLength;
    const copied = Math.min(MAX_HEADER_SIZE - kept, end - at);
    // A byte loop: a handful of bytes, where Buffer.copy's native call costs more.
    for (let i = 0; i < copied; i++) header[kept + i] = chunk[at + i]!;
    const size = this.parseHeader(header, 0, kept + copied);
    if (size < 0) return end;
    if (size === 0) {
      // Still incomplete, so every byte of the chunk was taken (14 bytes always make a header).
      this.partialHeaderLength = kept + copied;
      return end;
    }
    this.partialHeaderLength = 0;
    return this.beginPayload(at + size - kept);
  }

  /**
   * Reads a header from `bytes[at..at+available)`: its size once complete, 0 when more bytes
   * are needed, −1 when the frame is refused. Each rule is checked as soon as its bytes are there
   * (so an oversized length fails before the masking key arrives); the checks have no side effect
   * but the refusal, so a header read again with more bytes is checked again safely.
   */
  private parseHeader(bytes: Buffer, at: number, available: number): number {
    if (available < 2) return 0;
    const b1 = bytes[at + 1]!;
    if (!this.readFirstBytes(bytes[at]!, b1)) return -1;
    const length7 = b1 & 0x7f;
    let size = 2;
    if (length7 < 126) {
      this.payloadLength = length7;
    } else if (length7 === 126) {
      if (available < 4) return 0;
      this.payloadLength = (bytes[at + 2]! << 8) | bytes[at + 3]!;
      size = 4;
    } else {
      if (available < 10) return 0;
      // 64-bit length as high word × 2^32 + low word, refused above 2^53 − 1.
      const high = readUInt32(bytes, at + 2);
      if (high > MAX_SAFE_HIGH_WORD) return this.refuse('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'payload length above 2^53 - 1');
      this.payloadLength = high * 0x100000000 + readUInt32(bytes, at + 6);
      size = 10;
    }
    if (!this.checkLength()) return -1;
    if (!this.masked) return size;
    if (available < size + 4) return 0;
    // allocUnsafe: 4 bytes of the shared pool instead of an ArrayBuffer per connection.
    const key = (this.maskKey ??= Buffer.allocUnsafe(4));
    key[0] = bytes[at + size]!;
    key[1] = bytes[at + size + 1]!;
    key[2] = bytes[at + size + 2]!;
    key[3] = bytes[at + size + 3]!;
    return size + 4;
  }

  /** First two header bytes (§5.2); false when the frame is refused. */
  private readFirstBytes(b0: number, b1: number): boolean {
    if ((b0 & 0x40) !== 0) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
    if ((b0 & 0x30) !== 0) return this.fail('WS_ERR_UNEXPECTED_RSV_2_3', 'RSV2 and RSV3 must be clear');
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const length7 = b1 & 0x7f;
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong) return this.fail('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
      if (!fin) return this.fail('WS_ERR_EXPECTED_FIN', 'control frames must not be fragmented');
      if (length7 > MAX_CONTROL_PAYLOAD) {
        return this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', `invalid control payload length ${length7}`);
      }
      // A close payload is empty or starts with a 2-byte code (§5.5.1): length 1 fails at the header.
      if (opcode === Opcode.Close && length7 === 1) {
        return this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'close frame with a 1-byte payload');
      }
    } else if (opcode === Opcode.Continuation) {
      if (this.message.opcode === 0) {
        return this.fail('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
      }
      if (this.message.frames >= this.maxFragments) {
        return this.fail('WS_ERR_TOO_MANY_BUFFERED_PARTS', `message in more than ${this.maxFragments} frames`);
      }
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (this.message.opcode !== 0) {
        return this.fail('WS_ERR_EXPECTED_CONTINUATION', 'new data frame while a fragmented message is open');
      }
    } else {
      return this.fail('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.expectMask) {
      return masked
        ? this.fail('WS_ERR_UNEXPECTED_MASK', 'a server must not mask frames it sends')
        : this.fail('WS_ERR_EXPECTED_MASK', 'a client must mask frames it sends');
    }
    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    return true;
  }

  /** Refuses a message over the limit from its header alone, before any payload is read. */
  private checkLength(): boolean {
    const atLeast = this.message.length + this.payloadLength;
    if (this.opcode < Opcode.Close && atLeast > this.maxMessageSize) {
      return this.fail('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `message of at least ${atLeast} bytes exceeds the limit of ${this.maxMessageSize}`);
    }
    return true;
  }

  /** The header ended before `at`: counts the fragment, then reads (or dispatches) the payload. */
  private beginPayload(at: number): number {
    const opcode = this.opcode;
    if (opcode === Opcode.Continuation) {
      this.message.frames++;
    } else if (!this.fin && opcode < Opcode.Close) {
      // The first frame of a fragmented message: its bytes go to the message buffer.
      this.message.opcode = opcode;
      this.message.frames = 1;
    }
    this.payloadRead = 0;
    if (this.payloadLength !== 0) {
      this.state = State.Payload;
      return at;
    }
    if (opcode >= Opcode.Close) this.dispatchControl(EMPTY);
    else if (this.message.opcode === 0) this.deliverWhole(EMPTY);
    else if (this.fin) this.finishMessage();
    return at;
  }

  // --- payloads -----------------------------------------------------------------------------

  private readPayload(chunk: Buffer, at: number, end: number): number {
    const length = this.payloadLength;
    const count = Math.min(length - this.payloadRead, end - at);
    const isControl = this.opcode >= Opcode.Close;
    if (count === length && (isControl || this.message.opcode === 0)) {
      // A whole control frame or unfragmented message in this chunk (the usual case): unmasked
      // in place and handed out as a view.
      if (this.masked) applyMask(chunk, this.maskKey!, 0, at, count);
      const payload = chunk.subarray(at, at + count);
      this.state = State.Header;
      if (isControl) this.dispatchControl(payload);
      else this.deliverWhole(payload);
    } else if (isControl) {
      this.addControlBytes(chunk, at, count);
    } else {
      this.addMessageBytes(chunk, at, count);
    }
    return at + count;
  }

  /** A piece of a control frame's payload; the frame is dispatched when its last byte arrives. */
  private addControlBytes(chunk: Buffer, at: number, count: number): void {
    const payload = (this.controlPayload ??= Buffer.allocUnsafe(this.payloadLength));
    chunk.copy(payload, this.payloadRead, at, at + count);
    this.payloadRead += count;
    if (this.payloadRead < this.payloadLength) return;
    this.controlPayload = undefined;
    this.state = State.Header;
    if (this.masked) applyMask(payload, this.maskKey!, 0, 0, payload.length);
    this.dispatchControl(payload);
  }

  /** A piece of a data frame that is not handed out whole: added to the message being assembled. */
  private addMessageBytes(chunk: Buffer, at: number, count: number): void {
    const message = this.message;
    // A single frame cut by the end of a chunk is assembled like a fragmented message.
    if (message.opcode === 0) message.opcode = this.opcode;
    const bound = this.fin ? message.length + this.payloadLength - this.payloadRead : this.maxMessageSize;
    const valid = message.append(chunk, at, count, this.masked ? this.maskKey : undefined, this.payloadRead, bound);
    this.payloadRead += count;
    if (!valid) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    if (this.payloadRead < this.payloadLength) return;
    this.state = State.Header;
    if (this.fin) this.finishMessage();
  }

  // --- delivery -----------------------------------------------------------------------------

  /** A message that was a single frame inside one chunk. */
  private deliverWhole(payload: Buffer): void {
    const isBinary = this.opcode === Opcode.Binary;
    if (!isBinary && !isValidUtf8(payload)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.handler.onMessage(payload, isBinary);
  }

  /** The final frame of an assembled message is complete: delivers it (its buffer is released). */
  private finishMessage(): void {
    const isBinary = this.message.opcode === Opcode.Binary;
    const payload = this.message.finish();
    if (payload === undefined) this.fail('WS_ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
    else this.handler.onMessage(payload, isBinary);
  }

  private dispatchControl(payload: Buffer): void {
    switch (this.opcode) {
      case Opcode.Ping:
        this.handler.onPing(payload);
        return;
      case Opcode.Pong:
        this.handler.onPong(payload);
        return;
      default:
        this.closeFrame(payload);
    }
  }

  /** Close payload: nothing, or a 2-byte code that may be sent plus a UTF-8 reason (§5.5.1). */
  private closeFrame(payload: Buffer): void {
    if (payload.length === 0) {
      this.stop(State.Closed);
      this.handler.onClose(1005, '');
      return;
    }
    if (payload.length === 1) {
      this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'close frame with a 1-byte payload');
      return;
    }
    const code = payload.readUInt16BE(0);
    if (!isValidWireCloseCode(code)) {
      this.fail('WS_ERR_INVALID_CLOSE_CODE', `invalid close code ${code}`);
      return;
    }
    const reason = payload.subarray(2);
    if (!isValidUtf8(reason)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a close reason');
      return;
    }
    this.stop(State.Closed);
    this.handler.onClose(code, reason.toString('utf8'));
  }

  // --- ending ---------------------------------------------------------------------------------

  private stop(state: State): void {
    this.state = state;
    this.message.reset();
    this.controlPayload = undefined;
    this.partialHeaderLength = 0;
  }

  private fail(code: FrameErrorCode, message: string): false {
    this.stop(State.Failed);
    this.handler.onError(frameError(code, message));
    return false;
  }

  private refuse(code: FrameErrorCode, message: string): -1 {
    this.fail(code, message);
    return -1;
  }
}

function readUInt32(bytes: Buffer, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
