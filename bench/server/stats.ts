import type { RateLimit, ServedTransportName, ServerMode } from '../options/choices.js';
// The embedded server's counters, as the benchmark reads them (over IPC, or GET /stats).
// Plain data: summed across worker processes with addServerCounters().

export interface MessageCounts {
  text: number;
  binary: number;
  /** By payload kind (wse mode; sink mode only counts text/binary). */
  json: number;
  msgpack: number;
  zlib: number;
  encrypted: number;
  /** Undecodable payloads (bad JSON, msgpack too deep, inflate over the cap…). */
  bad: number;
}

export interface ServerCounters {
  connectionsOpened: number;
  /** Closed right after the upgrade because --max-connections was reached. */
  connectionsRejected: number;
  authFailures: number;
  /** Close codes seen, as a string key ('1000', '1006', '4401'…) → count. */
  connectionsClosedByCode: Record<string, number>;
  messages: MessageCounts;
  bytes: { text: number; binary: number };
  /** Application-level pings answered with PONG. */
  pings: number;
  /** Clients' PONG answers to the server's heartbeat ping (not data: the benchmark subtracts them). */
  heartbeatReplies: number;
  /** Messages dropped by the rate limiter (--rate-limit wse). */
  rateLimitedDrops: number;
  /**
   * Every message the server sent (server_ready, PONGs, heartbeats, errors, fan-out deliveries) and
   * their payload bytes. Results from before the fan-out test lack this and the two below.
   */
  sent?: { messages: number; bytes: number };
  /** Fan-out messages dropped for a connection whose outbound queue was at its cap (WSE's slow consumer). */
  slowConsumerDrops?: number;
  /** Unique fan-out messages published (each reaches every subscriber, or is dropped for it). */
  published?: number;
}

/** A running server's counters: every field present. */
export type LiveServerCounters = Required<ServerCounters>;

export interface ServerStats {
  transport: ServedTransportName;
  mode: ServerMode;
  rateLimit: RateLimit;
  workers: number;
  /** CPU time used by the server process(es) since they started, µs. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** Currently open connections. */
  openConnections: number;
  counters: ServerCounters;
  /** Date.now() when these were read. */
  readAtMs: number;
}

export function emptyServerCounters(): LiveServerCounters {
  return {
    connectionsOpened: 0,
    connectionsRejected: 0,
    authFailures: 0,
    connectionsClosedByCode: {},
    messages: { text: 0, binary: 0, json: 0, msgpack: 0, zlib: 0, encrypted: 0, bad: 0 },
    bytes: { text: 0, binary: 0 },
    pings: 0,
    heartbeatReplies: 0,
    rateLimitedDrops: 0,
    sent: { messages: 0, bytes: 0 },
    slowConsumerDrops: 0,
    published: 0,
  };
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function addServerCounters(a: ServerCounters, b: ServerCounters): ServerCounters {
  a.connectionsOpened += b.connectionsOpened;
  a.connectionsRejected += b.connectionsRejected;
  a.authFailures += b.authFailures;
  for (const [code, n] of Object.entries(b.connectionsClosedByCode)) {
    a.connectionsClosedByCode[code] = (a.connectionsClosedByCode[code] ?? 0) + n;
  }
  for (const key of Object.keys(a.messages) as (keyof MessageCounts)[]) a.messages[key] += b.messages[key];
  a.bytes.text += b.bytes.text;
  a.bytes.binary += b.bytes.binary;
  a.pings += b.pings;
  a.heartbeatReplies += b.heartbeatReplies;
  a.rateLimitedDrops += b.rateLimitedDrops;
  a.sent = { messages: sentOf(a).messages + sentOf(b).messages, bytes: sentOf(a).bytes + sentOf(b).bytes };
  a.slowConsumerDrops = (a.slowConsumerDrops ?? 0) + (b.slowConsumerDrops ?? 0);
  a.published = (a.published ?? 0) + (b.published ?? 0);
  return a;
}

/** The sent counts, zero in a result from before they were counted. */
function sentOf(counters: ServerCounters): { messages: number; bytes: number } {
  return counters.sent ?? { messages: 0, bytes: 0 };
}

/** b − a: what happened between two readings (for per-tier numbers). */
export function diffServerCounters(before: ServerCounters, after: ServerCounters): LiveServerCounters {
  const d = emptyServerCounters();
  d.connectionsOpened = after.connectionsOpened - before.connectionsOpened;
  d.connectionsRejected = after.connectionsRejected - before.connectionsRejected;
  d.authFailures = after.authFailures - before.authFailures;
  for (const [code, n] of Object.entries(after.connectionsClosedByCode)) {
    const delta = n - (before.connectionsClosedByCode[code] ?? 0);
    if (delta !== 0) d.connectionsClosedByCode[code] = delta;
  }
  for (const key of Object.keys(d.messages) as (keyof MessageCounts)[]) {
    d.messages[key] = after.messages[key] - before.messages[key];
  }
  d.bytes.text = after.bytes.text - before.bytes.text;
  d.bytes.binary = after.bytes.binary - before.bytes.binary;
  d.pings = after.pings - before.pings;
  d.heartbeatReplies = after.heartbeatReplies - before.heartbeatReplies;
  d.rateLimitedDrops = after.rateLimitedDrops - before.rateLimitedDrops;
  d.sent = { messages: sentOf(after).messages - sentOf(before).messages, bytes: sentOf(after).bytes - sentOf(before).bytes };
  d.slowConsumerDrops = (after.slowConsumerDrops ?? 0) - (before.slowConsumerDrops ?? 0);
  d.published = (after.published ?? 0) - (before.published ?? 0);
  return d;
}
