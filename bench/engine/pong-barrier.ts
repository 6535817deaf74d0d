// The PONG barrier: every open connection sends one ping, and passes when that ping's PONG is back.
// WSE answers a connection's messages in order, so the PONG proves the server has read everything
// sent before it: a send phase ends with one (its messages count as delivered), and a cell starts
// after one (settleConnections: a clean baseline for the server's counters).
import type { BenchConnection, PhaseHandler } from './connection.js';
import { IDLE_PHASE } from './connection.js';
import { PhaseWaiter, type PhaseOutcome } from './phase-waiter.js';
import { epochNowMs } from './pool.js';

/** The barrier gives up when no PONG has come back for this long. */
export const BARRIER_STALL_MS = 10_000;

/** What a connection's flow-control pings (markers) proved delivered before the barrier. */
export interface MarkerProof {
  /** A PONG came: the oldest unanswered marker's messages were read. */
  notePong(): void;
  /** Messages proven read by the server. */
  readonly proven: number;
  /** When the last proof came (epoch ms), 0 before the first. */
  readonly provenAtEpochMs: number;
}

/** One ping per open connection; a connection passes when that ping's PONG is back. */
export class BarrierRound implements PhaseHandler {
  delivered = 0;
  pongs = 0;
  pings = 0;
  lastPongEpochMs = 0;
  /** The last proof of a counted delivery (a barrier PONG, or a marker's on a connection without one): epoch ms. */
  lastProofEpochMs = 0;
  private readonly waiter: PhaseWaiter;
  private readonly passed = new Set<BenchConnection>();

  constructor(
    connections: readonly BenchConnection[],
    signal: AbortSignal,
    stallMs: number = BARRIER_STALL_MS,
    /** The send phase's loops: marker PONGs still arriving during the barrier prove deliveries too. */
    private readonly loops?: ReadonlyMap<BenchConnection, MarkerProof>,
  ) {
    for (const c of connections) {
      c.barrierPending = false;
      c.phase = this;
      if (!c.open || c.session === undefined) continue;
      c.session.sendPing();
      // Every ping outstanding now is answered before ours (WSE answers in order).
      c.pingsLeft = c.session.outstandingPings;
      c.barrierPending = true;
      this.pings++;
    }
    this.waiter = new PhaseWaiter(this.pings, signal, stallMs);
  }

  async wait(connections: readonly BenchConnection[]): Promise<PhaseOutcome> {
    const outcome = await this.waiter.wait();
    for (const c of connections) {
      c.barrierPending = false;
      c.phase = IDLE_PHASE;
    }
    return outcome;
  }

  onPong(connection: BenchConnection): void {
    this.loops?.get(connection)?.notePong();
    // Any PONG means the server is still reading: only silence counts towards the stall limit.
    this.waiter.touch();
    if (!connection.barrierPending || --connection.pingsLeft > 0) return;
    connection.barrierPending = false;
    this.passed.add(connection);
    this.delivered += connection.sent;
    this.pongs++;
    this.lastPongEpochMs = epochNowMs();
    this.lastProofEpochMs = this.lastPongEpochMs;
    this.waiter.progress();
  }

  onClosed(connection: BenchConnection): void {
    if (!connection.barrierPending) return;
    connection.barrierPending = false;
    this.waiter.progress();
  }

  /**
   * Adds what the answered markers proved on connections whose barrier PONG never came (the
   * server died, stalled or closed them): messages read before a fault stay counted.
   */
  addProvenDeliveries(): void {
    if (this.loops === undefined) return;
    for (const [connection, loop] of this.loops) {
      if (this.passed.has(connection) || loop.proven === 0) continue;
      this.delivered += loop.proven;
      this.lastProofEpochMs = Math.max(this.lastProofEpochMs, loop.provenAtEpochMs);
    }
  }
}

/**
 * Makes sure the server has read everything sent so far (client_hello included: a connection is
 * established once the hello is written, not read), so a counter reading taken next is a clean
 * baseline.
 */
export async function settleConnections(connections: readonly BenchConnection[], signal: AbortSignal): Promise<PhaseOutcome> {
  for (const c of connections) c.sent = 0;
  const round = new BarrierRound(connections, signal);
  return round.wait(connections);
}
