// Open-loop sending: message k of connection i is due at start + (k + i/n) / rate (connections are
// staggered across one interval so they do not all send in the same millisecond). One timer loop
// drives every connection; on each tick a connection writes everything that is due, as far as its
// window allows. Latency is sampled by an application ping written right after every
// probeEvery-th message (and after the last one): WSE answers a connection's messages in order, so
// that PONG's arrival is when the server had read the message. Each sample is recorded twice:
// from the time the message was due (corrected for coordinated omission) and from when it was
// actually written (uncorrected, what a closed-loop client would report).
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import type { SendPayload } from '../messages/payloads.js';
import { createLatencyHistogram, recordMicros } from '../stats/histogram.js';
import { SEND_HIGH_WATER_BYTES } from './closed-loop-phase.js';
import type { BenchConnection, PhaseHandler } from './connection.js';
import { IDLE_PHASE, sendMessages } from './connection.js';
import type { PhaseOutcome } from './phase-waiter.js';
import { epochNowMs } from './pool.js';

/** Timer period of the schedule loop: the precision of send times. */
const TICK_MS = 1;
/** The phase gives up when nothing was written and no PONG came back for this long. */
export const OPEN_LOOP_STALL_MS = 10_000;

export interface OpenLoopPlan {
  /** Data message; undefined = every scheduled message is itself a ping (ping-latency). */
  payload: SendPayload | undefined;
  ratePerConnection: number;
  messagesPerConnection: number;
  /** Every probeEvery-th message is followed by a latency probe (1 in ping mode). */
  probeEvery: number;
  /**
   * Unanswered probes a connection may have before it stops writing: the client's flow control.
   * Messages due meanwhile wait and are written late; their corrected latency shows the wait.
   */
  probeWindow: number;
}

/** One connection's position in the timetable and its unanswered probes (a small ring). */
class ScheduledSender {
  nextIndex = 0;
  /** performance.now() ms at which message nextIndex is due (Infinity once all are written). */
  nextDueAt = 0;
  /** Messages covered by the last answered probe: provably read by the server. */
  delivered = 0;
  finished = false;
  /** Pings outstanding from before this phase: their PONGs are not ours. */
  stalePongs: number;
  private readonly probeLagMicros: Float64Array;
  private readonly probeCovers: Float64Array;
  private head = 0;
  outstanding = 0;

  constructor(
    readonly connection: BenchConnection,
    /** Offset of this connection's timetable, in intervals (i/n). */
    readonly stagger: number,
    window: number,
  ) {
    this.stalePongs = connection.session?.outstandingPings ?? 0;
    this.probeLagMicros = new Float64Array(window);
    this.probeCovers = new Float64Array(window);
  }

  pushProbe(lagMicros: number, covers: number): void {
    const size = this.probeLagMicros.length;
    const slot = (this.head + this.outstanding) % size;
    this.probeLagMicros[slot] = lagMicros;
    this.probeCovers[slot] = covers;
    this.outstanding++;
  }

  /** Oldest probe answered: returns its lag (µs it was written after it was due). */
  popProbe(): number {
    const lag = this.probeLagMicros[this.head] as number;
    this.delivered = this.probeCovers[this.head] as number;
    this.head = (this.head + 1) % this.probeLagMicros.length;
    this.outstanding--;
    return lag;
  }
}

export interface OpenLoopOutcome {
  outcome: PhaseOutcome;
  corrected: Histogram;
  uncorrected: Histogram;
  sent: number;
  delivered: number;
  /** Connections whose last probe came back / that took part. */
  completedConnections: number;
  connections: number;
  behindAtScheduleEnd: number;
  queuedBytesAtScheduleEnd: number;
  /** First due time → last write, ms (at least the timetable's length). */
  sendPhaseMs: number;
  achievedPerSec: number;
  windowStartEpochMs: number;
  windowEndEpochMs: number;
}

