// --procs N: the parent of N client worker processes. It splits each tier's connections across
// the workers (floor + remainder), releases every phase through one barrier, reads the server's
// counters itself at the barriers that bound each tier's measured phase (so per-tier server
// numbers are exact across workers), and merges the workers' results (bench/merge/).
// A worker that dies is removed from the barrier and reported with its exit cause; the others
// finish and the result is marked partial.
import type { ProgressSink } from '../engine/context.js';
import { abortReason } from '../engine/phase-waiter.js';
import type { LiveCounters } from '../engine/live-counters.js';
import { mergeTestResults } from '../merge/run.js';
import { addScalingEfficiency } from '../merge/scaling.js';
import { tiersOf, type BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { NotRunTest, ServerSide, TestResult } from '../results.js';
import type { TestsRun } from '../scenarios/session.js';
import type { ServerStats } from '../server/stats.js';
import { diffServerCounters } from '../server/stats.js';
import { diffWseMetrics, type WseMetrics } from '../server/wse-metrics.js';
import { PhaseBarrier } from './barrier.js';
import { shareOf } from './ipc.js';
import type { TimetableClock } from './timetable-clock.js';
import { WorkerHandle, type TestOutcome, type WorkerEvents } from './worker-handle.js';

export interface LaunchTarget {
  url: string;
  token: string;
  localAddresses: string[] | undefined;
  readServerStats(): Promise<ServerStats | undefined>;
  /** The target's /metrics, when it answered at the start. */
  readServerMetrics?: (() => Promise<WseMetrics>) | undefined;
  /** The fan-out publisher's control: the first worker drives it, the others read its report. */
  publisherAt?: { host: string; port: number } | undefined;
  serverWorkers: number;
  progress: ProgressSink;
  /** The run's live counters: every worker's reports are added in. */
  live: LiveCounters;
  /** Aborted on SIGINT or when the server dies: the workers are told to stop. */
  signal: AbortSignal;
  /** A worker's tier lost every connection: check the target (aborting `signal` when it is gone). */
  connectionsLost(cause: string): Promise<void>;
  /** dist/bench.js, run as `<runtime> <script> worker`; default process.argv[1]. */
  script?: string;
  /** With --start-at: each barrier is released at its phase's slot, not before. */
  clock?: TimetableClock;
}

export interface LaunchOutcome extends TestsRun {
  /** Why the run is incomplete (a worker died), when it is. */
  partial: string | undefined;
}

/** A tier's server readings: at its 'start' barrier and at the barrier after it. */
interface ServerWindow {
  before: ServerStats | undefined;
  after: ServerStats | undefined;
  metricsBefore: WseMetrics | undefined;
  metricsAfter: WseMetrics | undefined;
}

export async function runTestsInWorkers(options: BenchOptions, target: LaunchTarget): Promise<LaunchOutcome> {
  const script = target.script ?? process.argv[1];
  if (script === undefined) throw new Error('--procs: no script to start workers from');
  const deaths: string[] = [];
  let windows: ServerWindow[] = [];
  let open: ServerWindow | undefined;
  /** Workers in the current round (a --procs list runs rounds of different sizes). */
  let roundSize = options.procs;

  const barrier = new PhaseBarrier(
    async (phase) => {
      // Every worker has arrived; the phase begins at its slot, and the server is read right then.
      await target.clock?.reach(phase);
      if (phase !== 'start' && open === undefined) return;
      const stats = await target.readServerStats().catch(() => undefined);
      const metrics = await target.readServerMetrics?.().catch(() => undefined);
      if (open !== undefined) {
        open.after = stats;
        open.metricsAfter = metrics;
        windows.push(open);
        open = undefined;
      }
      if (phase === 'start') open = { before: stats, after: undefined, metricsBefore: metrics, metricsAfter: undefined };
    },
    (participant, seq) => handles[participant]?.send({ type: 'release', seq }),
  );
  const events: WorkerEvents = {
    arrive: (worker, seq, phase) => barrier.arrive(worker.index, seq, phase),
    other: (worker, message) => {
      if (message.type === 'phase') target.progress.phase(message.test, `${message.text} (${roundSize} processes)`, message.tier);
      else if (message.type === 'live') target.live.absorb(message.delta);
      else if (message.type === 'tick') target.progress.tick(message.done, message.total, message.unit);
      else if (message.type === 'warn') target.progress.warn(message.text);
      else if (message.type === 'connections-lost') {
        const { requestId } = message;
        // answered in every case: the worker waits for it
        void target.connectionsLost(message.cause).catch(() => undefined).then(() => worker.send({ type: 'loss-checked', requestId }));
      }
    },
    died: (worker, cause) => {
      deaths.push(`client worker ${worker.index + 1} of ${options.procs} ${cause}`);
      target.progress.warn(`client worker ${worker.index + 1} (pid ${worker.pid}) ${cause}; the others go on`);
      barrier.remove(worker.index);
    },
  };

  const handles: WorkerHandle[] = [];
  const stopWorkers = (): void => {
    const reason = abortReason(target.signal);
    for (const h of handles) h.send({ type: 'stop', reason });
  };
  target.signal.addEventListener('abort', stopWorkers, { once: true });
  try {
    const started = await Promise.allSettled(Array.from({ length: options.procs }, (_, i) => WorkerHandle.start(i, script, events)));
    for (const s of started) if (s.status === 'fulfilled') handles.push(s.value);
    const failedStart = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failedStart !== undefined) {
      for (const h of handles) h.kill();
      throw failedStart.reason instanceof Error ? failedStart.reason : new Error(String(failedStart.reason));
    }
    handles.forEach((h, index) =>
      h.send({
        type: 'init', index, workers: handles.length, options, url: target.url, token: target.token, localAddresses: target.localAddresses,
        ...(target.publisherAt !== undefined ? { publisherAt: target.publisherAt } : {}),
      }),
    );

    const runTestOnWorkers = async (test: TestName, participants: WorkerHandle[]): Promise<TestResult | undefined> => {
      const tiers = tiersOf(options, test);
      windows = [];
      open = undefined;
      target.clock?.beginTest(test);
      barrier.startRound(participants.map((h) => h.index));
      roundSize = participants.length;
      const outcomes = await Promise.all(
        participants.map(async (h, k) => {
          const shares = test === 'connection-limit' ? tiers : tiers.map((n) => shareOf(n, k, participants.length));
          const outcome = await h.runTest(test, shares);
          // Done with this test: the others must not wait for it at their remaining barriers.
          barrier.remove(h.index);
          return outcome;
        }),
      );
      await barrier.settled();
      const merged = mergeOutcomes(test, participants, outcomes, windows, target, options);
      if (merged !== undefined) target.clock?.markLate(merged);
      return merged;
    };

    const tests: TestResult[] = [];
    const notRun: NotRunTest[] = [];
    // With a --procs list each test runs once per count, on the first `count` live workers.
    const series = options.procsSeries ?? [handles.length];
    for (const test of options.tests) {
      if (target.signal.aborted) {
        notRun.push({ test, reason: abortReason(target.signal) });
        continue;
      }
      target.progress.testStarted(test);
      const runs: TestResult[] = [];
      let whyNot = 'no client worker produced a result';
      for (const count of test === 'connection-limit' ? series.slice(0, 1) : series) {
        if (target.signal.aborted) {
          whyNot = abortReason(target.signal);
          break;
        }
        const live = handles.filter((h) => h.alive);
        if (live.length === 0) {
          whyNot = 'every client worker died';
          break;
        }
        // The connection-limit search decides each probe from the previous one: one process runs it.
        const participants = live.slice(0, test === 'connection-limit' ? 1 : count);
        const result = await runTestOnWorkers(test, participants);
        if (result === undefined) continue;
        if (series.length > 1) for (const tier of result.tiers) tier.params['procs'] = participants.length;
        runs.push(result);
      }
      if (runs.length === 0) {
        notRun.push({ test, reason: whyNot });
        continue;
      }
      const combined: TestResult = { ...runs[0]!, tiers: runs.flatMap((r) => r.tiers) };
      if (series.length > 1) addScalingEfficiency(combined);
      tests.push(combined);
      // The merged tiers are what the reporters see (each worker measured only its share).
      for (const tier of combined.tiers) target.progress.tierMeasured(tier);
      target.progress.testFinished(combined);
    }
    return { tests, notRun, partial: deaths.length > 0 ? deaths.join('; ') : undefined };
  } finally {
    target.signal.removeEventListener('abort', stopWorkers);
    await Promise.all(handles.map((h) => h.finish()));
  }
}

