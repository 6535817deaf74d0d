// One typed results object per run. Every output format (text, markdown, JSON) is rendered from
// it, the multi-process launcher merges it, and `merge` reads it back from JSON files.
// A measurement that holds nothing (no PONG came back, nothing was delivered) is null, never 0:
// a zero would read as a result. Schema 2 (this shape) added those nulls, the tests not run, the
// counted notes and the run's pid; `merge` still reads schema-1 files (merge/input.ts).
import type { ClientTransportName } from '../adapters/client/names.js';
import type { ConnectFailureKind } from '../core/errors.js';
import type { RecordedOptions } from './options/bench-options.js';
import type { ClockMode, ParseMode, RateLimit, ServerMode, TestName } from './options/choices.js';
import type { ServerCounters } from './server/stats.js';
import type { WseMetrics } from './server/wse-metrics.js';

export const RESULTS_SCHEMA_VERSION = 2;

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
  /** Delivered ÷ window; null when nothing was proven delivered (there is no window to divide by). */
  deliveredPerSec: number | null;
  /** Payload megabytes (10^6 bytes) delivered per second; null like deliveredPerSec. */
  deliveredMBPerSec: number | null;
  perConnectionPerSec: number | null;
}

export interface HoldCounts {
  heldMs: number;
  /** Connections still open at the end ÷ established at the start, %; null when none was established. */
  survivalPct: number | null;
  disconnects: number;
  pingsSent: number;
  pongsReceived: number;
  /** p50 of the pings sent in each --hold-ping-interval, µs, in order (null: none answered): drift over the hold. */
  p50ByInterval: (number | null)[];
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
  /** Null when no probe came back. */
  corrected: LatencySummary | null;
  uncorrected: LatencySummary | null;
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

/**
 * The fanout test (server push): what the server published, what the subscribers received, what
 * was lost and why, and how long delivery took. Counts are deliveries (one message to one
 * subscriber) unless named otherwise; null where the server could not say (it died, or a passive
 * --host run against a server this run does not drive).
 */
export interface FanoutResult {
  /** json: every message JSON.parsed (a real subscriber); none: seq and ts_us read from the bytes (the transport alone). */
  parse: ParseMode;
  /** Payload bytes of one message (the publisher's; a passive run: the mean received). */
  payloadBytes: number;
  /** Messages/s asked of the publisher; null = as fast as it could, or not driven by this run. */
  requestedRatePerSec: number | null;
  /** This run started and stopped the publisher (embedded server, wse-bench serve); false: it only listened. */
  publisherDriven: boolean;
  /** Connections open when publishing began. */
  subscribers: number;
  /** Publishing streams: one per server worker, each with its own seq; a subscriber gets one. */
  streams: number;
  /** Unique messages published: the server's count over every stream; a passive run: the seq span seen. */
  published: number | null;
  publishedPerSec: number | null;
  /** What no loss would deliver: each stream's published × its subscribers. */
  expectedDeliveries: number | null;
  /** Distinct messages received, all subscribers together. */
  received: number;
  deliveriesPerSec: number;
  /** Payload megabytes (10^6 bytes) received per second. */
  MBPerSec: number;
  /** Received again / received after a later seq. */
  duplicates: number;
  reordered: number;
  /** Sequence gaps: published while subscribed but never received (a passive run: gaps between the first and last seen). */
  lost: number;
  subscribersWithLoss: number;
  maxLossPerSubscriber: number;
  /** Subscribers that received nothing. */
  silentSubscribers: number;
  /** The server's subscribers when publishing started and when it stopped (every client's, not only ours). */
  serverSubscribers: number | null;
  serverSubscribersAtEnd: number | null;
  /** Handed to subscribers' sockets / dropped at the outbound cap (slow consumers), by the server's count. */
  serverDelivered: number | null;
  serverDrops: number | null;
  /** Handed to a socket but never received (its connection closed first): serverDelivered − received. */
  lostInFlight: number | null;
  /** Publishing started → last message received (a passive run: the listening window), ms. */
  windowMs: number;
  windowStartEpochMs: number;
  windowEndEpochMs: number;
  /** arrival − ts_us, µs; absent with --clock off. */
  latency?: LatencySummary | null;
  clock: ClockMode;
  /** --clock ping: server clock − ours and the estimate's bound, µs. */
  clockOffsetMicros?: number;
  clockUncertaintyMicros?: number;
  /** Arrivals stamped before their ts_us (the clocks disagree by more than the latency), recorded as 1 µs. */
  negativeLatencies: number;
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
  /** Established connections per second (connection-storm, connection-limit); null when none was. */
  connectRatePerSec?: number | null;
  /** Null (here and in every latency) when the histogram is empty: nothing was measured. */
  connectLatency?: LatencySummary | null;
  /** wss:// (connection-storm): TCP connect start → TLS handshake done, where the transport can see it. */
  tlsHandshake?: LatencySummary | null;
  messages?: MessageCounts;
  /** Ping RTT (ping-latency, sustained-hold); null when no PONG came back. */
  latency?: LatencySummary | null;
  hold?: HoldCounts;
  openLoop?: OpenLoopResult;
  fanout?: FanoutResult;
  /** What the target's Prometheus /metrics counted over the tier (WSE's names), when it was read. */
  serverMetrics?: WseMetrics;
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
  /** Remarks in words; what has a count is in countedNotes instead. */
  notes: string[];
  /** Remarks whose numbers are data: merged by adding them, their sentence rendered from the sums. */
  countedNotes?: CountedNote[];
}

/**
 * A remark with numbers, kept as data so that merging several clients' tiers adds the numbers
 * (report/counted-notes.ts renders the sentence). `of` is the total `count` is a part of.
 */
export type CountedNote =
  /** Connections that closed before the barrier: their messages are not counted. */
  | { kind: 'closed-before-barrier'; count: number }
  /** Connections whose barrier PONG did not come back: their messages are not counted as delivered. */
  | { kind: 'barrier-pong-missing'; count: number; of: number }
  /** Open loop: connections whose last probe did not come back. */
  | { kind: 'last-probe-missing'; count: number; of: number }
  /** Open loop: connections that closed before the send phase. */
  | { kind: 'closed-before-send'; count: number }
  /** Pings without a PONG (ping-latency, sustained-hold). */
  | { kind: 'pings-unanswered'; count: number; of: number }
  /** Open loop: messages still unwritten when the timetable ended. */
  | { kind: 'behind-schedule'; count: number }
  | { kind: 'rate-limit-warnings'; count: number }
  /** Transport errors on established connections. */
  | { kind: 'connection-errors'; count: number }
  /** connection-limit: connections still open after the probe's hold. */
  | { kind: 'held-open'; count: number; of: number; holdSec: number };

/** A selected test that produced no result, and why (the server was gone, SIGINT, it failed). */
export interface NotRunTest {
  test: TestName;
  reason: string;
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
  /** The process that ran the benchmark: with startedAt and hostname, it names the run (merge refuses one run twice). */
  pid?: number;
}

export interface ServerDescription {
  embedded: boolean;
  url: string;
  /** The target's /metrics: where, and why it could not be read when it could not (one line). */
  metrics?: { url: string; problem?: string };
  transport?: string;
  mode?: ServerMode;
  rateLimit?: RateLimit;
  workers?: number;
}

/** One --threshold (or --slo-ms without --ramp) judged at the end of the run. */
export interface ThresholdOutcome {
  /** As given: 'ping-latency.p99<=20ms'. */
  threshold: string;
  /** The metric it resolved to: 'ping-latency.latency.p99'. */
  metric: string;
  passed: boolean;
  /** The value that decided, in the metric's unit (µs for latencies); null when not measured. */
  value: number | null;
  /** The same as the reports write it: '6.1 ms', or 'not measured'. */
  measured: string;
  /** The row that decided (the worst tier): 'ping-latency 1,000'. */
  where?: string;
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
  /** Set when the run was interrupted (a signal, the server gone), a worker died or --fail-fast stopped it. */
  partial?: string;
  /** Selected tests that did not run, in order, with the reason. */
  notRun?: NotRunTest[];
  /** Set when no tier measured anything (the run exits 1): why. */
  nothingMeasured?: string;
  /** Every threshold's verdict, when the run had any. */
  thresholds?: ThresholdOutcome[];
  /** With --start-at: this machine's clock against the target's, measured before the timetable began. */
  clockOffset?: ClockOffset;
}
