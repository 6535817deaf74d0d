// Whether client and server agree about a tier: what the client proved delivered (or the PONGs it
// got) against what the server counted over the same measured window: its own counters (the
// embedded server over IPC, GET /stats) exactly, or else WSE's Prometheus /metrics as a bound.
import type { Consistency } from '../results.js';
import type { ServerCounters } from '../server/stats.js';
import type { WseMetrics } from '../server/wse-metrics.js';
import type { SendPhaseResult } from './closed-loop-phase.js';

/** What the server counted over a tier's measured window, as far as it was read. */
export interface ServerCounts {
  counters: ServerCounters | undefined;
  metrics: WseMetrics | undefined;
}

/**
 * Data messages the server read in a measured send window: everything it received minus the
 * application pings it answered (the barrier pings) and the sessions' answers to its heartbeat.
 * Hellos fall before the window.
 */
export function serverDataMessages(counters: ServerCounters): number {
  return counters.messages.text + counters.messages.binary - counters.pings - counters.heartbeatReplies;
}

/**
 * Compares what the client proved delivered with what the server counted. When every barrier PONG
 * came back they must be equal; otherwise the server may also have read some of the undelivered
 * messages, so delivered ≤ server ≤ sent.
 */
export function deliveryConsistency({ counters, metrics }: ServerCounts, send: SendPhaseResult): Consistency | undefined {
  if (counters === undefined) return metricsLowerBound(metrics, send.delivered + send.barrierPongs, `${send.delivered} messages and ${send.barrierPongs} barrier pings`);
  const serverReceived = serverDataMessages(counters);
  const drops = counters.rateLimitedDrops > 0 ? ` (${counters.rateLimitedDrops} dropped by the server's rate limiter)` : '';
  // A server that parses (WSE mode) counts what it could not: those messages were read, not understood.
  if (counters.messages.bad > 0) {
    const message = `server could not parse ${counters.messages.bad} of the ${serverReceived} messages it read (not WSE messages?)${drops}`;
    return { ok: false, clientDelivered: send.delivered, serverReceived, message };
  }
  const allBack = send.barrierPongs === send.barrierPings && send.sent === send.delivered;
  let ok: boolean;
  let message: string;
  if (allBack) {
    ok = serverReceived === send.delivered;
    message = ok
      ? `server read ${serverReceived} messages, client delivered ${send.delivered}${drops}`
      : `server counted ${serverReceived} messages but the client delivered ${send.delivered}${drops}`;
  } else {
    ok = serverReceived >= send.delivered && serverReceived <= send.sent;
    message = ok
      ? `server read ${serverReceived} messages: between delivered ${send.delivered} and sent ${send.sent}${drops}`
      : `server counted ${serverReceived} messages, outside delivered ${send.delivered} … sent ${send.sent}${drops}`;
  }
  return { ok, clientDelivered: send.delivered, serverReceived, message };
}

/** Ping-only phases: the server's answered pings must equal the PONGs the client received. */
export function pingConsistency({ counters, metrics }: ServerCounts, pongsReceived: number, pingsSent: number): Consistency | undefined {
  if (counters === undefined) return metricsLowerBound(metrics, pongsReceived, `${pongsReceived} pings (their PONGs came back)`);
  const serverReceived = counters.pings;
  const ok = serverReceived >= pongsReceived && serverReceived <= pingsSent;
  const message = ok
    ? `server answered ${serverReceived} pings; client got ${pongsReceived} PONGs of ${pingsSent} pings`
    : `server answered ${serverReceived} pings but the client sent ${pingsSent} and got ${pongsReceived} PONGs`;
  return { ok, clientDelivered: pongsReceived, serverReceived, message };
}

/**
 * Against /metrics alone: WSE counts pings and data messages together, and the server may have
 * other clients, so what the client proved read (a message before a PONG that came back, the
 * ping itself) is a lower bound of wse_messages_received_total over the tier.
 */
export function metricsLowerBound(metrics: WseMetrics | undefined, proven: number, what: string): Consistency | undefined {
  const received = metrics?.messagesReceived;
  if (received === undefined) return undefined;
  const ok = received >= proven;
  const message = ok
    ? `the server's /metrics counted ${received} messages received, at least the ${what} the client proved read`
    : `the server's /metrics counted ${received} messages received, fewer than the ${what} the client proved read`;
  return { ok, clientDelivered: proven, serverReceived: received, message };
}
