// The embedded server's fan-out publisher: broadcast_all of WSE's fanout_tick (bench/fanout/tick.ts)
// to every open, authenticated connection, as fast as it can or at a set rate, with WSE's
// slow-consumer policy: each connection has an outbound cap (max_outbound_queue_bytes); a message
// that would take its queue past the cap is dropped for that connection and counted, and the
// connection stays open. Started and stopped by the benchmark for each tier (admin-listener.ts).
//
// A batch of messages is encoded once and the same bytes go to every subscriber, one write each
// (core) or one corked group of sends (uws, Bun.serve). Native publish (uWS's and Bun's topics)
// is not used: it skips a slow subscriber without saying which or how many messages, and the
// accounting below must be exact per connection.
//
// "As fast as the server can" means as fast as the subscribers read. After each batch a
// subscriber gets a WSE heartbeat ping, which a WSE client answers in order, so the pings it has
// not answered bound what it has not read yet. While a subscriber has MAX_PINGS_IN_FLIGHT
// unanswered the publisher waits for it, but for SLOW_AFTER_MS at most: one that stays behind
// longer is a slow consumer, left to WSE's policy (its queue fills to the cap, then drops), and
// no longer holds the others back, unless most subscribers are behind: then the client as a whole
// is what is slow, and the publisher waits for it. Publishing regardless of what was read flooded
// the kernel's socket buffers instead (measured: 50 subscribers reading 229K msg/s were offered
// 23.6M deliveries/s, 99 % were dropped and the last messages arrived 10 s late; paced only by the
// user-space queues, 1,000 subscribers took 45 s to drain 3 s of publishing): a measure of those
// buffers, not of the client. At a set --publish-rate nothing is paced: the server publishes on
// its timetable and drops what a full queue cannot take.
import type { ServerSocket } from '../../adapters/server/transport.js';
import { buildTickBatch, epochMicros, type TickBatch } from '../fanout/tick.js';
import type { LiveServerCounters } from './stats.js';
import { heartbeatText } from './wire.js';

export interface PublishSettings {
  /** Each message padded to this many bytes (the bare tick where smaller). */
  payloadBytes: number;
  /** Unique messages per second; undefined = as fast as the server can. */
  ratePerSec: number | undefined;
}

/** A multi-process server publishes one stream per worker: each with its own seq, named in "w". */
export interface StreamSettings extends PublishSettings {
  /** 0 for a single-process server; worker 1, 2 … of a multi-process one. */
  stream: number;
}

/** One publisher's stream over one start…stop: what it published and what became of it. */
export interface StreamReport {
  /** 0 for a single-process server; worker 1, 2 … of a multi-process one (the ticks' "w"). */
  stream: number;
  payloadBytes: number;
  ratePerSec: number | null;
  /** Unique messages published: seq firstSeq … lastSeq (none when lastSeq < firstSeq). */
  published: number;
  firstSeq: number;
  lastSeq: number;
  subscribersAtStart: number;
  subscribersAtEnd: number;
  /** Messages handed to a subscriber's socket, all subscribers together. */
  delivered: number;
  /** Messages dropped for a subscriber whose queue was at its cap (slow consumer). */
  dropped: number;
  startedAtEpochMs: number;
  stoppedAtEpochMs: number;
}

/** Every stream of the server over one start…stop. */
export interface PublishReport {
  streams: StreamReport[];
}

/** Starts and stops the whole server's publishing (one process, or every worker of several). */
export interface PublisherControl {
  /** false when the server is publishing already. */
  start(settings: PublishSettings): Promise<boolean>;
  /** Ends the running session and reports it; undefined when none was running. */
  stop(): Promise<PublishReport | undefined>;
  /** The latest session's report (the running one so far), if any. */
  latest(): Promise<PublishReport | undefined>;
  /** Whether a session is running. */
  publishing(): boolean;
}

/** A connection that receives broadcasts while `subscribed`. */
export interface Subscriber {
  readonly socket: ServerSocket;
  readonly subscribed: boolean;
  /**
   * Server pings sent to it (heartbeats and the publisher's) and its answers: a WSE client answers
   * in order, so while the difference is n it has not read what came before the last n pings.
   */
  pingsSent: number;
  pingsAnswered: number;
  /** When it last fell MAX_PINGS_IN_FLIGHT behind (performance.now() ms), 0 while it is not. */
  behindSinceMs: number;
}

/** Bytes of frames one batch may carry: one write per subscriber. */
const MAX_BATCH_BYTES = 32 * 1024;
/**
 * Below this the ping after each batch costs the subscriber too much of its time: answering is a
 * socket write, and a loopback write does the receiver's TCP work too. Measured on Node 20 with
 * 1,000 subscribers, the client spent 37 % of its busy time in those writes with 2 KB batches and
 * 27 % with 8 KB ones.
 */
