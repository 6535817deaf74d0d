// Which side limited a tier. A side is saturated when it used about one core per process/worker:
// the client's event loop (ELU) or CPU, or the server's CPU over all its workers.
import type { ProcessUsage, Saturated, ServerSide } from '../results.js';

/** Busy fraction of one core from which a side counts as saturated. */
export const SATURATION_THRESHOLD = 0.9;

export interface SaturationVerdict {
  saturated: Saturated;
  /** One line saying why, for the tier's notes. */
  reason: string;
}

export function judgeSaturation(
  client: ProcessUsage,
  server: ServerSide | undefined,
  serverWorkers: number,
): SaturationVerdict {
  const clientLoad = Math.max(client.eventLoopUtilization, client.cpuCores);
  const clientBusy = clientLoad >= SATURATION_THRESHOLD;
  const elu = client.eventLoopMeasured === false ? 'unmeasured' : client.eventLoopUtilization.toFixed(2);
  const clientText = `client ELU ${elu}, CPU ${client.cpuCores.toFixed(2)} cores`;
  if (server === undefined) {
    if (clientBusy) return { saturated: 'client', reason: `${clientText} (server CPU unknown)` };
    return { saturated: 'unknown', reason: `${clientText}; server CPU unknown` };
  }
  const workers = Math.max(1, serverWorkers);
  const serverLoad = server.cpuCores / workers;
  const serverBusy = serverLoad >= SATURATION_THRESHOLD;
  const serverText = `server CPU ${server.cpuCores.toFixed(2)} cores over ${workers} worker(s)`;
  if (clientBusy && serverBusy) {
    const side: Saturated = clientLoad >= serverLoad ? 'client' : 'server';
    return { saturated: side, reason: `both busy (${clientText}; ${serverText}); ${side} the busier` };
  }
  if (clientBusy) return { saturated: 'client', reason: `${clientText}; ${serverText}` };
  if (serverBusy) return { saturated: 'server', reason: `${serverText}; ${clientText}` };
  return { saturated: 'neither', reason: `${clientText}; ${serverText}` };
}