export class OpenLoopPhase implements PhaseHandler {
  readonly corrected: Histogram = createLatencyHistogram();
  readonly uncorrected: Histogram = createLatencyHistogram();
  private readonly senders = new Map<BenchConnection, ScheduledSender>();
  private readonly intervalMs: number;
  private startMs = 0;
  private scheduleEndMs = 0;
  private lastWriteMs = 0;
  private lastProgressMs = 0;
  private lastPongEpochMs = 0;
  private behindAtScheduleEnd = -1;
  private queuedBytesAtScheduleEnd = 0;
  private sent = 0;
  private unfinished = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private settle: ((outcome: PhaseOutcome) => void) | undefined;
  private readonly tickBound = (): void => this.tick();

  constructor(
    private readonly plan: OpenLoopPlan,
    connections: readonly BenchConnection[],
  ) {
    this.intervalMs = 1000 / plan.ratePerConnection;
    const open = connections.filter((c) => c.open && c.session !== undefined);
    open.forEach((c, i) => this.senders.set(c, new ScheduledSender(c, i / open.length, plan.probeWindow)));
  }

  /** Runs the timetable to its end and waits for every probe; connections are left open. */
  async run(signal: AbortSignal): Promise<OpenLoopOutcome> {
    const windowStartEpochMs = epochNowMs();
    this.startMs = performance.now();
    this.lastProgressMs = this.startMs;
    this.scheduleEndMs = this.startMs + this.plan.messagesPerConnection * this.intervalMs;
    this.unfinished = this.senders.size;
    for (const sender of this.senders.values()) {
      sender.connection.phase = this;
      sender.nextDueAt = this.startMs + sender.stagger * this.intervalMs;
    }
    const outcome = await new Promise<PhaseOutcome>((resolve) => {
      const onAbort = (): void => this.finish('aborted');
      this.settle = (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      if (signal.aborted || this.unfinished === 0) {
        this.finish(signal.aborted ? 'aborted' : 'done');
        return;
      }
      signal.addEventListener('abort', onAbort);
      this.timer = setInterval(this.tickBound, TICK_MS);
      this.tick();
    });
    let delivered = 0;
    let completed = 0;
    for (const sender of this.senders.values()) {
      sender.connection.phase = IDLE_PHASE;
      delivered += sender.delivered;
      if (sender.delivered === this.plan.messagesPerConnection) completed++;
    }
    if (this.behindAtScheduleEnd < 0) this.recordScheduleEnd();
    const nominalMs = this.plan.messagesPerConnection * this.intervalMs;
    const sendPhaseMs = Math.max(nominalMs, this.lastWriteMs - this.startMs);
    return {
      outcome,
      corrected: this.corrected,
      uncorrected: this.uncorrected,
      sent: this.sent,
      delivered,
      completedConnections: completed,
      connections: this.senders.size,
      behindAtScheduleEnd: this.behindAtScheduleEnd,
      queuedBytesAtScheduleEnd: this.queuedBytesAtScheduleEnd,
      sendPhaseMs,
      achievedPerSec: sendPhaseMs > 0 ? this.sent / (sendPhaseMs / 1000) : 0,
      windowStartEpochMs,
      // the last answered probe proved the last delivery; none answered: no window
      windowEndEpochMs: this.lastPongEpochMs > 0 ? this.lastPongEpochMs : windowStartEpochMs,
    };
  }

  onPong(connection: BenchConnection, rttMicros: number): void {
    const sender = this.senders.get(connection);
    if (sender === undefined) return;
    if (sender.stalePongs > 0) {
      sender.stalePongs--;
      return;
    }
    if (sender.outstanding === 0) return;
    const lagMicros = sender.popProbe();
    recordMicros(this.uncorrected, rttMicros);
    recordMicros(this.corrected, rttMicros + lagMicros);
    this.lastPongEpochMs = epochNowMs();
    const now = performance.now();
    this.lastProgressMs = now;
    // A probe came back: the window has room again, write what is due without waiting for a tick.
    this.pump(sender, now);
    this.checkFinished(sender);
  }

  onClosed(connection: BenchConnection): void {
    const sender = this.senders.get(connection);
    if (sender === undefined || sender.finished) return;
    sender.finished = true;
    this.unfinished--;
    if (this.unfinished === 0) this.finish('done');
  }

  private tick(): void {
    const now = performance.now();
    let waiting = false;
    for (const sender of this.senders.values()) {
      if (sender.finished) continue;
      // Most ticks most connections have nothing due: one comparison each.
      if (now >= sender.nextDueAt) this.pump(sender, now);
      if (sender.outstanding > 0 || now >= sender.nextDueAt) waiting = true;
    }
    if (this.behindAtScheduleEnd < 0 && now >= this.scheduleEndMs) this.recordScheduleEnd();
    // A stall is a wait on the server or the transport, not a slow timetable's quiet gap.
    if (!waiting) this.lastProgressMs = now;
    else if (now - this.lastProgressMs >= OPEN_LOOP_STALL_MS) this.finish('stalled');
  }

  /** Writes every message of `sender` that is due by `now`, as far as its window allows. */
  private pump(sender: ScheduledSender, now: number): void {
    const plan = this.plan;
    const total = plan.messagesPerConnection;
    if (sender.nextIndex >= total) return;
    const elapsed = (now - this.startMs) / this.intervalMs - sender.stagger;
    if (elapsed < 0) return;
    const due = Math.min(total, Math.floor(elapsed) + 1);
    const connection = sender.connection;
    const session = connection.session;
    if (session === undefined) return;
    const every = plan.probeEvery;
    let wrote = false;
    while (sender.nextIndex < due && connection.open) {
      if (sender.outstanding >= plan.probeWindow || session.bufferedAmount >= SEND_HIGH_WATER_BYTES) break;
      // The next probed message: every `every`-th, and always the last one (it ends the phase).
      const probeIndex = Math.min(total - 1, Math.ceil((sender.nextIndex + 1) / every) * every - 1);
      const end = Math.min(due, probeIndex + 1);
      const count = end - sender.nextIndex;
      if (plan.payload !== undefined) sendMessages(connection, session, plan.payload, count);
      sender.nextIndex = end;
      if (end === probeIndex + 1) {
        const dueAt = this.startMs + (probeIndex + sender.stagger) * this.intervalMs;
        const writtenAt = performance.now();
        sender.pushProbe((writtenAt - dueAt) * 1000, end);
        session.sendPing();
      }
      // In ping mode the probe is the message itself (probeEvery is 1).
      this.sent += plan.payload === undefined ? 1 : count;
      wrote = true;
    }
    sender.nextDueAt = sender.nextIndex >= total ? Infinity : this.startMs + (sender.nextIndex + sender.stagger) * this.intervalMs;
    if (wrote) {
      this.lastWriteMs = performance.now();
      this.lastProgressMs = this.lastWriteMs;
    }
  }

  private checkFinished(sender: ScheduledSender): void {
    if (sender.finished || sender.nextIndex < this.plan.messagesPerConnection || sender.outstanding > 0) return;
    sender.finished = true;
    this.unfinished--;
    if (this.unfinished === 0) this.finish('done');
  }

  private recordScheduleEnd(): void {
    let behind = 0;
    let queued = 0;
    for (const sender of this.senders.values()) {
      if (!sender.connection.open) continue;
      behind += this.plan.messagesPerConnection - sender.nextIndex;
      queued += sender.connection.session?.bufferedAmount ?? 0;
    }
    this.behindAtScheduleEnd = behind;
    this.queuedBytesAtScheduleEnd = queued;
  }

  private finish(outcome: PhaseOutcome): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const settle = this.settle;
    this.settle = undefined;
    if (settle !== undefined) settle(outcome);
  }
}
