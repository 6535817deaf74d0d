// `dist/bench.js worker`: one client process of a --procs N run. It runs the tests the launcher
// sends, on its share of each tier's connections, meets the other workers at every phase barrier,
// and sends back plain TestResults. It exits when the launcher says so, or at once when the
// launcher is gone (IPC disconnect), so a dead launcher never leaves workers behind.
import { loadClientTransport } from '../../adapters/client/index.js';
import type { ProgressSink } from '../engine/context.js';
import { warmUpSize } from '../engine/warm-up.js';
import { LiveCounters } from '../engine/live-counters.js';
import { msgpackCodec } from '../msgpack-codec.js';
import type { TestName } from '../options/choices.js';
import { WORKER_COMMAND } from '../options/commands.js';
import { parseCommandLine } from '../options/parse.js';
import { EXIT_OK, EXIT_ORPHANED, EXIT_USAGE } from '../process/exit-codes.js';
import { isIpcMessage, sendToParent } from '../process/ipc.js';
import { ScenarioSession } from '../scenarios/session.js';
import { httpPublisherClient } from '../target/publisher-control.js';
import { VERSION } from '../version.js';
import { shareOf, type ParentToWorker, type WorkerToParent } from './ipc.js';

const LIVE_REPORT_MS = 500;

export function runWorkerCommand(argv: readonly string[]): Promise<number> {
  parseCommandLine(WORKER_COMMAND, argv);
  if (process.send === undefined) {
    process.stderr.write('wse-bench: `worker` is started by the launcher (--procs), not by hand\n');
    return Promise.resolve(EXIT_USAGE);
  }
  const post = (message: WorkerToParent): void => sendToParent(message);
  // Ctrl-C (or a SIGTERM to the process group) reaches every process; the launcher decides what
  // stops, and tells us.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', () => process.exit(EXIT_ORPHANED));

  const controller = new AbortController();
  let live = new LiveCounters();
  /** The live counts go to the launcher twice a second, and before each result so that they are complete. */
  const reportLive = (): void => post({ type: 'live', delta: live.takeDelta() });
  setInterval(reportLive, LIVE_REPORT_MS).unref();
  const releases = new Map<number, () => void>();
  let barrierSeq = 0;
  let queue = Promise.resolve();
  const lossChecks = new Map<number, () => void>();
  let nextLossCheck = 0;

  /** The launcher checks the target for all workers; a 'stop' comes before the answer if it is gone. */
  const connectionsLost = (cause: string): Promise<void> => {
    const requestId = ++nextLossCheck;
    return new Promise<void>((resolve) => {
      lossChecks.set(requestId, resolve);
      post({ type: 'connections-lost', requestId, cause });
    });
  };

  const barrier = (phase: string): Promise<void> => {
    const seq = ++barrierSeq;
    return new Promise<void>((resolve) => {
      releases.set(seq, resolve);
      post({ type: 'arrive', seq, phase });
    });
  };

  let session: ScenarioSession | undefined;
  const runTest = async (test: TestName, tiers: number[]): Promise<void> => {
    if (session === undefined) return;
    barrierSeq = 0; // the launcher numbers each test's barriers from 1
    try {
      const result = await session.run(test, tiers);
      reportLive();
      post({ type: 'result', test, result });
    } catch (error) {
      post({ type: 'failed', test, error: error instanceof Error ? error.message : String(error) });
    }
  };

  process.on('message', (message: unknown) => {
    if (!isIpcMessage<ParentToWorker>(message)) return;
    switch (message.type) {
      case 'init':
        live = new LiveCounters(message.options.liveFile !== undefined);
        session = new ScenarioSession({
          options: message.options,
          transport: loadClientTransport(message.options.transport),
          url: message.url,
          token: message.token,
          msgpack: msgpackCodec,
          clientVersion: VERSION,
          // The launcher reads the server's counters itself at the barriers, for all workers at once.
          readServerStats: () => Promise.resolve(undefined),
          progress: forwardingProgress(message.index === 0, post),
          live,
          signal: controller.signal,
          localAddresses: message.localAddresses,
          barrier,
          connectionsLost,
          // the first worker starts and stops the fan-out publisher; the others read its report
          ...(message.publisherAt !== undefined ? { publisher: httpPublisherClient(message.publisherAt.host, message.publisherAt.port, message.token, message.index === 0) } : {}),
        }, warmUpSize(message.options, (connections) => shareOf(connections, message.index, message.workers)));
        break;
      case 'test': {
        const { test, tiers } = message;
        queue = queue.then(() => runTest(test, tiers));
        break;
      }
      case 'release': {
        const resolve = releases.get(message.seq);
        releases.delete(message.seq);
        resolve?.();
        break;
      }
      case 'stop':
        controller.abort(new Error(message.reason));
        break;
      case 'loss-checked': {
        const resolve = lossChecks.get(message.requestId);
        lossChecks.delete(message.requestId);
        resolve?.();
        break;
      }
      case 'finish':
        void queue.then(() => process.exit(EXIT_OK));
        break;
    }
  });
  post({ type: 'ready' });
  // The process ends through process.exit above; this promise never settles.
  return new Promise<number>(() => undefined);
}

/**
 * Worker 0 reports progress for all (they move in step); every worker forwards its warnings. Tier
 * and test results go to the launcher as results, merged there before reporters see them.
 */
function forwardingProgress(reportsProgress: boolean, post: (message: WorkerToParent) => void): ProgressSink {
  return {
    phase: (test, text, tier) => {
      if (reportsProgress) post({ type: 'phase', test, text, tier });
    },
    tick: (done, total, unit) => {
      if (reportsProgress) post({ type: 'tick', done, total, unit });
    },
    warn: (text) => post({ type: 'warn', text }),
    tierMeasured: () => undefined,
    testStarted: () => undefined,
    testFinished: () => undefined,
  };
}
