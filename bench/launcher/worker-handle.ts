// The launcher's handle on one client worker process: spawn, IPC, one test at a time, exit cause.
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestResult } from '../results.js';
import { isMessage, type ParentToWorker, type WorkerToParent } from './ipc.js';
import type { TestName } from '../options/choices.js';

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
  alive = true;
  exitCause: string | undefined;
  private finishing = false;
  private pending: ((outcome: TestOutcome) => void) | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
    events: WorkerEvents,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: unknown) => {
      if (!isMessage<WorkerToParent>(message)) return;
      if (message.type === 'arrive') events.arrive(this, message.seq, message.phase);
      else if (message.type === 'result') this.settle({ kind: 'result', result: message.result });
      else if (message.type === 'failed') this.settle({ kind: 'failed', error: message.error });
      else events.other(this, message);
    });
    child.once('exit', (code, signal) => {
      this.alive = false;
      if (this.finishing && (code === 0 || signal === 'SIGKILL')) return;
      const cause = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      this.exitCause = cause;
      this.settle({ kind: 'died', cause });
      events.died(this, cause);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Spawns `<runtime> <script> worker` and waits until its IPC listener is up. */
  static async start(index: number, script: string, events: WorkerEvents): Promise<WorkerHandle> {
    const child = spawn(process.execPath, [script, 'worker'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`client worker ${index + 1} did not start within ${READY_TIMEOUT_MS / 1000} s`));
      }, READY_TIMEOUT_MS);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        reject(new Error(`client worker ${index + 1} exited at start (${signal ?? `code ${code}`})`));
      };
      child.once('exit', onExit);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      const onMessage = (message: unknown): void => {
        if (!isMessage<WorkerToParent>(message) || message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
    });
    return new WorkerHandle(index, child, events);
  }

  send(message: ParentToWorker): void {
    if (this.alive && this.child.connected) this.child.send(message);
  }

  runTest(test: TestName, tiers: number[]): Promise<TestOutcome> {
    if (!this.alive) return Promise.resolve({ kind: 'died', cause: this.exitCause ?? 'is gone' });
    return new Promise((resolve) => {
      this.pending = resolve;
      this.send({ type: 'test', test, tiers });
    });
  }

  /** Asks the worker to exit; kills it if it has not within a few seconds. */
  async finish(): Promise<void> {
    if (!this.alive) return;
    this.finishing = true;
    this.send({ type: 'finish' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the worker without reporting it as a death (the launcher gave up on the run). */
  kill(): void {
    this.finishing = true;
    if (this.alive) this.child.kill('SIGKILL');
  }

  private settle(outcome: TestOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(outcome);
  }
}
