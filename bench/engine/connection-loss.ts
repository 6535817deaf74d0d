// A tier whose connections are all gone without the test closing them (the server died or dropped
// them, the network went) has nothing left to measure. Its phases must end at once: waiting out the
// send phase, the hold or a ping stall against a dead server reported it as a slow one (issue 12:
// a server killed 3 s into a 10 s tier was measured as 196K msg/s over all 10 s, exit 0).
// One ConnectionLoss watches the connections of one pool (pool.ts) and aborts its signal then.
// Its causes carry no counts: a merged tier's partial would repeat one part's numbers as the sum;
// the counts are in the tier's data (unexpected closes, failed connects) and shown beside it.

const EVERY_CONNECTION_LOST = 'every connection closed unexpectedly';
const NO_CONNECTION_OPENED = 'no connection could be opened';

/** What the connections of one pool did: opened, closed by the test, closed on their own. */
export class ConnectionLoss {
  private readonly controller = new AbortController();
  /** The run's signal or this loss, whichever aborts first: what every phase of the tier waits on. */
  readonly signal: AbortSignal;
  private open = 0;
  private closedByTest = 0;
  private lost = 0;
  private armed = false;

  constructor(runSignal: AbortSignal) {
    this.signal = AbortSignal.any([runSignal, this.controller.signal]);
  }

  /** Why the tier has no connection left, once it has none (and did not close them itself). */
  get cause(): string | undefined {
    const reason: unknown = this.controller.signal.reason;
    return this.controller.signal.aborted && reason instanceof Error ? reason.message : undefined;
  }

  opened(): void {
    this.open++;
  }

  /** An open connection closed: `byTest` when the test asked for it. */
  closed(byTest: boolean): void {
    this.open--;
    if (byTest) this.closedByTest++;
    else this.lost++;
    this.check();
  }

  /**
   * Opening is over: from now on the pool is lost when no connection is left open and the test closed
   * none of them. A pool that could open no connection at all is lost at once.
   */
  arm(attempted: number, established: number): void {
    this.armed = true;
    if (attempted > 0 && established === 0) this.lose(NO_CONNECTION_OPENED);
    else this.check();
  }

  private check(): void {
    if (this.armed && this.open === 0 && this.closedByTest === 0 && this.lost > 0) this.lose(EVERY_CONNECTION_LOST);
  }

  private lose(cause: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Error(cause));
  }
}
