// One typed results object per run. Every output format (text, markdown, JSON) is rendered from
// it, the multi-process launcher merges it, and `merge` reads it back from JSON files.
import type { ClientTransportName } from '../adapters/client/names.js';
import type { ConnectFailureKind } from '../core/errors.js';
import type { RecordedOptions } from './options/bench-options.js';
import type { RateLimit, ServerMode, TestName } from './options/choices.js';
import type { ServerCounters } from './server/stats.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** A latency distribution in microseconds, with the HDR histogram itself so runs can be merged. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
  /** hdr-histogram-js compressed encoding (base64) of the histogram, µs, 3 significant digits. */
  hdr: string;
}

/** What one client process spent during a tier. */
export interface ProcessUsage {
  /** Event-loop utilisation 0…1 over the tier (performance.eventLoopUtilization). */
  eventLoopUtilization: number;
  /**
   * false when the runtime does not measure event-loop utilisation (Bun's returns zeros): then
   * eventLoopUtilization is 0 and means nothing; show it as unknown.
   */
  eventLoopMeasured?: boolean;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** CPU time ÷ wall time: 1.0 = one core fully busy. */
  cpuCores: number;
  rssBytes: number;
  wallMicros: number;
}

export interface ConnectionCounts {
  attempted: number;
  established: number;
  failed: number;
  failedByKind: Partial<Record<ConnectFailureKind, number>>;
}

/** Messages sent in a sending test, counted as delivered only behind the PONG barrier. */
export interface MessageCounts {
  /** Messages handed to the transport during the send phase. */
  sent: number;
  /** Messages the server has provably read: sent on connections whose barrier PONG came back. */
  delivered: number;
  /** Bytes still queued in user space (bufferedAmount summed) when the send phase ended. */
  queuedBytesAtSendEnd: number;
  /** Wire bytes of one message's payload. */
  payloadBytes: number;
  /** First send → last barrier PONG, ms. */
  windowMs: number;
  /**
   * Absolute window, epoch ms with sub-ms precision (performance.timeOrigin + performance.now()),
   * so the launcher can compute rates over the window common to all worker processes.
   */
  windowStartEpochMs: number;
  windowEndEpochMs: number;
  /** Length of the send phase alone, ms. */
  sendPhaseMs: number;
  deliveredPerSec: number;
  /** Payload megabytes (10^6 bytes) delivered per second. */
  deliveredMBPerSec: number;
  perConnectionPerSec: number;
}

export interface HoldCounts {
  heldMs: number;
  /** Connections still open at the end ÷ established at the start, %. */
  survivalPct: number;
  disconnects: number;
  pingsSent: number;
  pongsReceived: number;
  /** p50 of the pings sent in each --hold-ping-interval, µs, in order: shows drift over the hold. */
  p50ByInterval: number[];
}

/**
 * Open-loop load (--rate, --total-rate, --ramp): messages were due on a fixed timetable. Latency
 * is sampled by an application ping sent right after every probeEvery-th message; WSE answers in
 * order, so its PONG time is that message's latency. `corrected` counts from the time the message
 * was due (coordinated omission corrected), `uncorrected` from when it was actually written.
 */
export interface OpenLoopResult {
  /** Messages (pings in ping-latency) per second over all connections, as asked for. */
  requestedPerSec: number;
  requestedPerConnectionPerSec: number;
  /** Messages written ÷ (first due time → last write); below requested when the client fell behind. */
  achievedPerSec: number;
  /** Latency samples: every probeEvery-th message of a connection (and its last one). */
  probeEvery: number;
  /** Messages still unwritten when the timetable ended (the client or the server was behind). */
  behindAtScheduleEnd: number;
  corrected: LatencySummary;
  uncorrected: LatencySummary;
  /** --slo-ms, and whether corrected p99 stayed under it with the requested rate achieved. */
  sloMs?: number;
  withinSlo?: boolean;
}

