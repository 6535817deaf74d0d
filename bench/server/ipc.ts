// Messages between a serve process and whoever spawned it (startEmbeddedServer, or the primary
// of a multi-worker server), over the Node/Bun IPC channel.
import type { ServedTransportName } from '../options/choices.js';
import type { StreamReport, StreamSettings } from './publisher.js';
import { addServerCounters, type ServerStats } from './stats.js';

export type ChildToParent =
  /** `metricsPort`: where GET /metrics and the publisher's control answer (admin-listener.ts), if anywhere. */
  | { type: 'ready'; port: number; transport: ServedTransportName; note?: string; metricsPort?: number }
  | { type: 'failed'; error: string }
  | { type: 'stats'; requestId: number; stats: ServerStats }
  | { type: 'publish-started'; requestId: number; started: boolean }
  /** null: the worker never published. */
  | { type: 'publish-report'; requestId: number; report: StreamReport | null };

export type ParentToChild =
  | { type: 'stats'; requestId: number }
  /** A multi-worker primary pushes the merged stats so every worker's GET /stats can answer. */
  | { type: 'merged-stats'; stats: ServerStats }
  /** A multi-worker primary drives each worker's publisher (its stream is the worker's number). */
  | { type: 'publish-start'; requestId: number; settings: StreamSettings }
  | { type: 'publish-stop'; requestId: number }
  | { type: 'publish-latest'; requestId: number };

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
