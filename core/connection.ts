// One WebSocket over a ByteStream (core/byte-stream.ts), after the HTTP upgrade, for either role:
// feeds the stream's bytes to the FrameDecoder, answers pings, runs the close handshake (RFC 6455
// §5.5.1, §7), exposes backpressure and bounds what a peer that does not read can make it queue.
// Used by core/client.ts and core/server.ts; its events go to one WebSocketEventSink.
import type { ByteStream, ByteStreamHandler } from './byte-stream.js';
import { CloseCode, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_OUTBOUND_BYTES, MAX_CONTROL_PAYLOAD, Opcode, type Role } from './constants.js';
import { sharedBurstPool } from './burst-pool.js';
import type { WebSocketProtocolError } from './errors.js';
import { FrameDecoder, isValidWireCloseCode, type FrameHandler } from './frame-decoder.js';
import { FrameEncoder, type PayloadBatch } from './frame-encoder.js';

export type ReadyState = 'open' | 'closing' | 'closed';

export interface WebSocketConnectionOptions {
  /** Largest reassembled inbound message; a bigger one fails the connection with 1009. */
  maxMessageSize?: number;
  /** Most frames one inbound message may arrive in; more fail the connection with 1008. */
  maxFragments?: number;
  /**
   * Outbound bytes queued in user space above which the server role stops reading from the peer
   * until the socket drains (checked after each read, so the answers to one read, ≤ 64 KB under
   * Node and ≤ 512 KB under Bun, may go beyond it), and both roles answer only the latest ping
   * (RFC 6455 §5.5.3). Default DEFAULT_MAX_OUTBOUND_BYTES. The client role never stops reading:
   * a benchmark fills its own outbound on purpose, and two peers that both stop reading would
   * deadlock.
   */
  maxOutboundBytes?: number;
  /**
   * Where events go from the start: frames are then processed as they arrive (feed the bytes that
   * came after the HTTP head with onStreamData). Without one, they wait for the next event-loop
   * turn so that setSink can be called first.
   */
  sink?: WebSocketEventSink;
  /** How long a started close handshake waits for the peer before the socket is destroyed. */
  closeTimeoutMs?: number;
  /** The peer's address when the caller knows it already (spares a getpeername call per connection). */
  remoteAddress?: string;
}

/**
 * The one consumer of a connection's events, called directly (setSink): no listener storage on
 * the connection and no emit() per message, which a transport holding 100K connections notices.
 */
export interface WebSocketEventSink {
  /** `data` is valid only during the call (a view of the socket's read buffer or of the decoder's): copy what you keep. */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** Exactly once. 1006 with '' when the socket ended without a close frame. */
  onClose(code: number, reason: string): void;
  /** A protocol or socket error; onClose follows. */
  onError(error: Error): void;
  /** The socket's user-space queue has been written out. */
  onDrain(): void;
  /** A ping arrived (the connection answers it itself); `payload` is valid only during the call. */
  onPing?(payload: Buffer): void;
  /** A pong arrived; `payload` is valid only during the call. */
  onPong?(payload: Buffer): void;
}

/** Where events go until setSink is called: nowhere. */
const NO_SINK: WebSocketEventSink = {
  onMessage() {},
  onClose() {},
  onError() {},
  onDrain() {},
};

export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

const EMPTY = Buffer.alloc(0);
// The encoder keeps no per-connection state, so each role shares one.
const ENCODERS: Record<Role, FrameEncoder> = { client: new FrameEncoder('client'), server: new FrameEncoder('server') };

export class WebSocketConnection implements FrameHandler, ByteStreamHandler {
  readonly role: Role;
  /** The peer's address, kept after the stream is gone. */
  readonly remoteAddress: string;
  private readonly stream: ByteStream;
  private readonly decoder: FrameDecoder;
  private readonly encoder: FrameEncoder;
  private readonly closeTimeoutMs: number;
  private readonly maxOutboundBytes: number;
  private state: ReadyState = 'open';
  /** Chunks (copies) that arrived before the sink could be set; null once started. */
  private pendingChunks: Buffer[] | null = null;
  private pendingError: Error | undefined;
  private socketClosed = false;
  /** Set once a close frame was received, the connection failed, or terminate() was called. */
  private ignoreIncoming = false;
  private closeFrameSent = false;
  private closeEmitted = false;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason = '';
  private closeTimer: NodeJS.Timeout | undefined;
  private sink: WebSocketEventSink = NO_SINK;
  /** Server role: reading stopped because the peer does not read what we send. */
  private readingPaused = false;
  /** The latest ping's payload (a copy), answered on 'drain': pings that came while the outbound was full. */
  private deferredPong: Buffer | undefined;
  /** Pooled bursts handed to the socket, oldest first; each goes back when its write completes. */
  private burstsInFlight: Buffer[] | undefined;
  private onBurstWritten: ((error?: Error | null) => void) | undefined;

