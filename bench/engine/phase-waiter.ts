// Waiting for a phase whose end is signalled by events (PONGs, closes): it ends when the expected
// number of events has come, when ctx.signal aborts, or when nothing has happened for too long.
import { performance } from 'node:perf_hooks';

export type PhaseOutcome = 'done' | 'aborted' | 'stalled';

const POLL_MS = 200;

export class PhaseWaiter {
  private lastProgressAt = performance.now();
  private settle: ((outcome: PhaseOutcome) => void) | undefined;
  private outcome: PhaseOutcome | undefined;

  constructor(
    /** Events still expected. */
    public remaining: number,
    private readonly signal: AbortSignal,
    /** The phase gives up after this long without progress. */
    private readonly stallMs: number,
  ) {}

  /** `n` expected events have come. */
  progress(n = 1): void {
    this.remaining -= n;
    this.lastProgressAt = performance.now();
    if (this.remaining <= 0) this.finish('done');
  }

  /** Something happened that is not one of the counted events (keeps the stall timer quiet). */
  touch(): void {
    this.lastProgressAt = performance.now();
  }

  wait(): Promise<PhaseOutcome> {
    if (this.remaining <= 0) this.outcome = 'done';
    if (this.outcome !== undefined) return Promise.resolve(this.outcome);
    return new Promise<PhaseOutcome>((resolve) => {
      const onAbort = (): void => this.finish('aborted');
      const poll = setInterval(() => {
        if (performance.now() - this.lastProgressAt >= this.stallMs) this.finish('stalled');
      }, POLL_MS);
      this.settle = (outcome) => {
        clearInterval(poll);
        this.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      if (this.signal.aborted) this.finish('aborted');
      else this.signal.addEventListener('abort', onAbort);
    });
  }

  private finish(outcome: PhaseOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    const settle = this.settle;
    this.settle = undefined;
    if (settle !== undefined) settle(outcome);
  }
}

/** Why `signal` aborted, in words ('interrupted by SIGTERM', 'embedded server died: …'). */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  // abort() without a reason gives an AbortError, whose message says nothing more
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'interrupted';
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
