// Merging one tier measured by several clients (worker processes of one run, or runs from several
// machines): counts summed, histograms merged from their HDR encodings (percentiles are never
// averaged), rates recomputed over the common window (earliest start → latest end).
import type { ConnectionCounts, HoldCounts, MessageCounts, ServerSide, TierResult } from '../results.js';
import { deliveredRates } from '../engine/cell.js';
import { connectRate } from '../engine/pool.js';
import { mergeLatencySummaries } from '../stats/histogram.js';
import { judgeSaturation } from '../stats/saturation.js';
import { mergedConsistency } from './consistency.js';
import { mergeCountedNotes } from './counted-notes.js';
import type { WseMetrics } from '../server/wse-metrics.js';
import { mergeFanoutResults } from './fanout.js';
import { mergeOpenLoopResults } from './open-loop.js';
import { busiestProcess, mergeProcessUsage } from './usage.js';

export interface TierMergeInput {
  /** The same tier from each client, in client order. */
  parts: readonly TierResult[];
  /** Labels of the parts for notes ('worker 1', 'run b.json'). */
  sources: readonly string[];
  /** The server side over the merged window, when the merger read it itself (the launcher). */
  server?: ServerSide;
  /** The target's /metrics over the merged window, likewise. */
  serverMetrics?: WseMetrics;
  /** Server processes, for the saturation verdict. */
  serverWorkers?: number;
  /** Why the tier is incomplete beyond what the parts say (a worker died…). */
  partial?: string;
  /** A client's counts are missing (it died): consistency can only check a lower bound. */
  incomplete?: boolean;
  /** Extra notes for the merged tier. */
  notes?: readonly string[];
}

export function mergeTiers(input: TierMergeInput): TierResult {
  const { parts } = input;
  const first = parts[0];
  if (first === undefined) throw new Error('mergeTiers: no parts');
  const startedAtEpochMs = Math.min(...parts.map((p) => p.startedAtEpochMs));
  const endedAtEpochMs = Math.max(...parts.map((p) => p.endedAtEpochMs));
  const wallMs = Math.max(0, endedAtEpochMs - startedAtEpochMs);
  const connectionCounts = sumConnectionCounts(parts.map((p) => p.connectionCounts));

  const workerUsage = parts.flatMap((p) => p.workers ?? [p.client]);
  const client = mergeProcessUsage(parts.map((p) => p.client), wallMs * 1000);
  const server = input.server ?? mergeServerSides(parts.map((p) => p.server));

  const merged: TierResult = {
    test: first.test,
    startedAtEpochMs,
    endedAtEpochMs,
    connections: parts.reduce((n, p) => n + p.connections, 0),
    params: { ...first.params },
    connectionCounts,
    serverErrors: sumByKey(parts.map((p) => p.serverErrors)),
    unexpectedCloses: sumByKey(parts.map((p) => p.unexpectedCloses)),
    client,
    workers: workerUsage,
    saturated: 'unknown',
    notes: [],
  };
  if (first.label !== undefined) merged.label = first.label;
  if (parts.some((p) => p.connectRatePerSec !== undefined)) {
    // Established connections over the common window: the accept rate all clients achieved together.
    merged.connectRatePerSec = connectRate(connectionCounts.established, wallMs);
  }
  const connectLatency = mergeLatencySummaries(parts.map((p) => p.connectLatency));
  if (connectLatency !== undefined) merged.connectLatency = connectLatency;
  const latency = mergeLatencySummaries(parts.map((p) => p.latency));
  if (latency !== undefined) merged.latency = latency;
  const tlsHandshake = mergeLatencySummaries(parts.map((p) => p.tlsHandshake));
  if (tlsHandshake !== undefined) merged.tlsHandshake = tlsHandshake;
  const openLoop = mergeOpenLoopResults(parts.map((p) => p.openLoop));
  if (openLoop !== undefined) merged.openLoop = openLoop;
  const messages = mergeMessageCounts(parts.map((p) => p.messages), connectionCounts.established);
  if (messages !== undefined) merged.messages = messages;
  const hold = mergeHoldCounts(parts);
  if (hold !== undefined) merged.hold = hold;
  const countedNotes = mergeCountedNotes(parts.map((p) => p.countedNotes));
  if (countedNotes.length > 0) merged.countedNotes = countedNotes;
  const fanout = mergeFanoutResults(parts.map((p) => p.fanout));
  if (fanout !== undefined) merged.fanout = fanout;
  const serverMetrics = input.serverMetrics ?? widestMetrics(parts);
  if (serverMetrics !== undefined) merged.serverMetrics = serverMetrics;
  if (server !== undefined) {
    merged.server = { ...server, cpuCores: wallMs > 0 ? (server.cpuUserMicros + server.cpuSystemMicros) / (wallMs * 1000) : server.cpuCores };
  }

  // Causes are words, never counts (those are merged as data), so equal ones are one cause.
  const partials = distinct([...parts.map((p) => p.partial), input.partial].flatMap((p) => (p === undefined ? [] : p.split('; '))));
  if (partials.length > 0) merged.partial = partials.join('; ');
  const consistency = mergedConsistency(merged, merged.server?.counters, input.incomplete === true);
  if (consistency !== undefined) merged.consistency = consistency;

  // The busiest client process decides whether the client side was the limit.
  const verdict = judgeSaturation(busiestProcess(workerUsage) ?? client, merged.server, input.serverWorkers ?? 1);
  merged.saturated = verdict.saturated;
  merged.notes = [
    ...mergeNotes(parts, input.sources),
    ...(input.notes ?? []),
    `saturation (busiest of ${workerUsage.length} client processes): ${verdict.reason}`,
  ];
  if (consistency !== undefined && !consistency.ok) merged.notes.push(`ERROR: ${consistency.message}`);
  return merged;
}

