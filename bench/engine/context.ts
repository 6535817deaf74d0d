// What every benchmark test receives. The CLI layer builds it; the tests only measure.
import type { MsgpackCodec } from '../../core/wse/decode.js';
import type { ClientTransport } from '../../core/wse/transport.js';
import type { BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { TestResult } from '../results.js';
import type { ServerStats } from '../server/stats.js';

/** Presents progress; the tests only report (autocannon's tracker pattern). */
export interface ProgressSink {
  /** A tier or phase starts: 'throughput 1,000 conns: connecting'. */
  phase(test: TestName, text: string): void;
  /** Work done so far in the current phase (connections opened, seconds elapsed…). */
  tick(done: number, total: number, unit: string): void;
  /** A non-fatal warning worth showing the user once (stderr). */
  warn(text: string): void;
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
  progress: ProgressSink;
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
}

export type TestRunner = (context: TestContext) => Promise<TestResult>;
