// The launcher's side of the phase barrier: barrier number `seq` (counted from 1 in each test by
// every worker) is released when every live participant has arrived at it. A participant that
// dies is removed, so the others never wait for it. Before releasing, an async hook runs (the
// launcher reads the server's counters there), so whatever it reads lies after every worker's
// previous phase ended and before any worker's next phase begins.
export type BarrierHook = (phase: string, seq: number) => Promise<void>;

export class PhaseBarrier {
  private readonly participants = new Set<number>();
  private readonly arrivals = new Map<number, { phase: string; who: Set<number> }>();
  private chain = Promise.resolve();
  private released = 0;

  constructor(
    private readonly hook: BarrierHook,
    private readonly release: (participant: number, seq: number) => void,
  ) {}

  /** A new test: these participants, barrier numbers from 1 again. */
  startRound(participants: Iterable<number>): void {
    this.participants.clear();
    for (const p of participants) this.participants.add(p);
    this.arrivals.clear();
    this.released = 0;
  }

  arrive(participant: number, seq: number, phase: string): void {
    if (!this.participants.has(participant)) return;
    const entry = this.arrivals.get(seq) ?? { phase, who: new Set<number>() };
    entry.who.add(participant);
    this.arrivals.set(seq, entry);
    this.check();
  }

  /** A participant died: nobody waits for it any more. */
  remove(participant: number): void {
    if (this.participants.delete(participant)) this.check();
  }

  /** Resolves when every release decided so far has been sent. */
  settled(): Promise<void> {
    return this.chain;
  }

  private check(): void {
    const seq = this.released + 1;
    const entry = this.arrivals.get(seq);
    if (entry === undefined || this.participants.size === 0) return;
    for (const p of this.participants) if (!entry.who.has(p)) return;
    this.released = seq;
    this.arrivals.delete(seq);
    this.chain = this.chain.then(async () => {
      await this.hook(entry.phase, seq).catch(() => undefined);
      for (const p of this.participants) this.release(p, seq);
    });
  }
}
