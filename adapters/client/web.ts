// ClientTransport over the runtime's global WebSocket (undici on Node 22, Bun's own on Bun).
// Both accept a non-standard second argument `{ headers }`, which is how the JWT cookie or
// bearer header gets in. The web API has no source-address binding and no terminate(), and its
// `bufferedAmount` has no drain event, so onceDrained polls.
import { connect as netConnect } from 'node:net';
import { ConnectError, connectFailureKindOf, type ConnectFailureKind } from '../../core/errors.js';
import type { ClientTransport, DialOptions, MessageSocket, MessageSocketEvents } from '../../core/wse/transport.js';

const DRAIN_POLL_MS = 1;
/** The close code a web WebSocket reports when the connection dropped without a close frame. */
const ABNORMAL_CLOSURE = 1006;

type WebSocketWithHeaders = new (url: string, options: { headers: Record<string, string> }) => WebSocket;
/** Bun's WebSocket also has terminate(); undici's does not. */
type MaybeTerminable = WebSocket & { terminate?: () => void };

export function hasGlobalWebSocket(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
}

class WebMessageSocket implements MessageSocket {
  private drainWaiters: (() => void)[] = [];
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    events: MessageSocketEvents,
  ) {
    ws.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (typeof data === 'string') events.message(data, false);
      else events.message(Buffer.from(data as ArrayBuffer), true);
    };
    ws.onerror = (event: Event) => {
      events.error(new Error(`WebSocket error: ${(event as ErrorEvent).message ?? 'unknown'}`));
    };
    ws.onclose = (event: CloseEvent) => {
      this.closed = true;
      this.drainWaiters = [];
      if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
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

  onceDrained(callback: () => void): void {
    if (this.ws.bufferedAmount === 0) {
      callback();
      return;
    }
    this.drainWaiters.push(callback);
    this.schedulePoll();
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    const ws = this.ws as MaybeTerminable;
    if (typeof ws.terminate === 'function') ws.terminate();
    else ws.close();
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.closed) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.ws.bufferedAmount !== 0) {
        this.schedulePoll();
        return;
      }
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const waiter of waiters) waiter();
    }, DRAIN_POLL_MS);
  }
}

/**
 * The web API reports every failed open as the same bare error event ("network error or non-101
 * status"). To still count failures by cause, a plain TCP connect to the same host and port is
 * tried: its errno gives the kind; if it connects, TCP works and the upgrade itself failed.
 */
function classifyFailure(url: string, timeoutMs: number): Promise<ConnectError> {
  return new Promise<ConnectError>((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(new ConnectError('other', `invalid WebSocket URL ${JSON.stringify(url)}`));
      return;
    }
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    const port = parsed.port === '' ? (parsed.protocol === 'wss:' ? 443 : 80) : Number(parsed.port);
    const probe = netConnect({ host, port });
    const finish = (kind: ConnectFailureKind, detail: string, errno?: string): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(new ConnectError(kind, `${url}: ${detail} (cause found by a TCP probe; the web WebSocket does not report it)`, errno));
    };
    const timer = setTimeout(() => finish('timeout', 'no TCP connect'), Math.min(timeoutMs, 2000));
    probe.once('connect', () => finish('handshake', 'the WebSocket upgrade failed'));
    probe.once('error', (error: NodeJS.ErrnoException) => {
      finish(connectFailureKindOf(error.code), `${error.code ?? 'error'} ${error.message}`, error.code);
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
      let ws: WebSocket;
      try {
        ws = new WebSocketClass(url, { headers: options.headers });
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
        classifyFailure(url, options.timeoutMs).then(reject, reject);
      };
      ws.onerror = () => failOpen(ABNORMAL_CLOSURE);
      ws.onclose = (event: CloseEvent) => failOpen(event.code);
    });
  },
};
