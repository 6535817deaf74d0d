// An external server's counters: GET /stats over http or https (the embedded server answers it;
// a server without it is read once and then left alone).
import { request as httpsRequest } from 'node:https';
import type { ClientTlsOptions } from '../../core/tls.js';
import type { ServerStats } from '../server/stats.js';

const STATS_TIMEOUT_MS = 1_000;

/** GET http(s)://host:port/stats; after one failure the server is taken to have no stats endpoint. */
export function externalStatsReader(host: string, port: number, tls: ClientTlsOptions | undefined): () => Promise<ServerStats | undefined> {
  let available = true;
  return async () => {
    if (!available) return undefined;
    try {
      let body: Partial<ServerStats>;
      if (tls !== undefined) body = (await getJsonOverTls(host, port, '/stats', tls)) as Partial<ServerStats>;
      else {
        const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/stats`, { signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        body = (await response.json()) as Partial<ServerStats>;
      }
      if (typeof body !== 'object' || body === null || typeof body.counters !== 'object') throw new Error('not WSE-bench stats');
      return body as ServerStats;
    } catch {
      available = false;
      return undefined;
    }
  };
}

/** fetch cannot take a CA or --insecure on Node, so https GETs of /stats go through node:https. */
function getJsonOverTls(host: string, port: number, path: string, tls: ClientTlsOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host, port, path, method: 'GET', timeout: STATS_TIMEOUT_MS, rejectUnauthorized: tls.rejectUnauthorized ?? true, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`));
        else {
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error as Error);
          }
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${STATS_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
}
