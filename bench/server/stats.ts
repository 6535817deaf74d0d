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
}

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

export function emptyServerCounters(): ServerCounters {
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
  return a;
}

/** b − a: what happened between two readings (for per-tier numbers). */
export function diffServerCounters(before: ServerCounters, after: ServerCounters): ServerCounters {
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
  return d;
}