export function sumConnectionCounts(parts: readonly ConnectionCounts[]): ConnectionCounts {
  const sum: ConnectionCounts = { attempted: 0, established: 0, failed: 0, failedByKind: {} };
  for (const part of parts) {
    sum.attempted += part.attempted;
    sum.established += part.established;
    sum.failed += part.failed;
    for (const [kind, n] of Object.entries(part.failedByKind) as [keyof ConnectionCounts['failedByKind'], number][]) {
      sum.failedByKind[kind] = (sum.failedByKind[kind] ?? 0) + n;
    }
  }
  return sum;
}

export function sumByKey(parts: readonly Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const part of parts) for (const [key, n] of Object.entries(part)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/** Counts summed; the window is the common one, and every rate is recomputed over it. */
export function mergeMessageCounts(parts: readonly (MessageCounts | undefined)[], established: number): MessageCounts | undefined {
  const present = parts.filter((p): p is MessageCounts => p !== undefined);
  const first = present[0];
  if (first === undefined) return undefined;
  const windowStartEpochMs = Math.min(...present.map((p) => p.windowStartEpochMs));
  const windowEndEpochMs = Math.max(...present.map((p) => p.windowEndEpochMs));
  const windowMs = Math.max(0, windowEndEpochMs - windowStartEpochMs);
  let sent = 0;
  let delivered = 0;
  let queuedBytesAtSendEnd = 0;
  for (const p of present) {
    sent += p.sent;
    delivered += p.delivered;
    queuedBytesAtSendEnd += p.queuedBytesAtSendEnd;
  }
  return {
    sent,
    delivered,
    queuedBytesAtSendEnd,
    payloadBytes: first.payloadBytes,
    windowMs,
    windowStartEpochMs,
    windowEndEpochMs,
    sendPhaseMs: Math.max(...present.map((p) => p.sendPhaseMs)),
    ...deliveredRates(delivered, windowMs, first.payloadBytes, established),
  };
}

/**
 * Survivors and pings are summed. The p50 of each interval cannot be merged exactly (the interval
 * histograms are not kept), so the merged row shows the highest worker p50 of each interval: drift
 * in any client stays visible, and no percentile is averaged.
 */
function mergeHoldCounts(parts: readonly TierResult[]): HoldCounts | undefined {
  const present = parts.filter((p) => p.hold !== undefined);
  if (present.length === 0) return undefined;
  let established = 0;
  let survivors = 0;
  const hold: HoldCounts = { heldMs: 0, survivalPct: null, disconnects: 0, pingsSent: 0, pongsReceived: 0, p50ByInterval: [] };
  for (const part of present) {
    const h = part.hold!;
    established += part.connectionCounts.established;
    survivors += Math.round((part.connectionCounts.established * (h.survivalPct ?? 0)) / 100);
    hold.heldMs = Math.max(hold.heldMs, h.heldMs);
    hold.disconnects += h.disconnects;
    hold.pingsSent += h.pingsSent;
    hold.pongsReceived += h.pongsReceived;
    h.p50ByInterval.forEach((p50, i) => (hold.p50ByInterval[i] = highest(hold.p50ByInterval[i] ?? null, p50)));
  }
  hold.survivalPct = established > 0 ? (survivors / established) * 100 : null;
  return hold;
}

/** The higher of two values, either of which may be missing (null: nothing measured). */
function highest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

/** The /metrics reading that saw the most messages (every part read the same server's). */
function widestMetrics(parts: readonly TierResult[]): WseMetrics | undefined {
  let widest: WseMetrics | undefined;
  for (const part of parts) {
    const m = part.serverMetrics;
    if (m !== undefined && (widest === undefined || (m.messagesReceived ?? 0) + (m.messagesSent ?? 0) > (widest.messagesReceived ?? 0) + (widest.messagesSent ?? 0))) widest = m;
  }
  return widest;
}

/** Server sides read by separate clients of different servers: their counters and CPU add up. */
function mergeServerSides(parts: readonly (ServerSide | undefined)[]): ServerSide | undefined {
  const present = parts.filter((p): p is ServerSide => p !== undefined);
  if (present.length === 0 || present.length < parts.length) return undefined;
  const merged: ServerSide = structuredClone(present[0]!);
  for (const part of present.slice(1)) {
    merged.cpuUserMicros += part.cpuUserMicros;
    merged.cpuSystemMicros += part.cpuSystemMicros;
    const c = merged.counters;
    const d = part.counters;
    c.connectionsOpened += d.connectionsOpened;
    c.connectionsRejected += d.connectionsRejected;
    c.authFailures += d.authFailures;
    c.connectionsClosedByCode = sumByKey([c.connectionsClosedByCode, d.connectionsClosedByCode]);
    for (const key of Object.keys(c.messages) as (keyof typeof c.messages)[]) c.messages[key] += d.messages[key];
    c.bytes.text += d.bytes.text;
    c.bytes.binary += d.bytes.binary;
    c.pings += d.pings;
    c.rateLimitedDrops += d.rateLimitedDrops;
    c.sent = { messages: (c.sent?.messages ?? 0) + (d.sent?.messages ?? 0), bytes: (c.sent?.bytes ?? 0) + (d.sent?.bytes ?? 0) };
    c.slowConsumerDrops = (c.slowConsumerDrops ?? 0) + (d.slowConsumerDrops ?? 0);
    c.published = (c.published ?? 0) + (d.published ?? 0);
  }
  return merged;
}

/**
 * The parts' notes in words, without their own saturation verdicts and consistency errors (both are
 * recomputed), each once and prefixed with the parts that made it. A note is never taken as the
 * merged tier's own: a number in it (a schema-1 note, before counted notes) is that part's, not a
 * sum, so "worker 1, worker 2: 100 connections closed…" says what each saw.
 */
function mergeNotes(parts: readonly TierResult[], sources: readonly string[]): string[] {
  const bySource = new Map<string, string[]>();
  parts.forEach((part, i) => {
    for (const note of part.notes) {
      if (note.startsWith('saturation') || note.startsWith('ERROR:')) continue;
      const who = bySource.get(note) ?? [];
      const source = sources[i] ?? `part ${i + 1}`;
      if (!who.includes(source)) who.push(source);
      bySource.set(note, who);
    }
  });
  return [...bySource.entries()].map(([note, who]) => (parts.length === 1 ? note : `${who.join(', ')}: ${note}`));
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
