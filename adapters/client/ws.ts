// ClientTransport over the npm `ws` client, configured like the reference TypeScript client.
// sendRepeated is a loop of ws.send (ws has no batched write); onceDrained listens for 'drain'
// on the TCP socket that the 'upgrade' response exposes, and polls where there is none
// (Bun replaces `ws` with its own implementation when it is not bundled).
import type { Socket } from 'node:net';
import type { PayloadBatch } from '../../core/frame-encoder.js';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from '../../core/errors.js';
import { isTlsErrorCode, sniServerName, type ClientTlsOptions } from '../../core/tls.js';
import type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from '../../core/wse/transport.js';
import { DrainWaiter } from './drain-waiter.js';

const DRAIN_POLL_MS = 1;
/** With a TCP 'drain' to wait for, polling is only the fallback for bytes ws held itself. */
const DRAIN_FALLBACK_POLL_MS = 10;

class WsMessageSocket implements MessageSocket {
  private readonly drain: DrainWaiter;

  constructor(
    private readonly ws: WebSocket,
    tcp: Socket | undefined,
    events: MessageSocketEvents,
    readonly tlsHandshakeMicros: number | undefined,
  ) {
    this.drain = new DrainWaiter(() => ws.bufferedAmount, tcp === undefined ? DRAIN_POLL_MS : DRAIN_FALLBACK_POLL_MS);
    ws.on('message', (data, isBinary) => events.message(toBuffer(data), isBinary));
    ws.on('error', (error) => events.error(error));
    ws.once('close', (code, reason) => {
      this.drain.close();
      events.close(code, reason.toString());
    });
    // ws may still hold bytes of its own after the socket drained: the waiter looks again shortly.
    tcp?.on('drain', () => this.drain.check());
    // Bun's stand-in for `ws` may hand out a socket object that never emits 'drain'.
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  sendRepeated(data: string | Buffer, count: number): void {
    for (let i = 0; i < count; i++) this.ws.send(data);
  }

  /** ws masks each message into a buffer of its own, so the batch's views are free again at once. */
  sendBatch(batch: PayloadBatch, binary: boolean): void {
    const options = { binary };
    for (let i = 0, start = 0; i < batch.count; start = batch.ends[i]!, i++) this.ws.send(batch.bytes.subarray(start, batch.ends[i]), options);
  }

  onceDrained(callback: () => void): void {
    this.drain.wait(callback);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** ws reports OS errors with their errno code and handshake problems by message only. */
function failureOf(url: string, error: Error): ConnectError {
  const errno = (error as NodeJS.ErrnoException).code;
  let kind: ConnectFailureKind = connectFailureKindOf(errno);
  if (isTlsErrorCode(errno)) kind = 'tls';
  // Node's HTTP parser refusing the upgrade response (HPE_HEADER_OVERFLOW, HPE_INVALID_…).
  else if (errno?.startsWith('HPE_') === true) kind = 'handshake';
  else if (kind === 'other' && errno === undefined) {
    kind = /timed out/i.test(error.message) ? 'timeout' : 'handshake';
  }
  return new ConnectError(kind, `${url}: ${errno ?? 'error'} ${error.message}`, errno);
}

export const wsTransport: ClientTransport = {
  name: 'ws',
  supportsLocalAddress: true,
  dial(url: string, options: DialOptions, events: MessageSocketEvents): Promise<MessageSocket> {
    return new Promise<MessageSocket>((resolve, reject) => {
      let ws: WebSocket;
      const tls = url.startsWith('wss:') ? new TlsDial(options.tls ?? {}) : undefined;
      try {
        ws = new WebSocket(url, {
          headers: options.headers,
          perMessageDeflate: false,
          maxPayload: options.maxMessageSize,
          handshakeTimeout: options.timeoutMs,
          ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
          ...(tls !== undefined ? tls.wsOptions() : {}),
        });
      } catch (error) {
        reject(new ConnectError('other', `${url}: ${(error as Error).message}`));
        return;
      }
      let tcp: Socket | undefined;
      const onUpgrade = (response: IncomingMessage): void => {
        tcp = response.socket;
      };
      const onOpen = (): void => {
        cleanup();
        resolve(new WsMessageSocket(ws, tcp, events, tls?.handshakeMicros));
      };
      const onError = (error: Error): void => {
        cleanup();
        // ws emits 'close' after this; a listener keeps late errors from going unhandled.
        ws.on('error', ignore);
        reject(failureOf(url, error));
      };
      const onClose = (code: number): void => {
        cleanup();
        reject(new ConnectError('closed', `${url}: closed with code ${code} during the handshake`));
      };
      const cleanup = (): void => {
        ws.off('upgrade', onUpgrade);
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('close', onClose);
      };
      ws.on('upgrade', onUpgrade);
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('close', onClose);
    });
  },
};

function ignore(): void {}

/** ws's TLS options, with a createConnection that times the handshake (ws would call tls.connect itself). */
class TlsDial {
  handshakeMicros: number | undefined;

  constructor(private readonly tls: ClientTlsOptions) {}

  wsOptions(): Pick<WebSocket.ClientOptions, 'rejectUnauthorized' | 'ca' | 'createConnection'> {
    return {
      rejectUnauthorized: this.tls.rejectUnauthorized ?? true,
      ...(this.tls.ca !== undefined ? { ca: this.tls.ca } : {}),
      createConnection: ((connectOptions: ConnectionOptions) => this.connect(connectOptions)) as unknown as WebSocket.ClientOptions['createConnection'],
    };
  }

  private connect(connectOptions: ConnectionOptions): Socket {
    const startedAt = performance.now();
    // SNI only for host names (RFC 6066); an empty servername tells node:tls to send none
    const servername = this.tls.servername ?? sniServerName(connectOptions.host ?? '') ?? '';
    // http passes the request path along; to net it would mean a Unix socket path
    const socket = tlsConnect({ ...connectOptions, path: undefined, servername });
    socket.once('secureConnect', () => {
      this.handshakeMicros = (performance.now() - startedAt) * 1000;
    });
    return socket;
  }
}
