// Messages between a serve process and whoever spawned it (startEmbeddedServer, or the primary
// of a multi-worker server), over the Node/Bun IPC channel.
import type { ServedTransportName } from '../options/choices.js';
import { addServerCounters, type ServerStats } from './stats.js';

export type ChildToParent =
  | { type: 'ready'; port: number; transport: ServedTransportName; note?: string }
  | { type: 'failed'; error: string }
  | { type: 'stats'; requestId: number; stats: ServerStats };

export type ParentToChild =
  | { type: 'stats'; requestId: number }
  /** A multi-worker primary pushes the merged stats so every worker's GET /stats can answer. */
  | { type: 'merged-stats'; stats: ServerStats };

/** Sums the stats of several worker processes (counters exactly, CPU and open connections summed). */
export function mergeStats(parts: ServerStats[], workers: number): ServerStats {
  const first = parts[0];
  if (first === undefined) throw new Error('mergeStats: no stats');
  const merged: ServerStats = structuredClone(first);
  for (const part of parts.slice(1)) {
    merged.cpuUserMicros += part.cpuUserMicros;
    merged.cpuSystemMicros += part.cpuSystemMicros;
    merged.openConnections += part.openConnections;
    addServerCounters(merged.counters, part.counters);
  }
  merged.workers = workers;
  merged.readAtMs = Date.now();
  return merged;
}
