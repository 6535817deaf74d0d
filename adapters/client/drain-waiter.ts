// Waiting for a WebSocket's bufferedAmount to reach zero where its API has no drain event of its
// own (npm ws's queue, the web WebSocket): polled on a short timer, and checked at once when the
// caller learns that the socket drained.

export class DrainWaiter {
  private waiters: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly bufferedAmount: () => number,
    private readonly pollMs: number,
  ) {}

  /** Calls `callback` once bufferedAmount is zero (at once when it already is). */
  wait(callback: () => void): void {
    if (this.bufferedAmount() === 0) {
      callback();
      return;
    }
    this.waiters.push(callback);
    this.schedule();
  }

  /** Looks now; looks again shortly while bytes are still queued. */
  check(): void {
    if (this.waiters.length === 0 || this.closed) return;
    if (this.bufferedAmount() !== 0) {
      this.schedule();
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** The connection closed: pending callbacks are dropped, the close event tells their owners. */
  close(): void {
    this.closed = true;
    this.waiters = [];
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check();
    }, this.pollMs);
  }
}