function mergeOutcomes(
  test: TestName,
  participants: readonly WorkerHandle[],
  outcomes: readonly TestOutcome[],
  windows: readonly ServerWindow[],
  target: LaunchTarget,
  options: BenchOptions,
): TestResult | undefined {
  const parts: TestResult[] = [];
  const sources: string[] = [];
  const problems: string[] = [];
  outcomes.forEach((outcome, k) => {
    const name = `worker ${participants[k]!.index + 1}`;
    if (outcome.kind === 'result') {
      parts.push(outcome.result);
      sources.push(name);
    } else if (outcome.kind === 'failed') {
      problems.push(`${name} failed: ${outcome.error}`);
      target.progress.warn(`${test}: ${name} failed: ${outcome.error}`);
    } else {
      problems.push(`${name} of ${options.procs} ${outcome.cause} during ${test}: its connections are not counted`);
    }
  });
  if (parts.length === 0) {
    target.progress.warn(`${test}: no worker produced a result${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`);
    return undefined;
  }
  const mergeOptions: Parameters<typeof mergeTestResults>[1] = {
    sources,
    serverWorkers: target.serverWorkers,
    serverForTier: (i) => serverSide(windows[i]),
    metricsForTier: (i) => {
      const w = windows[i];
      return w?.metricsBefore === undefined || w.metricsAfter === undefined ? undefined : diffWseMetrics(w.metricsBefore, w.metricsAfter);
    },
  };
  if (problems.length > 0) {
    mergeOptions.partial = problems.join('; ');
    mergeOptions.incomplete = true;
  }
  return mergeTestResults(parts, mergeOptions);
}

/** The server's counters and CPU between the two readings; cpuCores is set over the tier's window at merge. */
function serverSide(window: ServerWindow | undefined): ServerSide | undefined {
  if (window?.before === undefined || window.after === undefined) return undefined;
  const cpuUserMicros = window.after.cpuUserMicros - window.before.cpuUserMicros;
  const cpuSystemMicros = window.after.cpuSystemMicros - window.before.cpuSystemMicros;
  const wallMicros = Math.max(1, (window.after.readAtMs - window.before.readAtMs) * 1000);
  return {
    counters: diffServerCounters(window.before.counters, window.after.counters),
    cpuUserMicros,
    cpuSystemMicros,
    cpuCores: (cpuUserMicros + cpuSystemMicros) / wallMicros,
  };
}
