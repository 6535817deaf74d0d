// Messages between the launcher (parent) and its client worker processes, over the Node/Bun IPC
// channel of `<runtime> dist/bench.js worker`.
import type { BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { LiveDelta } from '../engine/live-counters.js';
import type { TestResult } from '../results.js';

export type ParentToWorker =
  /** Once, first: what every test of this worker needs. */
  | { type: 'init'; index: number; workers: number; options: BenchOptions; url: string; token: string; localAddresses: string[] | undefined; publisherAt?: { host: string; port: number } }
  /** Run one test with these tiers (this worker's share of each tier's connections). */
  | { type: 'test'; test: TestName; tiers: number[] }
  /** Every live participant reached barrier number `seq`: go on. */
  | { type: 'release'; seq: number }
  /** SIGINT in the parent: end the current tier early (partial), like a single-process run. */
  | { type: 'stop'; reason: string }
  /** The answer to 'connections-lost' `requestId`: the target was checked (a 'stop' came first if it is gone). */
  | { type: 'loss-checked'; requestId: number }
  /** Nothing left to run: exit. */
  | { type: 'finish' };

export type WorkerToParent =
  | { type: 'ready' }
  | { type: 'arrive'; seq: number; phase: string }
  | { type: 'result'; test: TestName; result: TestResult }
  | { type: 'failed'; test: TestName; error: string }
  | { type: 'phase'; test: TestName; text: string; tier: number | undefined }
  /** What the worker counted since its previous report (the progress line and --live add them up). */
  | { type: 'live'; delta: LiveDelta }
  | { type: 'tick'; done: number; total: number; unit: string }
  | { type: 'warn'; text: string }
  /** A tier of this worker lost every connection: the launcher checks the target (TestContext.connectionsLost). */
  | { type: 'connections-lost'; requestId: number; cause: string };

/** Worker `index` of `workers` gets floor(n / workers) connections, the first n % workers one more. */
export function shareOf(connections: number, index: number, workers: number): number {
  return Math.floor(connections / workers) + (index < connections % workers ? 1 : 0);
}
