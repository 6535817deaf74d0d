// Why a run stops early: the first Ctrl-C aborts the current tier (whatever finished is still
// reported), a second stops at once; the embedded server dying aborts the same way.
import { EXIT_INTERRUPTED } from './process/exit-codes.js';

/** Where an interruption says so: warnings on stderr, after any progress line. */
export interface InterruptionOutput {
  warn(text: string): void;
  endLine(): void;
}

export class Interruption {
  private readonly controller = new AbortController();
  /** Why the run stopped early, once it has. */
  reason: string | undefined;
  /** Set by Ctrl-C: the run exits with EXIT_INTERRUPTED. */
  sigint = false;
  private readonly onSigint = (): void => this.interruptBySigint();

  constructor(
    private readonly progress: InterruptionOutput,
    /** What a second Ctrl-C must still do before the process exits (stop the server). */
    private readonly stopNow: () => Promise<void>,
  ) {
    process.on('SIGINT', this.onSigint);
  }

  /** Aborted on Ctrl-C or when the server dies: tests end the current tier early, marked partial. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The run cannot go on as asked (the server died): end the current tier. */
  interrupt(reason: string): void {
    this.reason ??= reason;
    this.progress.warn(this.reason);
    this.controller.abort(new Error(this.reason));
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
  }

  private interruptBySigint(): void {
    if (this.sigint) {
      // Second Ctrl-C: the user does not want to wait for the tier to wind down.
      process.stderr.write('\ninterrupted again: stopping now\n');
      void this.stopNow().finally(() => process.exit(EXIT_INTERRUPTED));
      return;
    }
    this.sigint = true;
    this.reason ??= 'interrupted by SIGINT';
    this.progress.endLine();
    process.stderr.write('interrupted: finishing the current tier (Ctrl-C again to stop at once)\n');
    this.controller.abort(new Error(this.reason));
  }
}
