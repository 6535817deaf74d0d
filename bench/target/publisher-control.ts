// The client of a wse-bench server's fan-out publisher control (bench/server/admin-listener.ts, on
// its metrics port): the fanout test starts the publisher when a tier's measured phase begins and
// stops it when it ends. A target whose metrics port does not answer GET /fanout that way (a real
// WSE server, which publishes on its own) is only listened to.
import type { PublishReport, PublishSettings } from '../server/publisher.js';
import { plainHttp } from './plain-http.js';

/** HTTP 409: a start while the server publishes already, a stop while it does not. */
const CONFLICT = Symbol('conflict');

/** Generous: the request waits for turns of an event loop busy receiving (plain-http.ts). */
const CONTROL_TIMEOUT_MS = 60_000;

export interface PublisherClient {
  /**
   * This process starts and stops the publisher. A --procs worker other than the first does not:
   * its start and stop only read the report the first one's stop produced.
   */
  readonly leads: boolean;
  /**
   * 'busy' when the server is publishing already (another run's session: not ours to stop);
   * rejects with one line when the request failed (no answer, bad JWT…).
   */
  start(settings: PublishSettings): Promise<'started' | 'busy'>;
  stop(): Promise<PublishReport>;
  /** The latest session's report. */
  latest(): Promise<PublishReport | undefined>;
}

/** http://host:port: the control of a wse-bench server, authenticated with `token`. */
export function httpPublisherClient(host: string, port: number, token: string, leads = true): PublisherClient {
  const headers = { Authorization: `Bearer ${token}` };
  const call = async (method: 'GET' | 'POST', path: string): Promise<unknown> => {
    const response = await plainHttp(method, host, port, path, headers, CONTROL_TIMEOUT_MS);
    if (response.status === 409) return CONFLICT;
    if (response.status !== 200) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.body.trim().slice(0, 200)}`);
    return JSON.parse(response.body) as unknown;
  };
  const latest = async (): Promise<PublishReport | undefined> => ((await call('GET', '/fanout')) as { report: PublishReport | null }).report ?? undefined;
  if (!leads) {
    return {
      leads,
      start: () => Promise.resolve('started' as const),
      stop: async () => (await latest()) ?? { streams: [] },
      latest,
    };
  }
  return {
    leads,
    async start(settings) {
      const rate = settings.ratePerSec === undefined ? '' : `&rate=${settings.ratePerSec}`;
      return (await call('POST', `/fanout/start?payload_bytes=${settings.payloadBytes}${rate}`)) === CONFLICT ? 'busy' : 'started';
    },
    async stop() {
      const answer = await call('POST', '/fanout/stop');
      if (answer === CONFLICT) throw new Error('the server was not publishing');
      return answer as PublishReport;
    },
    latest,
  };
}

/** Whether host:port answers GET /fanout like a wse-bench server (one that this run can drive). */
export async function answersPublisherControl(host: string, port: number): Promise<boolean> {
  try {
    const response = await plainHttp('GET', host, port, '/fanout', {}, 2_000);
    const body = response.status === 200 ? (JSON.parse(response.body) as unknown) : undefined;
    return typeof body === 'object' && body !== null && 'publishing' in body;
  } catch {
    return false;
  }
}
