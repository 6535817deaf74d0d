// ByteStream over a node:net (or node:tls) socket: the streams every runtime has. Used for the
// server role (accepted sockets), for wss://, and for the client under Node. The socket's listeners
// are shared module-level functions that find their stream through a symbol, so an idle connection
// costs no closures.
//
// A plain TCP client under Node reads with `onread` into one buffer the process reuses for every
// read of every socket, instead of a fresh 64 KiB ArrayBuffer (and a Readable stream push) per
// read: safe because nothing downstream keeps a read chunk past the call that receives it (the
// frame decoder copies what it keeps, and ByteStreamHandler.onStreamData says so).
import { connect as netConnect, type Socket } from 'node:net';
import type { ByteStream, ByteStreamDialer, ByteStreamHandler, DialTarget, WriteDone } from './byte-stream.js';
import { isBun } from './runtime.js';
import { dialTls } from './tls.js';

const kStream = Symbol('NodeByteStream');
interface OwnedSocket extends Socket {
  [kStream]: NodeByteStream;
}

/** Where events go before a handler is set: nowhere. */
const NO_HANDLER: ByteStreamHandler = {
  onStreamOpen() {},
  onStreamData() {},
  onStreamDrain() {},
  onStreamError() {},
  onStreamClose() {},
};

/**
 * The read buffer of every onread socket. 64 KiB: what libuv reads at once by default. Under Bun
 * `onread` calls its callback without the socket as `this`, so Bun's node:net reads the usual way
 * (Bun's native sockets are in adapters/ anyway).
 */
const READ_BUFFER_SIZE = 64 * 1024;
const sharedReadBuffer: Buffer | undefined = isBun() ? undefined : Buffer.allocUnsafe(READ_BUFFER_SIZE);

export class NodeByteStream implements ByteStream {
  private handler: ByteStreamHandler;

  /**
   * Takes over a connected socket (an accepted one, or one whose handshake another stream ran):
   * its bytes go to `handler` from the next read on. The caller must have removed its own
   * 'data' listeners.
   */
  static adopt(socket: Socket, handler: ByteStreamHandler = NO_HANDLER): NodeByteStream {
    socket.on('data', onSocketData);
    return new NodeByteStream(socket as OwnedSocket, handler);
  }

  /** Dials `target` (TLS when it says so); `handler` hears onStreamOpen once connected. */
  static dial(target: DialTarget, handler: ByteStreamHandler): NodeByteStream {
    const endpoint = { host: target.host, port: target.port, ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}) };
    let socket: Socket;
    if (target.tls !== undefined) {
      socket = dialTls(endpoint, target.tls);
      socket.on('secureConnect', onSocketOpen);
      socket.on('data', onSocketData);
    } else if (sharedReadBuffer !== undefined) {
      socket = netConnect({ ...endpoint, onread: { buffer: sharedReadBuffer, callback: onSocketRead } });
      socket.on('connect', onSocketOpen);
    } else {
      socket = netConnect(endpoint);
      socket.on('connect', onSocketOpen);
      socket.on('data', onSocketData);
    }
    return new NodeByteStream(socket as OwnedSocket, handler);
  }

  private constructor(
    private readonly socket: OwnedSocket,
    handler: ByteStreamHandler,
  ) {
    this.handler = handler;
    socket[kStream] = this;
    socket.setNoDelay(true);
    // Without allowHalfOpen, net ends our side by itself; a listener would cost an array per socket.
    if (socket.allowHalfOpen) socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('drain', onSocketDrain);
  }

  setHandler(handler: ByteStreamHandler): void {
    this.handler = handler;
  }

  write(data: Buffer, done?: WriteDone): boolean {
    return this.socket.write(data, done);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // --- socket events ---------------------------------------------------------------------------
  // Called by the shared listeners below (which see the socket as `this`).

  opened(): void {
    this.handler.onStreamOpen();
  }

  data(bytes: Buffer, length: number): void {
    this.handler.onStreamData(bytes, length);
  }

  drained(): void {
    this.handler.onStreamDrain();
  }

  failed(error: NodeJS.ErrnoException): void {
    this.handler.onStreamError(error);
  }

  closed(): void {
    this.handler.onStreamClose();
  }
}

function onSocketOpen(this: OwnedSocket): void {
  this[kStream].opened();
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kStream].data(chunk, chunk.length);
}

function onSocketRead(this: OwnedSocket, length: number, buffer: Buffer): boolean {
  this[kStream].data(buffer, length);
  return true; // false would pause the socket; pause() does that when asked
}

function onSocketEnd(this: OwnedSocket): void {
  // The peer finished sending; finish ours too (only registered for allowHalfOpen sockets).
  this.end();
}

function onSocketError(this: OwnedSocket, error: NodeJS.ErrnoException): void {
  this[kStream].failed(error);
}

function onSocketClose(this: OwnedSocket): void {
  this[kStream].closed();
}

function onSocketDrain(this: OwnedSocket): void {
  this[kStream].drained();
}

/** Dials with node:net (node:tls for wss://): the dialer every runtime has. */
export const nodeDialer: ByteStreamDialer = {
  name: 'node:net',
  supportsTls: true,
  dial: (target, handler) => NodeByteStream.dial(target, handler),
};