/** --ramp: the highest stepped rate whose corrected p99 stayed under --slo-ms, per tier. */
export interface RampVerdict {
  connections: number;
  label?: string;
  sloMs: number;
  /** Per-connection rates tried, in order (the ramp stops after the first failing step). */
  stepsPerConnection: number[];
  /** Highest passing per-connection rate; null when even the first step failed. */
  highestPassingPerConnection: number | null;
  /** The same over all connections. */
  highestPassingTotal: number | null;
  /** Why the first failing step failed. */
  failedBecause?: string;
}

export interface ServerSide {
  /** What the server counted during this tier (difference of two readings). */
  counters: ServerCounters;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  cpuCores: number;
}

export interface Consistency {
  ok: boolean;
  clientDelivered: number;
  serverReceived: number;
  message: string;
}

export type Saturated = 'client' | 'server' | 'neither' | 'unknown';

export interface TierResult {
  test: TestName;
  /** Epoch ms (sub-ms precision) when the tier's measured phase started and ended. */
  startedAtEpochMs: number;
  endedAtEpochMs: number;
  /** Connections in this tier. */
  connections: number;
  /** Row label where a test has several rows per tier: '64 B', 'msgpack'… */
  label?: string;
  params: Record<string, string | number>;
  connectionCounts: ConnectionCounts;
  /** Established connections per second (connection-storm, connection-limit). */
  connectRatePerSec?: number;
  connectLatency?: LatencySummary;
  /** wss:// (connection-storm): TCP connect start → TLS handshake done, where the transport can see it. */
  tlsHandshake?: LatencySummary;
  messages?: MessageCounts;
  /** Ping RTT (ping-latency, sustained-hold). */
  latency?: LatencySummary;
  hold?: HoldCounts;
  openLoop?: OpenLoopResult;
  /** Server `error` frames by code (RATE_LIMITED, …). */
  serverErrors: Record<string, number>;
  /** Closes the test did not ask for, by close code. */
  unexpectedCloses: Record<string, number>;
  client: ProcessUsage;
  /** Per worker process, when --procs > 1. */
  workers?: ProcessUsage[];
  server?: ServerSide;
  saturated: Saturated;
  consistency?: Consistency;
  /** Set when the tier ended early (server died, SIGINT…): why. Numbers cover what finished. */
  partial?: string;
  /** With --start-at: how late (ms) the latest of this tier's phases began after its slot; absent when on time. */
  lateMs?: number;
  notes: string[];
}

export interface ConnectionLimitProbe {
  phase: 'probe' | 'bisect';
  target: number;
  connected: number;
  ok: boolean;
}

export interface TestResult {
  test: TestName;
  tiers: TierResult[];
  /** connection-limit only. */
  probes?: ConnectionLimitProbe[];
  maxStableConnections?: number;
  /** Why the limit search stopped: 'max-connections', 'fd-limit', 'failures'. */
  stoppedBy?: string;
  /** --ramp verdicts (throughput, size-matrix, ping-latency). */
  ramp?: RampVerdict[];
}

export interface Environment {
  runtime: 'node' | 'bun';
  runtimeVersion: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  totalMemoryBytes: number;
  hostname: string;
  fdLimit?: number;
}

export interface ServerDescription {
  embedded: boolean;
  url: string;
  transport?: string;
  mode?: ServerMode;
  rateLimit?: RateLimit;
  workers?: number;
}

/** The target's clock minus this machine's (target/clock-offset.ts), from PONG server_timestamps. */
export interface ClockOffset {
  offsetMs: number;
  /** The offset lies within ± this: half the best round trip and half the timestamp's 1 ms step. */
  uncertaintyMs: number;
  /** Pings it was measured from. */
  samples: number;
}

export interface RunResult {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  environment: Environment;
  transport: ClientTransportName;
  procs: number;
  server: ServerDescription;
  /** The settings the run used (its options after defaults). */
  options: RecordedOptions;
  tests: TestResult[];
  /** Set when the run was interrupted (SIGINT) or a worker died. */
  partial?: string;
  /** With --start-at: this machine's clock against the target's, measured before the timetable began. */
  clockOffset?: ClockOffset;
}
