// Parses RFC 6455 frames (§5.2) from a stream of chunks and reports whole messages and control
// frames through a small handler. One state machine; bytes wait in a list of chunks and are
// copied only when a header or payload spans two chunks, otherwise handed out as views.
import type { Role } from './constants.js';
import { DEFAULT_MAX_MESSAGE_SIZE, MAX_CONTROL_PAYLOAD } from './constants.js';
import { frameError, WebSocketProtocolError } from './errors.js';
import type { FrameErrorCode } from './errors.js';
import { applyMask } from './mask.js';
import { isValidUtf8, Utf8Validator } from './utf8.js';

export interface FrameHandler {
  /** A whole reassembled message; a view into the input when the frame lay in one chunk. */
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
}

const State = {
  /** Waiting for the 2 fixed header bytes. */
  Header: 0,
  Length16: 1,
  Length64: 2,
  MaskKey: 3,
  Payload: 4,
  /** A close frame arrived: nothing after it is a valid frame (RFC 6455 §5.5.1). */
  Closed: 5,
  /** A protocol error was reported: all further input is ignored. */
  Failed: 6,
} as const;
type State = (typeof State)[keyof typeof State];

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

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

  private state: State = State.Header;
  /** Unread input: `chunks[0]` from `offset` on, then the rest whole. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private unread = 0;

  // The frame being parsed.
  private fin = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  /** Made on the first masked frame: client-side decoders never need one. */
  private maskKey: Buffer | undefined;

  // The fragmented message being reassembled (messageOpcode 0 = none open).
  private messageOpcode = 0;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  /** Made on the first fragmented text message: most connections never see one. */
  private utf8: Utf8Validator | undefined;

  constructor(handler: FrameHandler, options: FrameDecoderOptions) {
    this.handler = handler;
    this.expectMask = options.role === 'server';
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Bytes held for an incomplete header, payload or fragmented message. */
  get bufferedBytes(): number {
    return this.unread + this.fragmentBytes;
  }

  /** Feeds bytes in any split; complete frames are reported before this returns. */
  push(chunk: Buffer): void {
    if (this.state === State.Closed || this.state === State.Failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
    this.run();
  }

  private run(): void {
    for (;;) {
      switch (this.state) {
        case State.Header: {
          if (this.unread < 2) return;
          // Fast path: both bytes in the first chunk (almost always) are read without readByte.
          const chunk = this.chunks[0]!;
          const at = this.offset;
          let accepted: boolean;
          if (chunk.length - at >= 2) {
            this.skip(chunk, at, 2);
            accepted = this.readHeader(chunk[at]!, chunk[at + 1]!);
          } else {
            accepted = this.readHeader(this.readByte(), this.readByte());
          }
          if (!accepted) return;
          break;
        }
        case State.Length16:
          if (this.unread < 2) return;
          this.payloadLength = (this.readByte() << 8) | this.readByte();
          if (!this.checkLength()) return;
          break;
        case State.Length64:
          if (this.unread < 8 || !this.readLength64()) return;
          break;
        case State.MaskKey: {
          if (this.unread < 4) return;
          // Copied, not viewed: the chunk may be dropped before the payload is complete.
          // allocUnsafe: 4 bytes of the shared pool instead of an ArrayBuffer per connection.
          const key = (this.maskKey ??= Buffer.allocUnsafe(4));
          const chunk = this.chunks[0]!;
          const at = this.offset;
          if (chunk.length - at >= 4) {
            key[0] = chunk[at]!;
            key[1] = chunk[at + 1]!;
            key[2] = chunk[at + 2]!;
            key[3] = chunk[at + 3]!;
            this.skip(chunk, at, 4);
          } else {
            for (let i = 0; i < 4; i++) key[i] = this.readByte();
          }
          this.state = State.Payload;
          break;
        }
        case State.Payload:
          if (this.unread < this.payloadLength) return;
          this.state = State.Header;
          this.dispatch(this.readPayload());
          break;
        default:
          return; // Closed or Failed
      }
    }
  }

  /** Consumes `count` bytes that lie in the first chunk, `chunk`, from `at`. */
  private skip(chunk: Buffer, at: number, count: number): void {
    this.offset = at + count;
    this.unread -= count;
    if (this.offset === chunk.length) this.dropFirstChunk();
  }

  /** First two header bytes (§5.2); false when the frame is refused. */
  private readHeader(b0: number, b1: number): boolean {
    if ((b0 & 0x40) !== 0) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
    if ((b0 & 0x30) !== 0) return this.fail('WS_ERR_UNEXPECTED_RSV_2_3', 'RSV2 and RSV3 must be clear');
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const length7 = b1 & 0x7f;
    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG) return this.fail('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
      if (!fin) return this.fail('WS_ERR_EXPECTED_FIN', 'control frames must not be fragmented');
      if (length7 > MAX_CONTROL_PAYLOAD) {
        return this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', `invalid control payload length ${length7}`);
      }
      // A close payload is empty or starts with a 2-byte code (§5.5.1): length 1 fails at the header.
      if (opcode === OPCODE_CLOSE && length7 === 1) {
        return this.fail('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'close frame with a 1-byte payload');
      }
    } else if (opcode === OPCODE_CONTINUATION) {
      if (this.messageOpcode === 0) {
        return this.fail('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
      }
    } else if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) {
      if (this.messageOpcode !== 0) {
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
    if (length7 === 126) {
      this.state = State.Length16;
      return true;
    }
    if (length7 === 127) {
      this.state = State.Length64;
      return true;
    }
    this.payloadLength = length7;
    return this.checkLength();
  }

  /** 64-bit length as high word × 2^32 + low word, refused above 2^53 − 1 before anything is read. */
  private readLength64(): boolean {
    const high = this.readUInt32();
    const low = this.readUInt32();
    if (high > MAX_SAFE_HIGH_WORD) {
      return this.fail('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'payload length above 2^53 - 1');
    }
    this.payloadLength = high * 0x100000000 + low;
    return this.checkLength();
  }

  /** Refuses a message over the limit from its header alone, before any payload is buffered. */
  private checkLength(): boolean {
    if (this.opcode < OPCODE_CLOSE && this.fragmentBytes + this.payloadLength > this.maxMessageSize) {
      return this.fail(
        'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
        `message of at least ${this.fragmentBytes + this.payloadLength} bytes exceeds the limit of ${this.maxMessageSize}`,
      );
    }
    this.state = this.masked ? State.MaskKey : State.Payload;
    return true;
  }

  private dispatch(payload: Buffer): void {
    switch (this.opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        if (this.fin) this.deliverWhole(payload, this.opcode === OPCODE_BINARY);
        else this.startFragments(payload);
        return;
      case OPCODE_CONTINUATION:
        this.continueFragments(payload);
        return;
      case OPCODE_PING:
        this.handler.onPing(payload);
        return;
      case OPCODE_PONG:
        this.handler.onPong(payload);
        return;
      default:
        this.closeFrame(payload);
    }
  }

  private deliverWhole(payload: Buffer, isBinary: boolean): void {
    if (!isBinary && !isValidUtf8(payload)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.handler.onMessage(payload, isBinary);
  }

  private startFragments(payload: Buffer): void {
    this.messageOpcode = this.opcode;
    if (this.opcode === OPCODE_TEXT && !(this.utf8 ??= new Utf8Validator()).write(payload)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.addFragment(payload);
  }

  private continueFragments(payload: Buffer): void {
    const isText = this.messageOpcode === OPCODE_TEXT;
    // Each fragment is checked as it arrives; a character split across fragments carries over.
    if (isText && !this.utf8!.write(payload)) {
      this.fail('WS_ERR_INVALID_UTF8', 'invalid UTF-8 in a text message');
      return;
    }
    this.addFragment(payload);
    if (!this.fin) return;
    if (isText && !this.utf8!.finish()) {
      this.fail('WS_ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
      return;
    }
    const fragments = this.fragments;
    const message = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments, this.fragmentBytes);
    this.messageOpcode = 0;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.handler.onMessage(message, !isText);
  }

  private addFragment(payload: Buffer): void {
    if (payload.length === 0) return;
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
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

  // --- reading across the chunk list ---------------------------------------------------------

  private readByte(): number {
    const chunk = this.chunks[0]!;
    const byte = chunk[this.offset++]!;
    this.unread--;
    if (this.offset === chunk.length) this.dropFirstChunk();
    return byte;
  }

  private readUInt32(): number {
    return ((this.readByte() << 24) | (this.readByte() << 16) | (this.readByte() << 8) | this.readByte()) >>> 0;
  }

  /** The payload of the current frame, unmasked: a view when it lies in one chunk, else a copy. */
  private readPayload(): Buffer {
    const length = this.payloadLength;
    if (length === 0) return EMPTY;
    const first = this.chunks[0]!;
    let payload: Buffer;
    if (first.length - this.offset >= length) {
      // Unmasked in the chunk, before the view exists: the mask's word view is then made once per
      // chunk, not once per frame (ArrayBuffer lookups per view are dear under Bun).
      if (this.masked) applyMask(first, this.maskKey!, 0, this.offset, length);
      payload = first.subarray(this.offset, this.offset + length);
      this.offset += length;
      if (this.offset === first.length) this.dropFirstChunk();
      this.unread -= length;
      return payload;
    } else {
      payload = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const chunk = this.chunks[0]!;
        const count = Math.min(chunk.length - this.offset, length - filled);
        chunk.copy(payload, filled, this.offset, this.offset + count);
        filled += count;
        this.offset += count;
        if (this.offset === chunk.length) this.dropFirstChunk();
      }
    }
    this.unread -= length;
    if (this.masked) applyMask(payload, this.maskKey!, 0, 0, length);
    return payload;
  }

  private dropFirstChunk(): void {
    // length = 0 lets V8 drop the list's backing store, which shift() keeps: an idle connection
    // then holds no array storage.
    if (this.chunks.length === 1) this.chunks.length = 0;
    else this.chunks.shift();
    this.offset = 0;
  }

  // --- ending ---------------------------------------------------------------------------------

  private stop(state: State): void {
    this.state = state;
    this.chunks = [];
    this.offset = 0;
    this.unread = 0;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.messageOpcode = 0;
  }

  private fail(code: FrameErrorCode, message: string): false {
    this.stop(State.Failed);
    this.handler.onError(frameError(code, message));
    return false;
  }
}