const MIN_BATCH_BYTES = 16 * 1024;
const MAX_BATCH_MESSAGES = 256;
/**
 * As fast as it can: a subscriber with this many pings unanswered counts as behind; the bytes all
 * subscribers may have unread together, so each batch is IN_FLIGHT_BUDGET ÷ subscribers ÷ this
 * (within the bounds above: 32 KB up to 500 subscribers, 16 KB at 1,000; past that the minimum
 * batch raises the bound). 64 MiB is 0.3 s of a client reading 2M 100-byte messages a second: the
 * delivery latency at saturation and the longest final drain, against tens of seconds unpaced.
 */
const MAX_PINGS_IN_FLIGHT = 4;
const IN_FLIGHT_BUDGET_BYTES = 64 * 1024 * 1024;
/** How long the publisher waits for a subscriber that is behind before it counts as a slow consumer. */
const SLOW_AFTER_MS = 250;
/** At a set rate, the timer's period when messages are due faster than it fires; also how often a paused publisher looks again. */
const RATE_TICK_MS = 1;
/** As fast as it can with nobody to publish to: how often it looks for subscribers. */
const NO_SUBSCRIBERS_WAIT_MS = 20;
/**
 * A session without a subscriber for this long ends by itself: the run that started it is gone (a
 * client killed mid-tier never sends its stop), and an orphan publisher would hold the CPU.
 */
const ORPHAN_STOP_MS = 10_000;

export class FanoutPublisher {
  private running = false;
  private settings: StreamSettings = { payloadBytes: 0, ratePerSec: undefined, stream: 0 };
  private lastSeq = 0;
  private report: StreamReport | undefined;
  private startedAtMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private batchMessages = 1;
  /** Subscribers at the last publish or look; since when there have been none (0: there are). */
  private lastSubscribed = 0;
  private noSubscribersSinceMs = 0;

  private readonly tickBound = (): void => this.tick();