  /**
   * Takes over a stream whose upgrade has completed: its events come here from now on. Feed the
   * bytes that came after the HTTP head (the first frames) with onStreamData. With options.sink
   * they are processed at once; without, from the next turn of the event loop: set the sink
   * before (right after construction or after `await connect()`).
   */
  constructor(stream: ByteStream, role: Role, options: WebSocketConnectionOptions = {}) {
    this.role = role;
    this.stream = stream;
    this.remoteAddress = options.remoteAddress ?? stream.remoteAddress ?? '';
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.maxOutboundBytes = options.maxOutboundBytes ?? DEFAULT_MAX_OUTBOUND_BYTES;
    this.encoder = ENCODERS[role];
    // The decoder's role is the side that receives, i.e. ours.
    this.decoder = new FrameDecoder(this, {
      role,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      ...(options.maxFragments !== undefined ? { maxFragments: options.maxFragments } : {}),
    });
    stream.setHandler(this);
    if (options.sink !== undefined) {
      this.sink = options.sink;
    } else {
      this.pendingChunks = [];
      setImmediate(WebSocketConnection.start, this);
    }
  }

  /** Where every event goes from now on, by direct calls. Set it before the next event-loop turn. */
  setSink(sink: WebSocketEventSink): void {
    this.sink = sink;
  }

  get readyState(): ReadyState {
    return this.state;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.stream.bufferedAmount;
  }

  /** Server role: whether reading is paused until the peer reads what it was sent. */
  get isReadingPaused(): boolean {
    return this.readingPaused;
  }

  /**
   * Sends one message: a string as text, a Buffer as binary unless `isBinary` says otherwise.
   * Returns the stream's write answer (false: wait for 'drain'); false and nothing sent once the
   * connection is no longer open.
   */
  send(data: string | Buffer, isBinary: boolean = typeof data !== 'string'): boolean {
    if (this.state !== 'open') return false;
    return this.stream.write(this.encoder.encode(isBinary ? Opcode.Binary : Opcode.Text, data, true));
  }

  /**
   * Writes frames already encoded for this role (FrameEncoder, writeFrameHeader) as they are, in
   * one write: a broadcast encodes its messages once and hands the same bytes to every connection.
   * The caller must not change `frames` afterwards (the socket may still hold it).
   */
  sendFrames(frames: Buffer): boolean {
    if (this.state !== 'open') return false;
    return this.stream.write(frames);
  }

  /** Sends `count` copies of one message as a single socket write. */
  sendRepeated(data: string | Buffer, count: number, isBinary: boolean = typeof data !== 'string'): boolean {
    if (this.state !== 'open') return false;
    if (count <= 0) return !this.stream.needsDrain;
    return this.writeBurst(this.encoder.encodeRepeated(isBinary ? Opcode.Binary : Opcode.Text, data, count));
  }

  /** Writes a burst; a pooled one goes back to the pool once the kernel has its bytes. */
  private writeBurst(burst: Buffer): boolean {
    if (!sharedBurstPool.isPooled(burst)) return this.stream.write(burst);
    (this.burstsInFlight ??= []).push(burst);
    return this.stream.write(burst, (this.onBurstWritten ??= (error) => this.releaseBurst(error)));
  }

  /** Sends every message of `batch` (one frame each) as a single socket write. */
  sendBatch(batch: PayloadBatch, isBinary: boolean): boolean {
    if (this.state !== 'open') return false;
    if (batch.count <= 0) return !this.stream.needsDrain;
    return this.writeBurst(this.encoder.encodeBatch(isBinary ? Opcode.Binary : Opcode.Text, batch));
  }

  /** Writes complete in write order, so the oldest burst in flight is the one written. */
  private releaseBurst(error?: Error | null): void {
    const burst = this.burstsInFlight?.shift();
    // A failed write may leave the buffer anywhere: let the collector have it.
    if (burst !== undefined && (error === undefined || error === null)) sharedBurstPool.give(burst);
  }

  /** Sends a ping control frame (payload up to 125 bytes). */
  ping(payload: Buffer | string = EMPTY): boolean {
    if (Buffer.byteLength(payload) > MAX_CONTROL_PAYLOAD) throw new RangeError('ping payload over 125 bytes');
    if (this.state !== 'open') return false;
    return this.stream.write(this.encoder.encode(Opcode.Ping, payload, true));
  }

  /**
   * Starts the close handshake. The server drops TCP once the peer's close frame arrives; the
   * client waits for that. Either side destroys the socket after closeTimeoutMs.
   */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (!isValidWireCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
    if (Buffer.byteLength(reason) > MAX_CONTROL_PAYLOAD - 2) throw new RangeError('close reason over 123 bytes');
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.closeFrameSent = true;
    this.stream.write(this.encoder.encodeClose(code, reason));
    this.armCloseTimer();
  }

  /** Drops the TCP connection at once; onClose follows with 1006 unless a close frame was received. */
  terminate(): void {
    this.ignoreIncoming = true;
    if (this.state === 'open') this.state = 'closing';
    this.stream.destroy();
  }

  // --- FrameHandler: called by the decoder --------------------------------------------------

  onMessage(payload: Buffer, isBinary: boolean): void {
    if (this.ignoreIncoming) return;
    this.sink.onMessage(payload, isBinary);
  }

