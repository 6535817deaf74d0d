// Client vs server agreement for a merged tier, recomputed from the summed client counts and the
// server counters of the merged window (never taken from a part: a part saw only its own share).
import { metricsLowerBound, serverDataMessages } from '../engine/consistency.js';
import { fanoutConsistency } from '../fanout/accounting.js';
import type { Consistency, TierResult } from '../results.js';
import type { ServerCounters } from '../server/stats.js';

/** WSE sends a heartbeat ping every 25 s; each answered heartbeat is one more client message. */
const HEARTBEAT_INTERVAL_MS = 25_000;

/**
 * `incomplete` says some client's counts are missing (a worker died mid-tier): the server then also
 * read that client's messages, so only the lower bound (server ≥ client) can be checked.
 */
export function mergedConsistency(tier: TierResult, counters: ServerCounters | undefined, incomplete: boolean): Consistency | undefined {
  if (tier.fanout !== undefined) {
    let closed = 0;
    for (const n of Object.values(tier.unexpectedCloses)) closed += n;
    // a dead client's subscribers are in the server's counts but not in the clients': only the bound holds
    return fanoutConsistency(tier.fanout, { everyDrainBack: tier.partial === undefined && !incomplete, closedDuringTier: closed + (incomplete ? 1 : 0) });
  }
  if (counters === undefined) {
    const m = tier.messages;
    if (m !== undefined) return metricsLowerBound(tier.serverMetrics, m.delivered, `${m.delivered} messages`);
    if (tier.test === 'ping-latency' || tier.test === 'sustained-hold') {
      const pongs = tier.hold?.pongsReceived ?? tier.latency?.count ?? 0;
      return metricsLowerBound(tier.serverMetrics, pongs, `${pongs} pings (their PONGs came back)`);
    }
    return undefined;
  }
  const missing = incomplete ? ' (a client process died: its messages are not in the client count)' : '';
  const drops = counters.rateLimitedDrops > 0 ? ` (${counters.rateLimitedDrops} dropped by the server's rate limiter)` : '';
  const m = tier.messages;
  if (m !== undefined) {
    const serverReceived = serverDataMessages(counters);
    const heartbeats = tier.connectionCounts.established * Math.floor(m.windowMs / HEARTBEAT_INTERVAL_MS);
    const allBack = tier.partial === undefined && m.sent === m.delivered;
    const upper = incomplete ? Number.POSITIVE_INFINITY : (allBack ? m.delivered : m.sent) + heartbeats;
    const ok = serverReceived >= m.delivered && serverReceived <= upper;
    const client = allBack || incomplete ? `${m.delivered}` : `${m.delivered} of ${m.sent} sent`;
    const message = ok
      ? `server read ${serverReceived} messages, clients delivered ${client}${drops}${missing}`
      : `server counted ${serverReceived} messages but the clients delivered ${client}${drops}${missing}`;
    return { ok, clientDelivered: m.delivered, serverReceived, message };
  }
  if (tier.test === 'ping-latency' || tier.test === 'sustained-hold') {
    const pongs = tier.hold?.pongsReceived ?? tier.latency?.count ?? 0;
    const perConnection = Number(tier.params['pingsPerConnection'] ?? 0);
    const pingsSent = tier.hold?.pingsSent ?? tier.connectionCounts.established * perConnection;
    const serverReceived = counters.pings;
    const ok = serverReceived >= pongs && (incomplete || pingsSent === 0 || serverReceived <= pingsSent);
    const message = ok
      ? `server answered ${serverReceived} pings; clients got ${pongs} PONGs of ${pingsSent} pings${missing}`
      : `server answered ${serverReceived} pings but the clients sent ${pingsSent} and got ${pongs} PONGs${missing}`;
    return { ok, clientDelivered: pongs, serverReceived, message };
  }
  return undefined;
}