  constructor(
    private readonly subscribers: () => Iterable<Subscriber>,
    private readonly counters: LiveServerCounters,
    /** Per-connection outbound cap, bytes. */
    private readonly capBytes: number,
    private readonly orphanStopMs = ORPHAN_STOP_MS,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts a stream session; false when one is already running. */
  start(settings: StreamSettings): boolean {
    if (this.running) return false;
    this.running = true;
    this.settings = settings;
    const sample = buildTickBatch(this.lastSeq + 1, 1, epochMicros(), settings.stream, settings.payloadBytes);
    const subscribers = Math.max(1, this.countSubscribers());
    const paced = Math.max(MIN_BATCH_BYTES, Math.min(MAX_BATCH_BYTES, IN_FLIGHT_BUDGET_BYTES / subscribers / MAX_PINGS_IN_FLIGHT));
    // a subscriber keeping up never holds more than a few batches: they must fit under its cap
    const batchBytes = Math.min(settings.ratePerSec === undefined ? paced : MAX_BATCH_BYTES, this.capBytes / MAX_PINGS_IN_FLIGHT);
    this.batchMessages = Math.max(1, Math.min(MAX_BATCH_MESSAGES, Math.floor(batchBytes / sample.frames.length)));
    this.startedAtMs = performance.now();
    this.noSubscribersSinceMs = 0;
    this.report = {
      stream: settings.stream,
      payloadBytes: sample.payloadEnds[0]!,
      ratePerSec: settings.ratePerSec ?? null,
      published: 0,
      firstSeq: this.lastSeq + 1,
      lastSeq: this.lastSeq,
      subscribersAtStart: this.countSubscribers(),
      subscribersAtEnd: 0,
      delivered: 0,
      dropped: 0,
      startedAtEpochMs: Date.now(),
      stoppedAtEpochMs: 0,
    };
    this.tick();
    return true;
  }

  /** The current or last session so far. */
  latest(): StreamReport | undefined {
    return this.report === undefined ? undefined : { ...this.report, subscribersAtEnd: this.running ? this.countSubscribers() : this.report.subscribersAtEnd };
  }

  /** Stops the session and reports it (the last one's report again when none is running). */
  stop(): StreamReport | undefined {
    if (this.running) {
      this.running = false;
      if (this.timer !== undefined) clearTimeout(this.timer);
      if (this.immediate !== undefined) clearImmediate(this.immediate);
      this.timer = undefined;
      this.immediate = undefined;
      const report = this.report!;
      report.subscribersAtEnd = this.countSubscribers();
      report.stoppedAtEpochMs = Date.now();
    }
    return this.report === undefined ? undefined : { ...this.report };
  }

  private tick(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (!this.running) return;
    if (this.orphaned()) {
      this.stop();
      return;
    }
    const rate = this.settings.ratePerSec;
    if (rate === undefined) {
      if (this.lastSubscribed === 0 && this.countSubscribers() === 0) {
        this.timer = setTimeout(this.tickBound, NO_SUBSCRIBERS_WAIT_MS);
        return;
      }
      if (this.heldBack()) {
        // an answer resumes it (pingAnswered); the timer only covers subscribers leaving
        this.timer = setTimeout(this.tickBound, RATE_TICK_MS);
        return;
      }
      this.publish(this.batchMessages, true);
      this.immediate = setImmediate(this.tickBound);
      return;
    }
    const due = Math.floor(((performance.now() - this.startedAtMs) * rate) / 1000) - this.report!.published;
    if (due > 0) this.publish(Math.min(due, this.batchMessages), false);
    if (due > this.batchMessages) this.immediate = setImmediate(this.tickBound);
    else this.timer = setTimeout(this.tickBound, Math.max(RATE_TICK_MS, Math.ceil(1000 / rate) - 1));
  }

  /** A subscriber answered a server ping: a paused publisher looks again at once. */
  pingAnswered(): void {
    if (this.running && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(this.tickBound);
    }
  }

  /** Publishes `count` new messages to every subscriber, dropping what a full queue cannot take; `paced` adds the ping after them. */
  private publish(count: number, paced: boolean): void {
    const report = this.report!;
    const marker = paced ? heartbeatText(Date.now()) : undefined;
    const batch = buildTickBatch(this.lastSeq + 1, count, epochMicros(), this.settings.stream, this.settings.payloadBytes, marker);
    this.lastSeq += count;
    report.published += count;
    report.lastSeq = this.lastSeq;
    const counters = this.counters;
    const whole = batch.frames.length;
    const withMarker = batch.texts.length;
    let subscribed = 0;
    for (const subscriber of this.subscribers()) {
      if (!subscriber.subscribed) continue;
      subscribed++;
      const socket = subscriber.socket;
      const room = this.capBytes - socket.bufferedAmount;
      const fit = room >= whole ? count : framesWithin(batch, room);
      if (fit > 0) {
        socket.sendBatch(batch, fit);
        // a whole batch goes with its ping
        const messages = fit === count ? withMarker : fit;
        counters.sent.messages += messages;
        counters.sent.bytes += batch.payloadEnds[messages - 1]!;
        if (messages > fit) subscriber.pingsSent++;
        report.delivered += fit;
      }
      if (fit < count) {
        counters.slowConsumerDrops += count - fit;
        report.dropped += count - fit;
      }
    }
    counters.published += count;
    this.lastSubscribed = subscribed;
  }

  /** No subscriber for orphanStopMs (counted at most every NO_SUBSCRIBERS_WAIT_MS). */
  private orphaned(): boolean {
    if (this.lastSubscribed > 0) {
      this.noSubscribersSinceMs = 0;
      return false;
    }
    const now = performance.now();
    if (this.noSubscribersSinceMs === 0) this.noSubscribersSinceMs = now;
    return now - this.noSubscribersSinceMs >= this.orphanStopMs;
  }

  /**
   * Some subscriber is MAX_PINGS_IN_FLIGHT behind and has been for less than SLOW_AFTER_MS, or most
   * subscribers are behind however long.
   */
  private heldBack(): boolean {
    const now = performance.now();
    let held = false;
    let behind = 0;
    let subscribed = 0;
    for (const subscriber of this.subscribers()) {
      if (!subscriber.subscribed) continue;
      subscribed++;
      if (subscriber.pingsSent - subscriber.pingsAnswered < MAX_PINGS_IN_FLIGHT) {
        subscriber.behindSinceMs = 0;
        continue;
      }
      behind++;
      if (subscriber.behindSinceMs === 0) subscriber.behindSinceMs = now;
      if (now - subscriber.behindSinceMs < SLOW_AFTER_MS) held = true;
    }
    return held || behind * 2 > subscribed;
  }

  private countSubscribers(): number {
    let n = 0;
    for (const subscriber of this.subscribers()) if (subscriber.subscribed) n++;
    this.lastSubscribed = n;
    return n;
  }
}

/** How many of the batch's messages fit in `room` bytes, in order (a message that would not fit is dropped, and so are those after it). */
function framesWithin(batch: TickBatch, room: number): number {
  let n = 0;
  while (n < batch.count && batch.frameEnds[n]! <= room) n++;
  return n;
}

/** The publisher of a single-process server, as a PublisherControl (stream 0). */
export function localPublisherControl(publisher: FanoutPublisher): PublisherControl {
  const reportOf = (stream: StreamReport | undefined): PublishReport | undefined => (stream === undefined ? undefined : { streams: [stream] });
  return {
    start: (settings) => Promise.resolve(publisher.start({ ...settings, stream: 0 })),
    stop: () => Promise.resolve(publisher.isRunning ? reportOf(publisher.stop()) : undefined),
    latest: () => Promise.resolve(reportOf(publisher.latest())),
    publishing: () => publisher.isRunning,
  };
}
