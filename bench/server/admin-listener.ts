// The embedded server's second port, like WSE's metrics port (the WebSocket port + 1000 unless
// told otherwise): GET /metrics in the Prometheus text format, and the fan-out publisher's
// control, which a benchmark (or any client holding a valid JWT) uses to start and stop it per tier:
//   POST /fanout/start?payload_bytes=N[&rate=R]   → 200 {"started":true}, 409 while publishing
//   POST /fanout/stop                             → 200 the PublishReport of the session, 409 when none runs
//   GET  /fanout                                  → 200 {"publishing":bool,"report":the latest PublishReport or null}
// Plain HTTP on the listen address; one process (a multi-process server's primary) answers for all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenVerifier } from './auth.js';
import type { PublisherControl, PublishSettings } from './publisher.js';
import type { ServerStats } from './stats.js';
import { METRICS_CONTENT_TYPE, renderMetricsText } from './wse-metrics.js';

export interface AdminHandlers {
  /** The whole server's stats (merged over workers). */
  stats(): Promise<ServerStats>;
  publisher: PublisherControl;
  verifier: TokenVerifier;
}

export interface AdminListener {
  readonly port: number;
  close(): Promise<void>;
}

/** The largest fan-out payload the control accepts: WSE's max message size. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** WSE's convention: the metrics port is the WebSocket port + 1000. */
export const METRICS_PORT_OFFSET = 1000;

/**
 * The admin port of a server listening on `wsPort`: `requested` exactly (0 = none), or by default
 * wsPort + 1000, falling back to any free port when that one is taken or out of range.
 */
export async function openAdminListener(host: string, requested: number | undefined, wsPort: number, handlers: AdminHandlers): Promise<AdminListener | undefined> {
  if (requested === 0) return undefined;
  if (requested !== undefined) {
    try {
      return await listenAdmin(host, requested, handlers);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`cannot listen for /metrics on ${host}:${requested}: ${code === 'EADDRINUSE' ? 'port in use' : (error as Error).message} (--metrics-port 0 turns it off)`);
    }
  }
  const preferred = wsPort + METRICS_PORT_OFFSET;
  if (preferred <= 65535) {
    try {
      return await listenAdmin(host, preferred, handlers);
    } catch {
      // taken: any free port, which the banner and the ready message name
    }
  }
  return listenAdmin(host, 0, handlers);
}

/** Listens on host:port (0 = any free port); rejects with the listen error (EADDRINUSE…). */
export function listenAdmin(host: string, port: number, handlers: AdminHandlers): Promise<AdminListener> {
  const server = createServer((request, response) => {
    answer(request, handlers).then(
      (reply) => send(response, reply),
      (error: unknown) => send(response, { status: 500, type: 'text/plain', body: `${error instanceof Error ? error.message : String(error)}\n` }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ port: (server.address() as AddressInfo).port, close: () => closeServer(server) });
    });
  });
}

interface Reply {
  status: number;
  type: string;
  body: string;
}

const json = (status: number, value: unknown): Reply => ({ status, type: 'application/json', body: `${JSON.stringify(value)}\n` });

async function answer(request: IncomingMessage, handlers: AdminHandlers): Promise<Reply> {
  const url = new URL(request.url ?? '/', 'http://admin');
  const method = request.method ?? 'GET';
  if (method === 'GET' && url.pathname === '/metrics') {
    return { status: 200, type: METRICS_CONTENT_TYPE, body: renderMetricsText(await handlers.stats()) };
  }
  if (method === 'GET' && url.pathname === '/fanout') {
    const latest = await handlers.publisher.latest();
    return json(200, { publishing: handlers.publisher.publishing(), report: latest ?? null });
  }
  if (method === 'POST' && (url.pathname === '/fanout/start' || url.pathname === '/fanout/stop')) {
    const token = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const outcome = handlers.verifier.verifyCached(token) ?? (await handlers.verifier.verify(token));
    if (!outcome.ok) return json(401, { error: outcome.code, message: outcome.message });
    if (url.pathname === '/fanout/stop') {
      const report = await handlers.publisher.stop();
      return report === undefined ? json(409, { error: 'not publishing' }) : json(200, report);
    }
    const settings = publishSettingsOf(url.searchParams);
    if (typeof settings === 'string') return json(400, { error: settings });
    return (await handlers.publisher.start(settings)) ? json(200, { started: true }) : json(409, { error: 'already publishing: POST /fanout/stop first' });
  }
  return { status: 404, type: 'text/plain', body: 'Not Found\n' };
}

/** payload_bytes (required) and rate (optional, messages/s); a string says what is wrong. */
export function publishSettingsOf(query: URLSearchParams): PublishSettings | string {
  const size = Number(query.get('payload_bytes'));
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAYLOAD_BYTES) return `payload_bytes must be a whole number from 1 to ${MAX_PAYLOAD_BYTES}`;
  const rateText = query.get('rate');
  if (rateText === null) return { payloadBytes: size, ratePerSec: undefined };
  const rate = Number(rateText);
  if (!Number.isFinite(rate) || rate <= 0) return 'rate must be a positive number of messages per second';
  return { payloadBytes: size, ratePerSec: rate };
}

function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, { 'Content-Type': reply.type, 'Content-Length': Buffer.byteLength(reply.body) });
  response.end(reply.body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
