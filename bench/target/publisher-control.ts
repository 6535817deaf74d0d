// The client of a wse-bench server's fan-out publisher control (bench/server/admin-listener.ts, on
// its metrics port): the fanout test starts the publisher when a tier's measured phase begins and
// stops it when it ends. A target whose metrics port does not answer GET /fanout that way (a real
// WSE server, which publishes on its own) is only listened to.
import type { PublishReport, PublishSettings } from '../server/publisher.js';

const CONTROL_TIMEOUT_MS = 10_000;

export interface PublisherClient {
  /**
   * This process starts and stops the publisher. A --procs worker other than the first does not:
   * its start and stop only read the report the first one's stop produced.
   */
  readonly leads: boolean;
  /** Rejects with one line when the server refuses (already publishing, bad JWT…). */
  start(settings: PublishSettings): Promise<void>;
  stop(): Promise<PublishReport>;
  /** The latest session's report. */
  latest(): Promise<PublishReport | undefined>;
}

/** http://host:port: the control of a wse-bench server, authenticated with `token`. */
export function httpPublisherClient(host: string, port: number, token: string, leads = true): PublisherClient {
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers = { Authorization: `Bearer ${token}` };
  const call = async (method: 'GET' | 'POST', path: string): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, { method, headers, signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.trim().slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  };
  const latest = async (): Promise<PublishReport | undefined> => ((await call('GET', '/fanout')) as { report: PublishReport | null }).report ?? undefined;
  if (!leads) {
    return {
      leads,
      start: () => Promise.resolve(),
      stop: async () => (await latest()) ?? { streams: [] },
      latest,
    };
  }
  return {
    leads,
    async start(settings) {
      const rate = settings.ratePerSec === undefined ? '' : `&rate=${settings.ratePerSec}`;
      await call('POST', `/fanout/start?payload_bytes=${settings.payloadBytes}${rate}`);
    },
    stop: async () => (await call('POST', '/fanout/stop')) as PublishReport,
    latest,
  };
}

/** Whether host:port answers GET /fanout like a wse-bench server (one that this run can drive). */
export async function answersPublisherControl(host: string, port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/fanout`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return false;
    const body = (await response.json()) as unknown;
    return typeof body === 'object' && body !== null && 'publishing' in body;
  } catch {
    return false;
  }
}
