// Why a run stops early. The first SIGINT (Ctrl-C) or SIGTERM (kill, a container stopping) aborts
// the current tier: whatever finished is still reported, children are stopped, and the run exits
// with the signal's own code. A second signal stops at once. The embedded server dying, or the
// target refusing new connections after a tier lost all of its own, aborts the same way.
import { EXIT_INTERRUPTED, EXIT_TARGET_LOST, EXIT_TERMINATED } from './process/exit-codes.js';

/** Where an interruption says so: warnings on stderr, after any progress line. */
export interface InterruptionOutput {
  warn(text: string): void;
  endLine(): void;
}

/** The signals that end a run early, with the exit code each one ends it with. */
const STOP_SIGNALS = { SIGINT: EXIT_INTERRUPTED, SIGTERM: EXIT_TERMINATED } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

export class Interruption {
  private readonly controller = new AbortController();
  /** Why the run stopped early, once it has. */
  reason: string | undefined;
  /** The signal that stopped the run, if one did: the run exits with its code. */
  signalled: StopSignal | undefined;
  /** Set when the server died or stopped accepting connections: the run failed (EXIT_TARGET_LOST). */
  targetGone = false;
  private readonly handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => ({ signal, handler: () => this.interruptBySignal(signal) }));

  constructor(
    private readonly progress: InterruptionOutput,
    /** What a second signal must still do before the process exits (stop the server). */
    private readonly stopNow: () => Promise<void>,
  ) {
    for (const { signal, handler } of this.handlers) process.on(signal, handler);
  }

  /** Aborted by a signal or when the target is gone: tests end the current tier early, marked partial. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The exit code of a run stopped early: by a signal, or by the server's loss; undefined otherwise. */
  get exitCode(): number | undefined {
    if (this.signalled !== undefined) return STOP_SIGNALS[this.signalled];
    return this.targetGone ? EXIT_TARGET_LOST : undefined;
  }

  /** The run cannot go on as asked (--fail-fast): end the current tier; the verdict decides the exit code. */
  interrupt(reason: string): void {
    this.reason ??= reason;
    this.progress.warn(this.reason);
    this.controller.abort(new Error(this.reason));
  }

  /** The server is gone (its process exited, or it refuses connections): end the run, which failed. */
  targetLost(reason: string): void {
    this.targetGone = true;
    this.reason ??= reason;
    this.progress.warn(this.reason);
    this.controller.abort(new Error(this.reason));
  }

  dispose(): void {
    for (const { signal, handler } of this.handlers) process.off(signal, handler);
  }

  private interruptBySignal(signal: StopSignal): void {
    if (this.signalled !== undefined) {
      // A second signal: the user does not want to wait for the tier to wind down.
      process.stderr.write(`\n${signal} again: stopping now\n`);
      void this.stopNow().finally(() => process.exit(STOP_SIGNALS[signal]));
      return;
    }
    this.signalled = signal;
    this.reason ??= `interrupted by ${signal}`;
    this.progress.endLine();
    process.stderr.write(`interrupted by ${signal}: finishing the current tier (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to stop at once)\n`);
    this.controller.abort(new Error(this.reason));
  }
}
