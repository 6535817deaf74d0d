// Server transport on uWebSockets.js (native addon, Node only). Loaded optionally: when no build
// matches this Node/platform, loadUwsModule() says why and the caller falls back to core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEFAULT_MAX_OUTBOUND_BYTES } from '../../core/constants.js';
import { isBun } from '../runtime.js';
import type { ListenOptions, ListeningServer, ServerApp, ServerSocket, ServerTransport } from './transport.js';

// The few uWebSockets.js types used here (the package's own .d.ts is not imported: optional addon).
interface UwsWebSocket<U> {
  send(message: ArrayBuffer | Uint8Array | string, isBinary?: boolean): number;
  end(code?: number, shortMessage?: string): void;
  close(): void;
  getUserData(): U;
}
interface UwsHttpResponse {
  writeStatus(status: string): UwsHttpResponse;
  writeHeader(key: string, value: string): UwsHttpResponse;
  end(body?: string): UwsHttpResponse;
  upgrade<U>(userData: U, key: string, protocol: string, extensions: string, context: unknown): void;
  onAborted(handler: () => void): UwsHttpResponse;
}
interface UwsHttpRequest {
  getHeader(lowerCaseKey: string): string;
  getUrl(): string;
  getQuery(): string | undefined;
  getMethod(): string;
  forEach(callback: (key: string, value: string) => void): void;
}
interface UwsApp {
  ws(pattern: string, behavior: Record<string, unknown>): UwsApp;
  any(pattern: string, handler: (res: UwsHttpResponse, req: UwsHttpRequest) => void): UwsApp;
  listen(host: string, port: number, callback: (listenSocket: unknown) => void): UwsApp;
}
interface UwsModule {
  App(): UwsApp;
  SSLApp(options: { key_file_name: string; cert_file_name: string }): UwsApp;
  us_listen_socket_close(listenSocket: unknown): void;
  us_socket_local_port(socket: unknown): number;
}

export type UwsLoadResult = { ok: true; module: UwsModule } | { ok: false; reason: string };

let cached: UwsLoadResult | undefined;

/** Loads the addon's native binary directly (the package's own loader would fall back to a slow JS server). */
export function loadUwsModule(): UwsLoadResult {
  if (cached !== undefined) return cached;
  cached = tryLoad();
  return cached;
}

