// A wse-bench child process with an IPC channel (the embedded server, a client worker, a worker of
// a multi-process server): spawned, waited for until it says it is ready (or exits, or takes too
// long), its messages typed, its exit described in one phrase, and stopped politely with a deadline.
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { isIpcMessage } from './ipc.js';
import { pinnedCommand } from './pinning.js';

/** 'exited with code 1', 'was killed by SIGKILL'. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

export interface SpawnOptions {
  /** The runtime binary; default the one running this process. */
  binary?: string;
  /** taskset -c list to run it on (process/pinning.ts); default any core. */
  cores?: string;
  /** stdin, stdout, stderr: 'ignore', 'inherit' or 'pipe' (stderr 'pipe' keeps its last lines for errors). */
  stdio: [IOType, IOType, IOType];
  /** Its environment; default this process's. */
  env?: NodeJS.ProcessEnv;
}

/** `In`: what the child sends; `Out`: what this process sends it. */
export class ChildHandle<In extends { type: string }, Out extends { type: string }> {
  /** Resolves with the exit's description once the child has exited. */
  readonly exited: Promise<string>;
  private exitDescription: string | undefined;
  private stderrTail = '';

  constructor(
    readonly child: ChildProcess,
    /** How errors name it: 'the embedded server', 'client worker 2'. */
    readonly what: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = describeExit(code, signal);
        resolve(this.exitDescription);
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
  }

  static spawn<In extends { type: string }, Out extends { type: string }>(args: readonly string[], what: string, options: SpawnOptions): ChildHandle<In, Out> {
    const [command, argv] = pinnedCommand(options.cores, options.binary ?? process.execPath, args);
    const child = spawn(command, argv, { stdio: [...options.stdio, 'ipc'], ...(options.env !== undefined ? { env: options.env } : {}) });
    return new ChildHandle<In, Out>(child, what);
  }

  get alive(): boolean {
    return this.exitDescription === undefined;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(message: Out): void {
    if (this.alive && this.child.connected) this.child.send(message);
  }

  /** Every message from the child, until the returned function is called. */
  onMessage(listener: (message: In) => void): () => void {
    const guarded = (message: unknown): void => {
      if (isIpcMessage<In>(message)) listener(message);
    };
    this.child.on('message', guarded);
    return () => void this.child.off('message', guarded);
  }

  /** Called with the exit's description when the child exits. */
  onExit(listener: (description: string) => void): void {
    void this.exited.then(listener);
  }

  /**
   * The first message `ready` accepts (returns a value for); rejects when `ready` throws (the child
   * reported a failure), when the child exits or cannot be started first, or after `timeoutMs`,
   * killing the child (SIGKILL) in every case but its exit.
   */
  waitUntilReady<R>(ready: (message: In) => R | undefined, timeoutMs: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const fail = (error: Error, kill: boolean): void => {
        cleanup();
        if (kill) this.kill('SIGKILL');
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(`${this.what} did not start within ${timeoutMs / 1000} s${this.lastStderrLine()}`), true), timeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(new Error(`${this.what} ${describeExit(code, signal)} before it was ready${this.lastStderrLine()}`), false);
      const onError = (error: Error): void => fail(error, true);
      const stopListening = this.onMessage((message) => {
        let value: R | undefined;
        try {
          value = ready(message);
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)), true);
          return;
        }
        if (value === undefined) return;
        cleanup();
        resolve(value);
      });
      const cleanup = (): void => {
        clearTimeout(timer);
        stopListening();
        this.child.off('exit', onExit);
        this.child.off('error', onError);
      };
      this.child.once('exit', onExit);
      this.child.once('error', onError);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** `ask` the child to exit (a message, a signal); kill it (SIGKILL) if it has not within `graceMs`. */
  async stop(ask: () => void, graceMs: number): Promise<void> {
    if (!this.alive) return;
    const force = setTimeout(() => this.kill('SIGKILL'), graceMs);
    ask();
    await this.exited;
    clearTimeout(force);
  }

  /** ': <last line of stderr>' when stderr is piped and said something; '' otherwise. */
  private lastStderrLine(): string {
    const lines = this.stderrTail.trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    return last === '' ? '' : `: ${last}`;
  }
}