  onPing(payload: Buffer): void {
    if (this.ignoreIncoming) return;
    // RFC 6455 §5.5.2: answer with a pong carrying the same payload, unless we are closing.
    // §5.5.3: answering only the most recent ping is allowed, so a peer that pings without reading
    // our answers gets one pong per drain instead of a queue of them.
    if (this.closeFrameSent) {
      // no answer once our close frame is out
    } else if (this.outboundFull()) {
      this.deferredPong = Buffer.from(payload);
    } else {
      this.stream.write(this.encoder.encode(Opcode.Pong, payload, true));
    }
    this.sink.onPing?.(payload);
  }

  onPong(payload: Buffer): void {
    if (this.ignoreIncoming) return;
    this.sink.onPong?.(payload);
  }

  onClose(code: number, reason: string): void {
    if (this.ignoreIncoming) return;
    this.ignoreIncoming = true;
    this.closeCode = code;
    this.closeReason = reason;
    if (!this.closeFrameSent) {
      // Echo the peer's close (§5.5.1); with no status code, answer with an empty close frame.
      this.closeFrameSent = true;
      this.stream.write(code === CloseCode.NoStatus ? this.encoder.encodeClose() : this.encoder.encodeClose(code, reason));
    }
    this.state = 'closing';
    // §7.1.1: the server closes TCP first; the client waits for it (bounded by the timer).
    if (this.role === 'server') this.stream.end();
    this.armCloseTimer();
  }

  onError(error: WebSocketProtocolError): void {
    if (this.ignoreIncoming) return;
    // _Fail the WebSocket Connection_ (§7.1.7): send the close code, drop the connection.
    this.ignoreIncoming = true;
    if (!this.closeFrameSent && !this.stream.destroyed) {
      this.closeFrameSent = true;
      this.stream.write(this.encoder.encodeClose(error.closeCode, ''));
    }
    this.stream.end();
    this.armCloseTimer();
    this.closeCode = error.closeCode;
    this.closeReason = '';
    this.emitError(error);
    this.emitClose();
  }

  // --- outbound bounds ------------------------------------------------------------------------

  /**
   * More than maxOutboundBytes wait in user space. Only counted once a write has asked for a
   * drain, so that 'drain' is sure to follow (the limit is above the socket's high-water mark).
   */
  private outboundFull(): boolean {
    const stream = this.stream;
    return stream.needsDrain && stream.bufferedAmount > this.maxOutboundBytes;
  }

  /** After each chunk read (server role): stop reading while the peer does not read our answers. */
  private applyReadBackpressure(): void {
    if (this.role === 'server' && !this.readingPaused && !this.ignoreIncoming && this.outboundFull()) {
      this.readingPaused = true;
      this.stream.pause();
    }
  }

  // --- ByteStreamHandler: called by the stream -------------------------------------------------

  onStreamOpen(): void {
    // the stream was open before the connection took it over
  }

  onStreamData(bytes: Buffer, length: number): void {
    if (this.pendingChunks !== null) {
      // kept past this call: a copy, since the stream may reuse the memory
      if (length > 0) this.pendingChunks.push(Buffer.from(bytes.subarray(0, length)));
    } else if (!this.ignoreIncoming) {
      this.decoder.push(bytes, length);
      this.applyReadBackpressure();
    }
  }

  /** The stream wrote out its queue: the deferred pong goes, reading resumes. */
  onStreamDrain(): void {
    const pong = this.deferredPong;
    if (pong !== undefined) {
      this.deferredPong = undefined;
      if (!this.closeFrameSent && !this.stream.destroyed) this.stream.write(this.encoder.encode(Opcode.Pong, pong, true));
    }
    if (this.readingPaused) {
      this.readingPaused = false;
      this.stream.resume();
    }
    this.sink.onDrain();
  }

  onStreamError(error: Error): void {
    if (this.closeEmitted) return;
    if (this.pendingChunks !== null) this.pendingError ??= error;
    else this.emitError(error);
  }

  onStreamClose(): void {
    this.socketClosed = true;
    this.ignoreIncoming = true;
    this.deferredPong = undefined;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    if (this.pendingChunks === null) this.emitClose();
  }

  /** Delivers what arrived before the sink was set, then runs normally. */
  private static start(connection: WebSocketConnection): void {
    const pending = connection.pendingChunks;
    connection.pendingChunks = null;
    if (pending !== null) {
      for (const chunk of pending) if (!connection.ignoreIncoming) connection.decoder.push(chunk);
      connection.applyReadBackpressure();
    }
    if (connection.pendingError !== undefined && !connection.closeEmitted) connection.emitError(connection.pendingError);
    if (connection.socketClosed) connection.emitClose();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== undefined || this.socketClosed) return;
    this.closeTimer = setTimeout(destroyStream, this.closeTimeoutMs, this.stream);
    this.closeTimer.unref();
  }

  private emitError(error: Error): void {
    this.sink.onError(error);
  }

  private emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.state = 'closed';
    this.sink.onClose(this.closeCode, this.closeReason);
  }
}

function destroyStream(stream: ByteStream): void {
  stream.destroy();
}
