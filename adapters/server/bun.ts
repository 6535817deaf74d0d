// Server transport on Bun.serve (Bun only). The minimal Bun types used are declared here.
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_OUTBOUND_BYTES } from '../../core/constants.js';
import { isBun } from '../runtime.js';
import { messagesToSend, type BroadcastBatch, type ListenOptions, type ListeningServer, type ServerApp, type ServerSocket, type ServerTransport } from './transport.js';

interface BunServerWebSocket<D> {
  readonly data: D;
  send(data: string | Uint8Array, compress?: boolean): number;
  sendText(data: string): number;
  sendBinary(data: Uint8Array): number;
  cork<R>(callback: (ws: BunServerWebSocket<D>) => R): R;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  readonly remoteAddress: string;
}
interface BunServer {
  readonly port: number;
  upgrade<D>(request: Request, options: { data: D }): boolean;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}
interface BunServeOptions<D> {
  hostname: string;
  port: number;
  reusePort: boolean;
  /** PEM text: serves https/wss. */
  tls?: { cert: string; key: string };
  fetch(request: Request, server: BunServer): Response | undefined;
  websocket: {
    maxPayloadLength: number;
    idleTimeout: number;
    backpressureLimit: number;
    closeOnBackpressureLimit: boolean;
    sendPings: boolean;
    perMessageDeflate: boolean;
    open(ws: BunServerWebSocket<D>): void;
    message(ws: BunServerWebSocket<D>, message: string | Buffer): void;
    close(ws: BunServerWebSocket<D>, code: number, reason: string): void;
  };
}
interface BunRuntime {
  serve<D>(options: BunServeOptions<D>): BunServer;
}

/** Bun's API object, under Bun (adapters/runtime.ts decides); undefined elsewhere. */
export function bunRuntime(): BunRuntime | undefined {
  return isBun() ? (globalThis as { Bun?: BunRuntime }).Bun : undefined;
}

interface ConnectionData<S> {
  url: string;
  headers: Record<string, string>;
  remoteAddress: string;
  state: S | undefined;
  closed: boolean;
}

export function createBunServerTransport(bun: BunRuntime): ServerTransport {
  return {
    name: 'bun',
    async listen<S>(options: ListenOptions, app: ServerApp<S>): Promise<ListeningServer> {
      const server = bun.serve<ConnectionData<S>>({
        hostname: options.host,
        port: options.port,
        reusePort: options.reusePort,
        ...(options.tls !== undefined ? { tls: { cert: readFileSync(options.tls.certFile, 'utf8'), key: readFileSync(options.tls.keyFile, 'utf8') } } : {}),
        fetch(request, srv) {
          const url = new URL(request.url);
          const path = url.pathname + url.search;
          if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
            const headers: Record<string, string> = {};
            request.headers.forEach((value, key) => {
              headers[key.toLowerCase()] = value;
            });
            const data: ConnectionData<S> = { url: path, headers, remoteAddress: srv.requestIP(request)?.address ?? '', state: undefined, closed: false };
            if (srv.upgrade(request, { data })) return undefined;
            return new Response('Upgrade failed\n', { status: 400 });
          }
          const reply = app.http(request.method, path);
          if (reply === undefined) return new Response('Not Found\n', { status: 404 });
          return new Response(reply.body, { status: reply.status, headers: { 'Content-Type': reply.contentType } });
        },
        websocket: {
          maxPayloadLength: options.maxMessageSize,
          idleTimeout: 0, // the app closes idle connections itself
          // Bun.serve cannot stop reading one WebSocket: a peer that lets more than this queue up
          // (a ping flood it never reads the answers of) is closed, instead of having its answers
          // dropped silently (closeOnBackpressureLimit false).
          backpressureLimit: options.maxOutboundBytes ?? DEFAULT_MAX_OUTBOUND_BYTES,
          closeOnBackpressureLimit: true,
          sendPings: false,
          perMessageDeflate: false,
          open(ws) {
            const data = ws.data;
            const socket: ServerSocket = {
              send: (message, isBinary) => {
                if (data.closed) return false;
                const status = isBinary ? ws.sendBinary(typeof message === 'string' ? Buffer.from(message) : message) : ws.sendText(typeof message === 'string' ? message : message.toString('utf8'));
                return status > 0;
              },
              // sendText takes only strings (measured: a Buffer throws)
              sendBatch: (batch: BroadcastBatch, count: number) => {
                const n = messagesToSend(batch, count);
                if (data.closed || n === 0) return;
                ws.cork(() => {
                  for (let i = 0; i < n; i++) ws.sendText(batch.texts[i]!);
                });
              },
              get bufferedAmount() {
                return data.closed ? 0 : ws.getBufferedAmount();
              },
              end: (code, reason) => {
                if (!data.closed) ws.close(code, reason);
              },
              terminate: () => {
                if (!data.closed) ws.terminate();
              },
            };
            data.state = app.open(socket, { url: data.url, headers: data.headers, remoteAddress: data.remoteAddress });
          },
          message(ws, message) {
            const data = ws.data;
            if (typeof message === 'string') app.message(data.state as S, Buffer.from(message, 'utf8'), false);
            else app.message(data.state as S, message, true);
          },
          close(ws, code, reason) {
            const data = ws.data;
            data.closed = true;
            if (data.state !== undefined) app.close(data.state, code, reason);
          },
        },
      });
      return {
        port: server.port,
        close: async () => {
          await server.stop(true);
        },
      };
    },
  };
}
