// What every benchmark test receives. The CLI layer builds it; the tests only measure.
import type { MsgpackCodec } from '../../core/wse/decode.js';
import type { ClientTransport } from '../../core/wse/transport.js';
import type { BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { TestResult, TierResult } from '../results.js';
import type { ServerStats } from '../server/stats.js';
import type { WseMetrics } from '../server/wse-metrics.js';
import type { PublisherClient } from '../target/publisher-control.js';
import type { LiveCounters } from './live-counters.js';

/**
 * What the engine and the tests report as a run goes; reporters (the progress line, --live, the
 * tables printed as each test ends, the threshold watcher) subscribe to it. The tests only report
 * (autocannon's pattern): no presentation lives in a scenario.
 */
export interface ProgressSink {
  /** A tier or phase starts: 'throughput 1,000 conns: connecting'; `tier` is its connection count. */
  phase(test: TestName, text: string, tier?: number): void;
  /** Work done so far in the current phase (connections opened, seconds elapsed…). */
  tick(done: number, total: number, unit: string): void;
  /** A non-fatal warning worth showing the user once (stderr). */
  warn(text: string): void;
  /** A tier (or cell) has been measured in this process: its result as reports show it. */
  tierMeasured(tier: TierResult): void;
  /** A test starts, and ends with its (merged) result. */
  testStarted(test: TestName): void;
  testFinished(result: TestResult): void;
}

export interface TestContext {
  options: BenchOptions;
  transport: ClientTransport;
  /** ws://host:port/wse?… */
  url: string;
  token: string;
  msgpack: MsgpackCodec;
  clientVersion: string;
  /** The server's counters: embedded server over IPC, external server via GET /stats, else undefined. */
  readServerStats(): Promise<ServerStats | undefined>;
  /** The target's Prometheus /metrics under WSE's names, when it answered at the start; rejects with one line. */
  readServerMetrics?: () => Promise<WseMetrics>;
  /** The fan-out publisher's control (the embedded server, wse-bench serve); without it the fanout test only listens. */
  publisher?: PublisherClient;
  progress: ProgressSink;
  /** Counted as it happens: messages, connects, PONGs, errors (the progress line and --live read them). */
  live: LiveCounters;
  /** Aborted on SIGINT or when the server dies: tests end the current tier early, marked partial. */
  signal: AbortSignal;
  /**
   * Source addresses to bind in turn, or undefined to let the OS choose. Set when a tier needs
   * more connections than one source address has ephemeral ports for.
   */
  localAddresses: string[] | undefined;
  /**
   * Waits until every worker process has reached the same phase (--procs N), and with --start-at
   * until the phase's slot in the timetable; resolves at once in a single process without one.
   * Tests call it at each phase boundary of a tier, with the same names in every worker: before
   * connecting ('connect', in openTier), after connecting ('connected'), before measuring starts
   * ('start'; connection-storm measures its connecting), after the send phase / before closing
   * ('done'). Rates are then computed over a window common to all workers.
   */
  barrier(phase: string): Promise<void>;
  /**
   * A tier lost every connection, or could open none (`cause` says which): the run checks that the
   * target still accepts connections and, when it does not, aborts `signal` so that no further tier
   * or test runs against a dead server. Resolves once that is decided.
   */
  connectionsLost(cause: string): Promise<void>;
}

export type TestRunner = (context: TestContext) => Promise<TestResult>;
