// Merging one fanout tier measured by several clients. The subscribers' counts add up; the server's
// (published, delivered, dropped) do too when each client drove its own publishing session, but
// when they read the same session (the workers of one --procs run, all given one report) they are
// taken once. Rates are recomputed over the common window; latency histograms are merged.
import type { FanoutResult } from '../results.js';
import { mergeLatencySummaries } from '../stats/histogram.js';

export function mergeFanoutResults(parts: readonly (FanoutResult | undefined)[]): FanoutResult | undefined {
  const present = parts.filter((p): p is FanoutResult => p !== undefined);
  const first = present[0];
  if (first === undefined) return undefined;
  const oneSession = present.every((p) => p.published === first.published && p.serverDelivered === first.serverDelivered && p.serverDrops === first.serverDrops);
  const server = (read: (p: FanoutResult) => number | null): number | null => {
    if (oneSession) return read(first);
    let total = 0;
    for (const p of present) {
      const value = read(p);
      if (value === null) return null;
      total += value;
    }
    return total;
  };
  const sum = (read: (p: FanoutResult) => number): number => present.reduce((n, p) => n + read(p), 0);
  const windowStartEpochMs = Math.min(...present.map((p) => p.windowStartEpochMs));
  const windowEndEpochMs = Math.max(...present.map((p) => p.windowEndEpochMs));
  const windowMs = Math.max(0, windowEndEpochMs - windowStartEpochMs);
  const perSec = (n: number): number => (windowMs > 0 ? n / (windowMs / 1000) : 0);
  const received = sum((p) => p.received);
  const bytes = sum((p) => p.MBPerSec * 1e6 * (p.windowMs / 1000));
  const serverDelivered = server((p) => p.serverDelivered);
  const expected = present.every((p) => p.expectedDeliveries !== null) ? sum((p) => p.expectedDeliveries!) : null;
  const merged: FanoutResult = {
    parse: first.parse,
    payloadBytes: first.payloadBytes,
    requestedRatePerSec: first.requestedRatePerSec,
    publisherDriven: first.publisherDriven,
    subscribers: sum((p) => p.subscribers),
    streams: Math.max(...present.map((p) => p.streams)),
    published: oneSession ? first.published : server((p) => p.published),
    publishedPerSec: oneSession ? first.publishedPerSec : server((p) => p.publishedPerSec),
    expectedDeliveries: expected,
    received,
    deliveriesPerSec: perSec(received),
    MBPerSec: perSec(bytes) / 1e6,
    duplicates: sum((p) => p.duplicates),
    reordered: sum((p) => p.reordered),
    lost: sum((p) => p.lost),
    subscribersWithLoss: sum((p) => p.subscribersWithLoss),
    maxLossPerSubscriber: Math.max(...present.map((p) => p.maxLossPerSubscriber)),
    silentSubscribers: sum((p) => p.silentSubscribers),
    serverSubscribers: server((p) => p.serverSubscribers),
    serverSubscribersAtEnd: server((p) => p.serverSubscribersAtEnd),
    serverDelivered,
    serverDrops: server((p) => p.serverDrops),
    lostInFlight: serverDelivered === null ? null : serverDelivered - received,
    windowMs,
    windowStartEpochMs,
    windowEndEpochMs,
    clock: first.clock,
    negativeLatencies: sum((p) => p.negativeLatencies),
  };
  const latency = mergeLatencySummaries(present.map((p) => p.latency));
  if (latency !== undefined) merged.latency = latency;
  // each client estimated the server's clock on its own: the first one's estimate is shown
  if (first.clockOffsetMicros !== undefined) merged.clockOffsetMicros = first.clockOffsetMicros;
  if (first.clockUncertaintyMicros !== undefined) merged.clockUncertaintyMicros = first.clockUncertaintyMicros;
  return merged;
}
