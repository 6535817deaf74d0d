// The send phases' view of --message: a burst of messages rendered for one connection into one
// reused buffer (a PayloadBatch), which the transport turns into frames at once (core:
// FrameEncoder.encodeBatch, one socket write). The messages of a file are sent in turn, each
// connection numbering its own ({{seq}}); the clock is read once per burst.
import { performance } from 'node:perf_hooks';
import type { PayloadBatch } from '../../core/frame-encoder.js';
import type { CompiledMessage } from './compile.js';
import type { RenderContext } from './placeholders.js';

/** Where a connection is in its messages: what {{seq}} and {{conn}} read. */
export interface MessageCursor {
  readonly index: number;
  /** Messages rendered for this connection so far. */
  messageSeq: number;
}

export class TemplatedPayload {
  /** Bytes and messages rendered so far: the mean message size of what was sent. */
  renderedBytes = 0;
  renderedMessages = 0;
  private bytes: Buffer;
  private ends = new Uint32Array(64);
  private readonly batch: { bytes: Buffer; ends: Uint32Array; count: number };
  private readonly context: RenderContext = { seq: 0, conn: 0, nowMs: 0, nowMicros: 0, iso: Buffer.alloc(0) };
  private readonly largest: number;

  constructor(
    private readonly messages: readonly CompiledMessage[],
    /** Binary frames (msgpack, zlib, --frame binary), else UTF-8 text frames. */
    readonly binary: boolean,
    /** A typical message's size, for sizing bursts before anything was rendered. */
    readonly nominalBytes: number,
  ) {
    this.largest = Math.max(...messages.map((m) => m.maxBytes));
    this.bytes = Buffer.allocUnsafe(this.largest * 64);
    this.batch = { bytes: this.bytes, ends: this.ends, count: 0 };
  }

  /** The mean size of the messages rendered so far (the nominal size before any). */
  get meanBytes(): number {
    return this.renderedMessages > 0 ? this.renderedBytes / this.renderedMessages : this.nominalBytes;
  }

  /** Renders the next `count` messages of `cursor`'s connection; valid until the next fill. */
  fill(cursor: MessageCursor, count: number): PayloadBatch {
    this.ensureRoom(count);
    const context = this.context;
    const nowMs = Date.now();
    if (nowMs !== context.nowMs) {
      context.nowMs = nowMs;
      context.iso = Buffer.from(new Date(nowMs).toISOString(), 'latin1');
    }
    context.nowMicros = Math.round((performance.timeOrigin + performance.now()) * 1000);
    context.conn = cursor.index;
    const messages = this.messages;
    const bytes = this.bytes;
    const ends = this.ends;
    let at = 0;
    for (let i = 0; i < count; i++) {
      const seq = ++cursor.messageSeq;
      context.seq = seq;
      at = messages[(seq - 1) % messages.length]!.render(bytes, at, context);
      ends[i] = at;
    }
    this.renderedBytes += at;
    this.renderedMessages += count;
    this.batch.count = count;
    return this.batch;
  }

  private ensureRoom(count: number): void {
    if (this.ends.length < count) {
      this.ends = new Uint32Array(count);
      this.batch.ends = this.ends;
    }
    if (this.bytes.length < count * this.largest) {
      this.bytes = Buffer.allocUnsafe(count * this.largest);
      this.batch.bytes = this.bytes;
    }
  }
}
