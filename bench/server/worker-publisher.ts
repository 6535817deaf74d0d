// The fan-out publisher of a multi-process server: every worker publishes a stream of its own (its
// number in the ticks' "w", its own seq) to the connections it holds; the primary starts and stops
// them together over IPC and reports every stream. A subscriber is held by one worker and gets that
// worker's stream, so the accounting is exact per stream: published × that worker's subscribers.
import type { ChildHandle } from '../process/child.js';
import type { ChildToParent, ParentToChild } from './ipc.js';
import type { PublishReport, PublisherControl, PublishSettings, StreamReport } from './publisher.js';

type ServeWorker = ChildHandle<ChildToParent, ParentToChild>;

/** A worker that does not answer within this long fails the request. */
const ANSWER_TIMEOUT_MS = 10_000;

interface Pending {
  answers: ChildToParent[];
  resolve(answers: ChildToParent[]): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class WorkerPublisherControl implements PublisherControl {
  private nextRequestId = 0;
  private readonly pending = new Map<number, Pending>();
  private running = false;

  constructor(private readonly workers: readonly ServeWorker[]) {}

  /** Routes a worker's answer; false for messages that are not about publishing. */
  handle(message: ChildToParent): boolean {
    if (message.type !== 'publish-started' && message.type !== 'publish-report') return false;
    const entry = this.pending.get(message.requestId);
    if (entry === undefined) return true;
    entry.answers.push(message);
    if (entry.answers.length === this.workers.length) {
      this.pending.delete(message.requestId);
      clearTimeout(entry.timer);
      entry.resolve(entry.answers);
    }
    return true;
  }

  async start(settings: PublishSettings): Promise<boolean> {
    const answers = await this.ask((requestId, index) => ({ type: 'publish-start', requestId, settings: { ...settings, stream: index + 1 } }));
    const started = answers.every((a) => a.type === 'publish-started' && a.started);
    // A worker that was publishing already refused: the others' new sessions end with it.
    if (!started) await this.stop();
    this.running = started;
    return started;
  }

  async stop(): Promise<PublishReport | undefined> {
    this.running = false;
    const report = reportOf(await this.ask((requestId) => ({ type: 'publish-stop', requestId })));
    return report.streams.length === 0 ? undefined : report;
  }

  publishing(): boolean {
    return this.running;
  }

  async latest(): Promise<PublishReport | undefined> {
    const report = reportOf(await this.ask((requestId) => ({ type: 'publish-latest', requestId })));
    return report.streams.length === 0 ? undefined : report;
  }

  private ask(message: (requestId: number, workerIndex: number) => ParentToChild): Promise<ChildToParent[]> {
    const requestId = ++this.nextRequestId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`a server worker did not answer a publisher request within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(requestId, { answers: [], resolve, reject, timer });
      this.workers.forEach((worker, index) => worker.send(message(requestId, index)));
    });
  }
}

function reportOf(answers: readonly ChildToParent[]): PublishReport {
  const streams: StreamReport[] = [];
  for (const answer of answers) if (answer.type === 'publish-report' && answer.report !== null) streams.push(answer.report);
  streams.sort((a, b) => a.stream - b.stream);
  return { streams };
}
