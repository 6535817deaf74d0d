// The settings of a benchmark run, resolved from its options (resolve-run.ts): what the engine,
// the scenarios and the launcher read, and what every RunResult records. Its field names are those
// of schema-1 JSON results, kept so that older results still merge and render.
import type { ClientTransportName } from '../../adapters/client/names.js';
import type { MessageSettings } from '../messages/message-file.js';
import type { AuthPlace, ClockMode, OutputFormat, ParseMode, PayloadFormat, RateLimit, ServerMode, ServerTransportChoice, TestName } from './choices.js';

/** --rate / --total-rate / --ramp: open-loop load for throughput, size-matrix and ping-latency. */
export interface OpenLoopOptions {
  /** Messages/s; undefined with --ramp (the steps give the rates). */
  rate?: number;
  /** --rate is per connection; --total-rate is spread over the connections of a tier. */
  per: 'connection' | 'total';
  /** --ramp: per-connection rates to step through, ascending. */
  ramp?: number[];
  /** --slo-ms: corrected p99 bound (required with --ramp). */
  sloMs?: number;
}

/** --shard I/N: this run is share `index` (from 0, like Kubernetes' JOB_COMPLETION_INDEX) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

export interface BenchOptions {
  /** Target server; undefined = start the embedded server. */
  host: string | undefined;
  port: number;
  /** Path and query of the WSE endpoint. */
  path: string;
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  /** Send the JWT as the access_token cookie (default), as Authorization: Bearer, or not at all. */
  authVia: AuthPlace;
  /** --header: more request headers of every upgrade, by name (results record their names only). */
  headers?: Record<string, string>;
  /** --message: the user's messages instead of the trading message (plain data: workers get it over IPC). */
  message?: MessageSettings;
  tests: TestName[];
  /** Connection counts, one tier each (what --tiers gave; else the profile's, see tiersByTest). */
  tiers: number[];
  /** Per-test tiers of the profile, used for tests without --tiers (the orchestrator sets tiers from it). */
  tiersByTest?: Partial<Record<TestName, number[]>>;
  /** Send phase of throughput (s); size-matrix and format-comparison use cellDuration. */
  durationSec: number;
  cellDurationSec: number;
  batchSize: number;
  /** Connections opened, pinged and closed before the first test, untimed (0 = none). */
  warmupConnections: number;
  /** Upper bound for connection-limit, and the cap passed to the embedded server. */
  maxConnections: number;
  /** connection-limit: first probe (default 1,000; small values for tests). */
  limitStartConnections?: number;
  /** connection-limit: how long each probe holds its connections, s (default 3). */
  limitHoldSec?: number;
  pings: number;
  holdSec: number;
  /** Ping period during sustained-hold, s. */
  holdPingIntervalSec: number;
  transport: ClientTransportName;
  output: OutputFormat;
  outFile: string | undefined;
  /** --html FILE: the HTML report as well, whatever --output is. */
  htmlFile?: string;
  /** --svg DIR: the report's charts as .svg files plus an index.md embedding them. */
  svgDir?: string;
  progress: boolean;
  /** --quiet: no progress on stderr. */
  quiet?: boolean;
  /** --live FILE: one JSON line a second while running. */
  liveFile?: string;
  /** --threshold expressions as given (thresholds/expression.ts reads them). */
  thresholds?: string[];
  /** --fail-fast: stop once a threshold can no longer pass. */
  failFast?: boolean;
  connectTimeoutMs: number;
  /** Payload sizes for size-matrix, bytes. */
  sizes: number[];
  formats: PayloadFormat[];
  /** Embedded server settings (ignored with --host). */
  serverMode: ServerMode;
  serverTransport: ServerTransportChoice;
  serverWorkers: number;
  rateLimit: RateLimit;
  procs: number;
  /** --procs as a list (1,2): each test runs once per count, and tables show scaling efficiency. */
  procsSeries?: number[];
  perWorker: boolean;
  /**
   * --start-at: epoch ms at which the run's timetable starts (launcher/timetable.ts): every tier and
   * phase then begins at a wall-clock time computed from the options, the same on every machine.
   */
  startAtEpochMs?: number;
  /** --shard I/N: this run opens share I of N of every tier's connections (the other shards run elsewhere). */
  shard?: ShardSpec;
  /** --tls: connect with wss:// (the embedded server then serves TLS). */
  tls?: boolean;
  /** --ca: PEM file whose certificates are trusted instead of the system's CAs. */
  caFile?: string;
  /** --insecure: accept any server certificate (self-signed, another name). */
  insecure?: boolean;
  /** --cert/--key: the embedded server's PEM certificate and key; --tls without them generates a self-signed pair. */
  certFile?: string;
  keyFile?: string;
  /** Set by --rate, --total-rate or --ramp: send on a timetable instead of as fast as possible. */
  openLoop?: OpenLoopOptions;
  /** fanout: unique messages/s the server publishes (each server worker); undefined = as fast as it can. */
  publishRate?: number;
  /** fanout: JSON.parse every message, or read seq and ts_us from the bytes. Absent in older results: json. */
  parse?: ParseMode;
  /** fanout: the server's clock for delivery latency. Absent in older results: shared. */
  clock?: ClockMode;
  /** fanout: --sizes when given (each a cell); undefined = the bare tick, WSE's own message. */
  fanoutSizes?: number[];
  /** --metrics-port: the target's Prometheus /metrics (0 = do not read); undefined = the default. */
  metricsPort?: number;
}

/** What a RunResult records: the run's settings; a merged result also names the runs it came from. */
export interface RecordedOptions extends BenchOptions {
  mergedFrom?: string[];
}

/** The tiers `test` runs: its own from the profile, else the run's --tiers. */
export function tiersOf(options: BenchOptions, test: TestName): number[] {
  return options.tiersByTest?.[test] ?? options.tiers;
}

/** The most connections any selected test opens at once. */
export function largestTier(options: BenchOptions): number {
  return Math.max(0, ...options.tests.flatMap((test) => tiersOf(options, test)));
}
