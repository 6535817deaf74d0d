// The launcher's handle on one client worker process: spawn, IPC, one test at a time, exit cause.
import type { TestName } from '../options/choices.js';
import { ChildHandle, describeExit } from '../process/child.js';
import type { TestResult } from '../results.js';
import type { ParentToWorker, WorkerToParent } from './ipc.js';

type WorkerProcess = ChildHandle<WorkerToParent, ParentToWorker>;

const READY_TIMEOUT_MS = 20_000;
const EXIT_GRACE_MS = 5_000;

export type TestOutcome =
  | { kind: 'result'; result: TestResult }
  | { kind: 'failed'; error: string }
  | { kind: 'died'; cause: string };

export interface WorkerEvents {
  arrive(worker: WorkerHandle, seq: number, phase: string): void;
  /** Any other message (progress, warnings). */
  other(worker: WorkerHandle, message: WorkerToParent): void;
  died(worker: WorkerHandle, cause: string): void;
}

export class WorkerHandle {
  exitCause: string | undefined;
  private finishing = false;
  private pending: ((outcome: TestOutcome) => void) | undefined;

  private constructor(
    readonly index: number,
    private readonly child: WorkerProcess,
    events: WorkerEvents,
  ) {
    child.onMessage((message) => {
      if (message.type === 'arrive') events.arrive(this, message.seq, message.phase);
      else if (message.type === 'result') this.settle({ kind: 'result', result: message.result });
      else if (message.type === 'failed') this.settle({ kind: 'failed', error: message.error });
      else events.other(this, message);
    });
    child.child.once('exit', (code, signal) => {
      if (this.finishing && (code === 0 || signal === 'SIGKILL')) return;
      const cause = describeExit(code, signal);
      this.exitCause = cause;
      this.settle({ kind: 'died', cause });
      events.died(this, cause);
    });
  }

  get alive(): boolean {
    return this.child.alive;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Spawns `<runtime> <script> worker` and waits until its IPC listener is up. */
  static async start(index: number, script: string, events: WorkerEvents): Promise<WorkerHandle> {
    const child: WorkerProcess = ChildHandle.spawn([script, 'worker'], `client worker ${index + 1}`, { stdio: ['ignore', 'ignore', 'inherit'] });
    await child.waitUntilReady((message) => (message.type === 'ready' ? true : undefined), READY_TIMEOUT_MS);
    return new WorkerHandle(index, child, events);
  }

  send(message: ParentToWorker): void {
    this.child.send(message);
  }

  runTest(test: TestName, tiers: number[]): Promise<TestOutcome> {
    if (!this.alive) return Promise.resolve({ kind: 'died', cause: this.exitCause ?? 'is gone' });
    return new Promise((resolve) => {
      this.pending = resolve;
      this.send({ type: 'test', test, tiers });
    });
  }

  /** Asks the worker to exit; kills it if it has not within a few seconds. */
  finish(): Promise<void> {
    this.finishing = true;
    return this.child.stop(() => this.send({ type: 'finish' }), EXIT_GRACE_MS);
  }

  /** Kills the worker without reporting it as a death (the launcher gave up on the run). */
  kill(): void {
    this.finishing = true;
    this.child.kill('SIGKILL');
  }

  private settle(outcome: TestOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(outcome);
  }
}