function tryLoad(): UwsLoadResult {
  if (isBun()) return { ok: false, reason: 'uWebSockets.js: not available under Bun' };
  const require = createRequire(import.meta.url);
  const abi = process.versions.modules;
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  const where = `${process.platform}-${process.arch}, ABI ${abi}${glibc ? `, glibc ${glibc}` : ''}`;
  for (const name of ['uWebSockets.js', '@trufflesuite/uws-js-unofficial']) {
    let root: string;
    try {
      root = dirname(require.resolve(`${name}/package.json`));
    } catch {
      continue;
    }
    const candidates = [join(root, `uws_${process.platform}_${process.arch}_${abi}.node`), join(root, 'binaries', `uws_${process.platform}_${process.arch}_${abi}.node`)];
    const binary = candidates.find((path) => existsSync(path));
    if (binary === undefined) {
      return { ok: false, reason: `uWebSockets.js: no build for Node ${process.versions.node} (${where}) in ${name}` };
    }
    try {
      return { ok: true, module: require(binary) as UwsModule };
    } catch (error) {
      return { ok: false, reason: `uWebSockets.js: ${name} failed to load (${where}): ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return { ok: false, reason: 'uWebSockets.js: package not installed' };
}

interface UpgradeData {
  url: string;
  headers: Record<string, string>;
  remoteAddress: string;
}

interface UwsUserData<S> extends UpgradeData {
  state: S | undefined;
}


export function createUwsServerTransport(uws: UwsModule): ServerTransport {
  return {
    name: 'uws',
    async listen<S>(options: ListenOptions, app: ServerApp<S>): Promise<ListeningServer> {
      const uwsApp = options.tls === undefined ? uws.App() : uws.SSLApp({ key_file_name: options.tls.keyFile, cert_file_name: options.tls.certFile });
      uwsApp.ws('/*', {
        // uWS drops an oversized message's connection without a close handshake (the peer sees
        // 1006), so it gets headroom and the limit is enforced in message() with a proper 1009
        maxPayloadLength: options.maxMessageSize * 2,
        idleTimeout: 0, // the app closes idle connections itself
        // uWS cannot stop reading one WebSocket: a peer that lets more than this queue up (a ping
        // flood it never reads the answers of) is closed when a send would go past it, instead of
        // having its answers dropped silently (the default).
        maxBackpressure: options.maxOutboundBytes ?? DEFAULT_MAX_OUTBOUND_BYTES,
        closeOnBackpressureLimit: true,
        sendPingsAutomatically: false,
        upgrade(res: UwsHttpResponse, req: UwsHttpRequest, context: unknown) {
          const headers: Record<string, string> = {};
          req.forEach((key, value) => {
            headers[key] = value;
          });
          const query = req.getQuery();
          const userData: UwsUserData<S> = {
            url: query ? `${req.getUrl()}?${query}` : req.getUrl(),
            headers,
            remoteAddress: '',
            state: undefined,
          };
          res.upgrade(userData, headers['sec-websocket-key'] ?? '', headers['sec-websocket-protocol'] ?? '', headers['sec-websocket-extensions'] ?? '', context);
        },
        open(ws: UwsWebSocket<UwsUserData<S>>) {
          const data = ws.getUserData();
          let closed = false;
          let opening = true;
          const socket: ServerSocket = {
            send: (message, isBinary) => !closed && ws.send(message, isBinary) === 1,
            end: (code, reason) => {
              if (!closed) ws.end(code, reason);
            },
            terminate: () => {
              // during open() the 101 is still corked: closing now would lose it, so do it next tick
              if (opening) setImmediate(() => (closed ? undefined : ws.close()));
              else if (!closed) ws.close();
            },
          };
          (data as UwsUserData<S> & { markClosed?: () => void }).markClosed = () => {
            closed = true;
          };
          data.state = app.open(socket, { url: data.url, headers: data.headers, remoteAddress: data.remoteAddress });
          opening = false;
        },
        message(ws: UwsWebSocket<UwsUserData<S>>, message: ArrayBuffer, isBinary: boolean) {
          if (message.byteLength > options.maxMessageSize) {
            ws.end(1009, 'Message too big');
            return;
          }
          // a view of uWS's buffer, valid only during this call (the app copies what it keeps)
          app.message(ws.getUserData().state as S, Buffer.from(message), isBinary);
        },
        close(ws: UwsWebSocket<UwsUserData<S>>, code: number, message: ArrayBuffer) {
          const data = ws.getUserData() as UwsUserData<S> & { markClosed?: () => void };
          data.markClosed?.();
          if (data.state !== undefined) app.close(data.state, code, Buffer.from(message).toString('utf8'));
        },
      });
      uwsApp.any('/*', (res, req) => {
        const reply = app.http(req.getMethod().toUpperCase(), req.getQuery() ? `${req.getUrl()}?${req.getQuery()}` : req.getUrl());
        if (reply === undefined) res.writeStatus('404 Not Found').end('Not Found\n');
        else res.writeStatus(`${reply.status} OK`).writeHeader('Content-Type', reply.contentType).end(reply.body);
      });
      const listenSocket = await new Promise<unknown>((resolve, reject) => {
        uwsApp.listen(options.host, options.port, (socket) => {
          if (socket) resolve(socket);
          else reject(new Error(`uWebSockets.js could not listen on ${options.host}:${options.port} (port in use?)`));
        });
      });
      return {
        port: uws.us_socket_local_port(listenSocket),
        close: async () => {
          uws.us_listen_socket_close(listenSocket);
        },
      };
    },
  };
}
