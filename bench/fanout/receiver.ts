// The fanout test's subscriber side: every connection's pushed ticks are read (from the bytes with
// --parse none, JSON.parse'd by the session with --parse json), checked for gaps, duplicates and
// reordering per connection, and their delivery latency recorded. After publishing stops, one ping
// per connection drains it: the PONG leaves the server after every message queued before it, so
// once it is back that connection has received all it ever will.
// Nothing is allocated per message: seq and ts_us are read from the bytes (--parse none), the
// clock is read once per socket read, latencies are counted in a typed array (latency-counts.ts).
import type { WseMessage } from '../../core/wse/decode.js';
import type { BenchConnection, PhaseHandler } from '../engine/connection.js';
import { PhaseWaiter, type PhaseOutcome } from '../engine/phase-waiter.js';
import type { ParseMode } from '../options/choices.js';
import { LatencyCounts, MAX_LATENCY_MICROS } from '../stats/latency-counts.js';
import { SequenceTracker } from './sequence-tracker.js';
import { epochMicros, readTick, readTickStream, TickFields } from './tick.js';

/** The drain gives up when no PONG has come back for this long. */
const DRAIN_STALL_MS = 15_000;

/** One subscriber's stream: its seq tracker and which server worker published it. */
export interface Subscription {
  readonly tracker: SequenceTracker;
  stream: number;
}

/**
 * The arrival time of every message of one socket read: the clock is read at its first message and
 * stays valid until the read's messages are handled (a microtask ends it). Measured on Node 20,
 * performance.now() cost ~90 ns and 16 bytes of garbage a call; and the read's first message is
 * when its bytes were there for all of them.
 */
class ArrivalClock {
  /** Epoch µs of the current read, once update() has run (a field: a double returned from a call would be allocated). */
  stamp = 0.5;
  private valid = false;
  private readonly expire = (): void => {
    this.valid = false;
  };

  /** Reads the clock unless this read has; `fresh` is called when it does. */
  update(fresh: () => void): void {
    if (this.valid) return;
    this.stamp = epochMicros();
    this.valid = true;
    queueMicrotask(this.expire);
    fresh();
  }
}

export class FanoutReceiver implements PhaseHandler {
  /** By connection index (the pool's opening order). */
  readonly subscriptions: (Subscription | undefined)[] = [];
  readonly latency: LatencyCounts | undefined;
  /** Tick frames received (duplicates included) and their payload bytes. */
  frames = 0;
  bytes = 0;
  negativeLatencies = 0;
  /** Epoch µs of the last message's read (a number field: no allocation per message). */
  lastArrivalMicros = 0.5;
  /** Cleared when a passive run's window ends: later ticks are not counted. */
  listening = true;
  private readonly fields = new TickFields();
  /** json: the bytes of the message the session is about to decode (onRawMessage, then onMessage). */
  private pendingBytes = 0;
  private drain: PhaseWaiter | undefined;
  private readonly clock = new ArrivalClock();
  /** A read arrived: a long drain is progress too, not only its PONGs. */
  private readonly onRead = (): void => this.drain?.touch();

  constructor(
    private readonly parse: ParseMode,
    /** Server clock − ours, µs; undefined: no latency (--clock off). */
    private readonly clockOffsetMicros: number | undefined,
  ) {
    this.latency = clockOffsetMicros === undefined ? undefined : new LatencyCounts();
  }

  onRawMessage(connection: BenchConnection, data: Buffer | string, _isBinary: boolean): boolean {
    if (this.parse === 'json') {
      this.pendingBytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      return false;
    }
    if (!this.listening || !readTick(data, this.fields)) return false;
    const subscription = this.subscriptions[connection.index];
    // a tick is ASCII: its string's length is its byte count
    this.record(connection, subscription === undefined ? readTickStream(data) : 0, this.fields.seq, this.fields.tsMicros, data.length);
    return true;
  }

  onMessage(connection: BenchConnection, message: WseMessage): void {
    if (message.t !== 'fanout_tick' || !this.listening) return;
    const p = message.p as { seq?: unknown; ts_us?: unknown; w?: unknown } | undefined;
    if (typeof p?.seq !== 'number' || typeof p.ts_us !== 'number') return;
    this.record(connection, typeof p.w === 'number' ? p.w : 0, p.seq, p.ts_us, this.pendingBytes);
  }

  private record(connection: BenchConnection, stream: number, seq: number, tsMicros: number, bytes: number): void {
    let subscription = this.subscriptions[connection.index];
    if (subscription === undefined) {
      subscription = { tracker: new SequenceTracker(), stream };
      this.subscriptions[connection.index] = subscription;
    }
    subscription.tracker.record(seq);
    this.frames++;
    this.bytes += bytes;
    this.clock.update(this.onRead);
    const arrival = this.clock.stamp;
    this.lastArrivalMicros = arrival;
    const latency = this.latency;
    if (latency === undefined) return;
    const micros = arrival - (tsMicros - this.clockOffsetMicros!);
    if (micros < 0) this.negativeLatencies++;
    // whole µs as an int32 here: a double passed to a call that is not inlined is allocated
    latency.record(micros < 1 ? 1 : micros >= MAX_LATENCY_MICROS ? MAX_LATENCY_MICROS : (micros + 0.5) | 0);
  }

  /**
   * Pings every open connection and waits until each PONG is back (or its connection closed, or
   * nothing came back for DRAIN_STALL_MS); ticks keep being counted meanwhile.
   */
  drainAll(connections: readonly BenchConnection[], signal: AbortSignal, stallMs = DRAIN_STALL_MS): Promise<PhaseOutcome> {
    let pings = 0;
    for (const c of connections) {
      c.barrierPending = false;
      if (!c.open || c.session === undefined) continue;
      c.session.sendPing();
      c.pingsLeft = c.session.outstandingPings;
      c.barrierPending = true;
      pings++;
    }
    this.drain = new PhaseWaiter(pings, signal, stallMs);
    return this.drain.wait();
  }

  /** Connections whose drain PONG has not come back. */
  undrained(connections: readonly BenchConnection[]): number {
    let n = 0;
    for (const c of connections) if (c.barrierPending) n++;
    return n;
  }

  onPong(connection: BenchConnection): void {
    const drain = this.drain;
    if (drain === undefined) return;
    drain.touch();
    if (!connection.barrierPending || --connection.pingsLeft > 0) return;
    connection.barrierPending = false;
    drain.progress();
  }

  onClosed(connection: BenchConnection): void {
    if (!connection.barrierPending) return;
    connection.barrierPending = false;
    this.drain?.progress();
  }
}

/** Epoch ms of the receiver's last message, 0 before any. */
export function lastArrivalEpochMs(receiver: FanoutReceiver): number {
  return receiver.lastArrivalMicros / 1000;
}
