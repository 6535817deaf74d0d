// ClientTransport over the runtime's global WebSocket (undici on Node 22, Bun's own on Bun).
// Both accept a non-standard second argument `{ headers }`, which is how the JWT cookie or
// bearer header gets in. The web API has no source-address binding and no terminate(), and its
// `bufferedAmount` has no drain event, so onceDrained polls.
// wss://: Bun's WebSocket takes `tls: { ca, rejectUnauthorized }`; undici's (Node 22) cannot take
// a CA or --insecure per socket, only the process-wide NODE_EXTRA_CA_CERTS, so those are refused.
import { connect as netConnect, type Socket } from 'node:net';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from '../../core/errors.js';
import type { PayloadBatch } from '../../core/frame-encoder.js';
import { dialTls, type ClientTlsOptions } from '../../core/tls.js';
import type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from '../../core/wse/transport.js';
import { hasGlobalWebSocket, isBun } from '../runtime.js';
import { DrainWaiter } from './drain-waiter.js';

const DRAIN_POLL_MS = 1;
/** The close code a web WebSocket reports when the connection dropped without a close frame. */
const ABNORMAL_CLOSURE = 1006;

interface WebSocketInit {
  headers: Record<string, string>;
  /** Bun only. */
  tls?: { rejectUnauthorized: boolean; ca?: ClientTlsOptions['ca'] };
}
type WebSocketWithHeaders = new (url: string, options: WebSocketInit) => WebSocket;
/** Bun's WebSocket also has terminate(); undici's does not. */
type MaybeTerminable = WebSocket & { terminate?: () => void };

/** Why this runtime's WebSocket cannot apply these TLS settings, or undefined when it can. */
export function webTlsRefusal(tls: ClientTlsOptions | undefined): string | undefined {
  if (isBun()) return undefined;
  if (tls === undefined || (tls.ca === undefined && tls.rejectUnauthorized !== false && tls.servername === undefined)) return undefined;
  return "undici's WebSocket (Node) takes no per-connection CA, --insecure or server name: trust the certificate with NODE_EXTRA_CA_CERTS=FILE when starting node, or use --transport core or ws";
}

class WebMessageSocket implements MessageSocket {
  private readonly drain: DrainWaiter;

  constructor(
    private readonly ws: WebSocket,
    events: MessageSocketEvents,
  ) {
    this.drain = new DrainWaiter(() => ws.bufferedAmount, DRAIN_POLL_MS);
    ws.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (typeof data === 'string') events.message(data, false);
      else events.message(Buffer.from(data as ArrayBuffer), true);
    };
    ws.onerror = (event: Event) => {
      // Once open, the WHATWG API fails a connection for a protocol violation: Bun names it (WS_ERR_…), undici does not.
      events.error(Object.assign(new Error(`WebSocket error: ${(event as ErrorEvent).message ?? 'unknown'}`), { code: ((event as ErrorEvent).error as { code?: unknown } | undefined)?.code ?? 'WS_ERR_PROTOCOL' }));
    };
    ws.onclose = (event: CloseEvent) => {
      this.drain.close();
      events.close(event.code, event.reason);
    };
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

  /** The web API sends a string as text and bytes as binary; both copy what they are given. */
  sendBatch(batch: PayloadBatch, binary: boolean): void {
    const { bytes, ends } = batch;
    for (let i = 0, start = 0; i < batch.count; start = ends[i]!, i++) {
      this.ws.send(binary ? bytes.subarray(start, ends[i]) : bytes.toString('utf8', start, ends[i]));
    }
  }

  onceDrained(callback: () => void): void {
    this.drain.wait(callback);
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    const ws = this.ws as MaybeTerminable;
    if (typeof ws.terminate === 'function') ws.terminate();
    else ws.close();
  }
}

/**
 * The web API reports every failed open as the same bare error event ("network error or non-101
 * status"). To still count failures by cause, a plain TCP connect to the same host and port is
 * tried: its errno gives the kind; if it connects, TCP works and the upgrade itself failed.
 */
function classifyFailure(url: string, timeoutMs: number, tls: ClientTlsOptions | undefined): Promise<ConnectError> {
  return new Promise<ConnectError>((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(new ConnectError('other', `invalid WebSocket URL ${JSON.stringify(url)}`));
      return;
    }
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    const secure = parsed.protocol === 'wss:';
    const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
    // wss: the probe does the TLS handshake too, with the same trust settings, to tell TLS failures apart
    const probe: Socket = secure ? dialTls({ host, port }, tls) : netConnect({ host, port });
    const finish = (kind: ConnectFailureKind, detail: string, errno?: string): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(new ConnectError(kind, `${url}: ${detail} (cause found by a TCP probe; the web WebSocket does not report it)`, errno));
    };
    const timer = setTimeout(() => finish('timeout', 'no TCP connect'), Math.min(timeoutMs, 2000));
    probe.once(secure ? 'secureConnect' : 'connect', () => finish('handshake', 'the WebSocket upgrade failed'));
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const kind = connectFailureKindOf(error.code);
      finish(secure && kind === 'other' ? 'tls' : kind, `${error.code ?? 'error'} ${error.message}`, error.code);
    });
  });
}

export const webTransport: ClientTransport = {
  name: 'web',
  supportsLocalAddress: false,
  dial(url: string, options: DialOptions, events: MessageSocketEvents): Promise<MessageSocket> {
    return new Promise<MessageSocket>((resolve, reject) => {
      if (!hasGlobalWebSocket()) {
        reject(new ConnectError('other', 'this runtime has no global WebSocket'));
        return;
      }
      const WebSocketClass = globalThis.WebSocket as unknown as WebSocketWithHeaders;
      const secure = url.startsWith('wss:');
      const refusal = secure ? webTlsRefusal(options.tls) : undefined;
      if (refusal !== undefined) {
        reject(new ConnectError('other', `${url}: ${refusal}`));
        return;
      }
      const init: WebSocketInit = { headers: options.headers };
      if (secure && options.tls !== undefined) {
        init.tls = { rejectUnauthorized: options.tls.rejectUnauthorized ?? true, ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}) };
      }
      let ws: WebSocket;
      try {
        ws = new WebSocketClass(url, init);
      } catch (error) {
        reject(new ConnectError('other', `${url}: ${(error as Error).message}`));
        return;
      }
      ws.binaryType = 'arraybuffer';
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        ws.onclose = null;
        ws.close();
        reject(new ConnectError('timeout', `${url}: no upgrade within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      ws.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.onopen = null;
        ws.onerror = null;
        ws.onclose = null;
        resolve(new WebMessageSocket(ws, events));
      };
      // Bun follows an error before open with a close (1006); undici on Node 22 fires only the
      // error. Whichever comes first settles the dial.
      const failOpen = (code: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.onerror = null;
        ws.onclose = null;
        if (code !== ABNORMAL_CLOSURE) {
          reject(new ConnectError('closed', `${url}: closed with code ${code} during the handshake`));
          return;
        }
        classifyFailure(url, options.timeoutMs, options.tls).then(reject, reject);
      };
      ws.onerror = () => failOpen(ABNORMAL_CLOSURE);
      ws.onclose = (event: CloseEvent) => failOpen(event.code);
    });
  },
};
