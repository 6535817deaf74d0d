// The closed-loop send phase of the sending tests, ended by the PONG barrier (pong-barrier.ts;
// README, "Delivered, not queued"): every connection sends as fast as its transport takes data,
// without queueing more than a high-water mark in user space; then every connection sends one
// ping, and a connection's messages count as delivered only when that PONG is back.
// The kernel's socket buffers would otherwise hide megabytes per connection (bufferedAmount only
// sees user space), and the barrier would then wait many seconds for the server to catch up. So
// each connection also sends a ping every MARKER_BYTES and stops while MAX_MARKERS_IN_FLIGHT are
// unanswered: at most ~512 KiB a connection is ever in flight, and the send phase ends on time.
import { performance } from 'node:perf_hooks';
import type { SendPayload } from '../messages/payloads.js';
import type { BenchConnection, PhaseHandler } from './connection.js';
import { IDLE_PHASE, sendMessages } from './connection.js';
import type { PhaseOutcome } from './phase-waiter.js';
import { sleep } from './phase-waiter.js';
import { BARRIER_STALL_MS, BarrierRound, type MarkerProof } from './pong-barrier.js';
import { epochNowMs } from './pool.js';

/** User-space bytes a connection may have queued before it waits for a drain. */
export const SEND_HIGH_WATER_BYTES = 256 * 1024;
/** Bytes one connection may hand to its transport per event-loop turn, so others get their turn. */
const TURN_BUDGET_BYTES = 64 * 1024;
/** Bytes one sendRepeated burst aims for (one write on the core transport). */
const BURST_BYTES = 64 * 1024;
const MAX_BURST_MESSAGES = 512;
/** A flow-control ping follows at most every this many payload bytes on a connection. */
const MAX_MARKER_BYTES = 128 * 1024;
/**
 * Payload bytes all connections together may have sent beyond the last answered marker. It bounds
 * how long the barrier takes to drain behind a slow server (32 MiB at a zlib-inflating server's
 * ~5 MB/s is ~7 s) without costing fast servers throughput; markers get denser as connections grow.
 */
const IN_FLIGHT_BUDGET_BYTES = 32 * 1024 * 1024;
/** A connection pauses while this many of its pings are unanswered. */
const MAX_MARKERS_IN_FLIGHT = 4;
/** After an abort the barrier still runs, to keep what was delivered, but waits less. */
const ABORTED_BARRIER_STALL_MS = 1_000;
const NEVER_ABORTED = new AbortController().signal;

export interface SendPhaseResult {
  sent: number;
  delivered: number;
  /** Barrier PONGs that came back / were awaited. */
  barrierPongs: number;
  barrierPings: number;
  queuedBytesAtSendEnd: number;
  windowStartEpochMs: number;
  windowEndEpochMs: number;
  windowMs: number;
  sendPhaseMs: number;
  /** 'done', or why the phase ended early (aborted during sending counts as 'aborted'). */
  outcome: PhaseOutcome;
}

/** One connection's sender: pumps bursts while its transport has room, then yields. */
class SendLoop implements MarkerProof {
  readonly pumpBound = (): void => this.pump();
  private bytesSinceMarker = 0;
  /** Paused until a PONG arrives (too many markers in flight). */
  waitingForPong = false;
  /** Messages sent before each unanswered marker ping, oldest first (from markerHead). */
  private markerSent: number[] = [];
  private markerHead = 0;
  /** Messages proven read by the server: those sent before the last answered marker. */
  proven = 0;
  provenAtEpochMs = 0;

  constructor(
    private readonly phase: SendPhase,
    private readonly connection: BenchConnection,
  ) {}

  pump(): void {
    const phase = this.phase;
    const connection = this.connection;
    const session = connection.session;
    this.waitingForPong = false;
    if (!phase.running || !connection.open || session === undefined) return;
    let budget = TURN_BUDGET_BYTES;
    while (budget > 0 && session.bufferedAmount < SEND_HIGH_WATER_BYTES) {
      if (session.outstandingPings >= MAX_MARKERS_IN_FLIGHT) {
        this.waitingForPong = true;
        return;
      }
      sendMessages(connection, session, phase.payload, phase.burst);
      connection.sent += phase.burst;
      budget -= phase.burstBytes;
      this.bytesSinceMarker += phase.burstBytes;
      if (this.bytesSinceMarker >= phase.markerBytes) {
        this.bytesSinceMarker = 0;
        this.markerSent.push(connection.sent);
        session.sendPing();
      }
      if (!connection.open) return;
    }
    if (session.bufferedAmount >= SEND_HIGH_WATER_BYTES) session.onceDrained(this.pumpBound);
    else setImmediate(this.pumpBound);
  }

