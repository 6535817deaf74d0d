// The byte stream a WebSocket runs over: the few socket operations core/connection.ts and the
// client handshake need, so that each runtime can plug in its own raw sockets under the same
// framing (node:net in core/node-byte-stream.ts; Bun's native sockets in adapters/). A stream
// reports to one handler at a time (the handshake, then the connection) by direct calls.
import type { ClientTlsOptions } from './tls.js';

export interface ByteStreamHandler {
  /** Connected (for TLS: the handshake and the certificate check passed). Dialled streams only. */
  onStreamOpen(): void;
  /**
   * `bytes[0, length)` were read. Valid only during the call: a stream may read into memory it
   * reuses (and hands it whole, with the length, so that no view is made per read).
   */
  onStreamData(bytes: Buffer, length: number): void;
  /** Every byte queued in user space has been handed to the kernel. */
  onStreamDrain(): void;
  /** A socket error (refused, reset…); onStreamClose follows. */
  onStreamError(error: NodeJS.ErrnoException): void;
  /** Exactly once, never from inside a call on the stream: the stream is gone. */
  onStreamClose(): void;
}

/** Called once the stream no longer needs the bytes of one write (with an error if they were not all written). */
export type WriteDone = (error?: Error | null) => void;

export interface ByteStream {
  /** Where events go from now on. */
  setHandler(handler: ByteStreamHandler): void;
  /**
   * Writes `data`, or queues what the kernel does not take. The stream may keep a reference to
   * `data` until `done` is called (a pooled buffer goes back to its pool then): do not change it
   * before. True when nothing waits in user space (no need to wait for onStreamDrain).
   */
  write(data: Buffer, done?: WriteDone): boolean;
  /** Bytes written but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** A write has queued bytes and onStreamDrain has not come yet. */
  readonly needsDrain: boolean;
  /** The stream was destroyed or closed. */
  readonly destroyed: boolean;
  /** The peer's address, where the stream knows it. */
  readonly remoteAddress: string | undefined;
  /** Stops reading (the kernel's buffers fill, TCP pushes back) until resume(). */
  pause(): void;
  resume(): void;
  /** Writes out what is queued, then ends our side; the stream closes once the peer's side ends too. */
  end(): void;
  /** Drops the connection at once. */
  destroy(): void;
}

/** Where a client stream connects to. */
export interface DialTarget {
  host: string;
  port: number;
  /** Source address to bind. */
  localAddress?: string;
  /** Dial TLS (wss://) with these options. */
  tls?: ClientTlsOptions;
}

/** Opens client streams; throws synchronously only for arguments the runtime refuses outright. */
export interface ByteStreamDialer {
  /** 'node:net', 'bun'. */
  readonly name: string;
  /** Whether it can dial TLS itself; core/client.ts dials wss:// with node:tls where it cannot. */
  readonly supportsTls: boolean;
  dial(target: DialTarget, handler: ByteStreamHandler): ByteStream;
}