  /** A PONG came: markers are answered in order, so the oldest one's messages were read. */
  notePong(): void {
    if (this.markerHead >= this.markerSent.length) return;
    this.proven = this.markerSent[this.markerHead++]!;
    this.provenAtEpochMs = epochNowMs();
    if (this.markerHead === this.markerSent.length) {
      this.markerSent.length = 0;
      this.markerHead = 0;
    }
  }
}

class SendPhase implements PhaseHandler {
  running = true;
  readonly burst: number;
  readonly burstBytes: number;
  /** Payload bytes between two flow-control pings on one connection. */
  readonly markerBytes: number;
  readonly loops = new Map<BenchConnection, SendLoop>();

  constructor(
    readonly payload: SendPayload,
    payloadBytes: number,
    connections: number,
  ) {
    this.burst = Math.max(1, Math.min(MAX_BURST_MESSAGES, Math.floor(BURST_BYTES / Math.max(1, payloadBytes))));
    this.burstBytes = this.burst * Math.max(1, payloadBytes);
    const share = Math.floor(IN_FLIGHT_BUDGET_BYTES / Math.max(1, connections) / MAX_MARKERS_IN_FLIGHT);
    this.markerBytes = Math.max(this.burstBytes, Math.min(MAX_MARKER_BYTES, share));
  }

  /** A flow-control PONG: resume the connection if it was waiting for one. */
  onPong(connection: BenchConnection): void {
    const loop = this.loops.get(connection);
    if (loop === undefined) return;
    loop.notePong();
    if (loop.waitingForPong) loop.pump();
  }

  onClosed(): void {}
}

/**
 * Sends `payload` on every open connection for `durationMs` (or until `signal` aborts), then runs
 * the PONG barrier. Connections are left open, their phase handler reset.
 */
export async function runSendPhase(
  connections: readonly BenchConnection[],
  payload: SendPayload,
  payloadBytes: number,
  durationMs: number,
  signal: AbortSignal,
): Promise<SendPhaseResult> {
  const phase = new SendPhase(payload, payloadBytes, connections.length);
  for (const c of connections) {
    c.sent = 0;
    c.phase = phase;
    phase.loops.set(c, new SendLoop(phase, c));
  }
  const windowStartEpochMs = epochNowMs();
  const sendStarted = performance.now();
  for (const loop of phase.loops.values()) loop.pump();
  const completed = await sleep(durationMs, signal);
  phase.running = false;
  for (const c of connections) c.phase = IDLE_PHASE;
  const sendPhaseMs = performance.now() - sendStarted;

  let sent = 0;
  let queuedBytesAtSendEnd = 0;
  for (const c of connections) {
    sent += c.sent;
    if (c.open && c.session !== undefined) queuedBytesAtSendEnd += c.session.bufferedAmount;
  }
  // Interrupted (SIGINT, server gone): still collect the PONGs that come quickly, so the tier
  // keeps what the server provably read; a dead server's connections close and end it sooner.
  const barrier = completed
    ? new BarrierRound(connections, signal, BARRIER_STALL_MS, phase.loops)
    : new BarrierRound(connections, NEVER_ABORTED, ABORTED_BARRIER_STALL_MS, phase.loops);
  const barrierOutcome = await barrier.wait(connections);
  barrier.addProvenDeliveries();
  // The window ends at the last proof of a counted delivery: a server that died mid-phase delivered
  // nothing after it, and its dead time must not dilute the rate. Nothing proven: no window at all.
  const windowEndEpochMs = barrier.delivered > 0 ? barrier.lastProofEpochMs : windowStartEpochMs;
  return {
    sent,
    delivered: barrier.delivered,
    barrierPongs: barrier.pongs,
    barrierPings: barrier.pings,
    queuedBytesAtSendEnd,
    windowStartEpochMs,
    windowEndEpochMs,
    windowMs: windowEndEpochMs - windowStartEpochMs,
    sendPhaseMs,
    outcome: completed ? barrierOutcome : 'aborted',
  };
}
