// The fanout test's books: per subscriber, what it should have received (the publisher's seq range
// of its stream while it subscribed) against what it did; in total, whether received + dropped at
// the server's outbound cap + lost in flight add up to published × subscribers. A disagreement is a
// consistency ERROR, never a footnote.
import type { Consistency, FanoutResult } from '../results.js';
import type { PublishReport, StreamReport } from '../server/publisher.js';
import { lastArrivalEpochMs, type FanoutReceiver, type Subscription } from './receiver.js';

/** What the fanout test knows at the end of a tier, besides the receiver's counts. */
export interface FanoutTally {
  base: Pick<FanoutResult, 'parse' | 'clock' | 'requestedRatePerSec' | 'publisherDriven' | 'clockOffsetMicros' | 'clockUncertaintyMicros'>;
  receiver: FanoutReceiver;
  /** Indices of the connections open when publishing began: the subscribers. */
  subscriberIndices: readonly number[];
  /** The publisher's report (a driven run), undefined when it could not be had. */
  report: PublishReport | undefined;
  /** Publishing started (a passive run: listening started), epoch ms. */
  windowStartEpochMs: number;
  /** A passive run: when listening stopped. */
  listenEndEpochMs: number;
  /** A passive run: the slow-consumer drops the target's /metrics counted over the tier. */
  metricsDrops: number | undefined;
}

export function fanoutResult(tally: FanoutTally): FanoutResult {
  const { receiver, report } = tally;
  const driven = tally.base.publisherDriven;
  const subscriptions = tally.subscriberIndices.map((i) => receiver.subscriptions[i]);
  let received = 0;
  let duplicates = 0;
  let reordered = 0;
  for (const s of subscriptions) {
    if (s === undefined) continue;
    received += s.tracker.distinct;
    duplicates += s.tracker.duplicates;
    reordered += s.tracker.reordered;
  }
  const losses = subscriptions.map((s) => (driven ? (report === undefined ? undefined : lossAgainst(s, report.streams)) : (s?.tracker.innerLoss ?? 0)));
  const known = losses.every((l): l is number => l !== undefined);
  const lost = known ? losses.reduce((a, b) => a + b, 0) : 0;
  const windowEndEpochMs = driven ? Math.max(tally.windowStartEpochMs, lastArrivalEpochMs(receiver)) : tally.listenEndEpochMs;
  const windowMs = Math.max(0, windowEndEpochMs - tally.windowStartEpochMs);
  const perSec = (n: number): number => (windowMs > 0 ? n / (windowMs / 1000) : 0);
  const published = driven ? (report === undefined ? null : sum(report.streams, (s) => s.published)) : passivePublished(subscriptions);
  const serverDelivered = report === undefined ? null : sum(report.streams, (s) => s.delivered);
  const serverDrops = report === undefined ? (driven ? null : (tally.metricsDrops ?? null)) : sum(report.streams, (s) => s.dropped);
  const result: FanoutResult = {
    ...tally.base,
    payloadBytes: report?.streams[0]?.payloadBytes ?? (receiver.frames > 0 ? Math.round(receiver.bytes / receiver.frames) : 0),
    subscribers: subscriptions.length,
    streams: report !== undefined ? Math.max(1, report.streams.length) : new Set(subscriptions.filter((x) => x !== undefined).map((x) => x.stream)).size || 1,
    published,
    publishedPerSec: published === null ? null : driven ? publishRate(report!) : perSec(published),
    expectedDeliveries: known && (!driven || report !== undefined) ? received + lost : null,
    received,
    deliveriesPerSec: perSec(received),
    MBPerSec: perSec(receiver.bytes) / 1e6,
    duplicates,
    reordered,
    lost,
    subscribersWithLoss: known ? losses.filter((l) => l! > 0).length : 0,
    maxLossPerSubscriber: known ? Math.max(0, ...losses.map((l) => l!)) : 0,
    silentSubscribers: subscriptions.filter((s) => s === undefined).length,
    serverSubscribers: report === undefined ? null : sum(report.streams, (s) => s.subscribersAtStart),
    serverSubscribersAtEnd: report === undefined ? null : sum(report.streams, (s) => s.subscribersAtEnd),
    serverDelivered,
    serverDrops,
    lostInFlight: serverDelivered === null ? null : serverDelivered - received,
    windowMs,
    windowStartEpochMs: tally.windowStartEpochMs,
    windowEndEpochMs,
    negativeLatencies: receiver.negativeLatencies,
  };
  return result;
}

/** A subscriber's loss against its stream's published range; one that received nothing lost a whole stream. */
function lossAgainst(subscription: Subscription | undefined, streams: readonly StreamReport[]): number {
  if (subscription === undefined) return Math.max(0, ...streams.map((s) => s.published));
  const stream = streams.find((s) => s.stream === subscription.stream) ?? (streams.length === 1 ? streams[0] : undefined);
  if (stream === undefined) return 0;
  return subscription.tracker.lossWithin(stream.firstSeq, stream.lastSeq);
}

/** A passive run: each stream's seq span as its subscribers saw it, summed over streams. */
function passivePublished(subscriptions: readonly (Subscription | undefined)[]): number | null {
  const spans = new Map<number, { first: number; last: number }>();
  for (const s of subscriptions) {
    if (s === undefined || s.tracker.distinct === 0) continue;
    const span = spans.get(s.stream);
    if (span === undefined) spans.set(s.stream, { first: s.tracker.first, last: s.tracker.last });
    else spans.set(s.stream, { first: Math.min(span.first, s.tracker.first), last: Math.max(span.last, s.tracker.last) });
  }
  if (spans.size === 0) return null;
  let n = 0;
  for (const span of spans.values()) n += span.last - span.first + 1;
  return n;
}

/** Unique messages per second over the server's own publishing time, every stream together. */
function publishRate(report: PublishReport): number {
  let rate = 0;
  for (const s of report.streams) {
    const ms = s.stoppedAtEpochMs - s.startedAtEpochMs;
    if (ms > 0) rate += s.published / (ms / 1000);
  }
  return rate;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let n = 0;
  for (const item of items) n += value(item);
  return n;
}

/** What decides how exact the check can be. */
export interface FanoutCheckContext {
  /** Every subscriber's drain PONG came back: all it will ever receive has arrived. */
  everyDrainBack: boolean;
  /** Subscribers that closed during the tier (the server stopped sending to them). */
  closedDuringTier: number;
  /** Why the publisher's report is missing, when it is (a driven run). */
  reportProblem?: string;
}

/**
 * received + dropped + lost in flight = published × subscribers. Exact when the server's
 * subscribers were this run's, all of them, throughout; otherwise what can still be checked
 * (nothing received that was not sent). Passive runs: the gaps must not exceed the drops the
 * server's /metrics counted. Undefined when there is nothing to check against.
 */
export function fanoutConsistency(f: FanoutResult, context: FanoutCheckContext): Consistency | undefined {
  if (!f.publisherDriven) return passiveConsistency(f);
  if (f.serverDelivered === null || f.serverDrops === null || f.published === null || f.expectedDeliveries === null) {
    const why = context.reportProblem ?? 'the server did not report its publishing';
    return { ok: false, clientDelivered: f.received, serverReceived: 0, message: `the fan-out books cannot close: ${why}; subscribers received ${f.received} messages with ${f.lost} lost` };
  }
  const inFlight = f.lostInFlight ?? 0;
  const attempted = f.serverDelivered + f.serverDrops;
  const equation = `received ${f.received} + dropped ${f.serverDrops} + lost in flight ${inFlight}`;
  const expected = f.streams > 1
    ? `${f.published} published over ${f.streams} streams, each × its subscribers = ${f.expectedDeliveries}`
    : `${f.published} published × ${f.subscribers} subscribers = ${f.expectedDeliveries}`;
  const base = { clientDelivered: f.received, serverReceived: f.serverDelivered };
  if (inFlight < 0) {
    return { ok: false, ...base, message: `subscribers received ${f.received} messages but the server handed only ${f.serverDelivered} to their sockets` };
  }
  const exactSet = f.serverSubscribers === f.subscribers && f.serverSubscribersAtEnd === f.subscribers && context.closedDuringTier === 0;
  if (!exactSet) {
    const who = `the server had ${f.serverSubscribers} subscribers at the start and ${f.serverSubscribersAtEnd} at the end, this run ${f.subscribers}${context.closedDuringTier > 0 ? ` (${context.closedDuringTier} closed during the tier)` : ''}`;
    return { ok: true, ...base, message: `${equation} of ${attempted} the server sent or dropped; ${who}, so only received ≤ sent is checked` };
  }
  if (attempted !== f.expectedDeliveries) {
    return { ok: false, ...base, message: `the server sent ${f.serverDelivered} and dropped ${f.serverDrops} (${attempted}) but ${expected}` };
  }
  if (context.everyDrainBack && inFlight > 0) {
    return { ok: false, ...base, message: `${inFlight} messages the server sent never arrived although every subscriber's drain PONG came back (${equation}, ${expected})` };
  }
  if (f.received + f.serverDrops + inFlight !== f.expectedDeliveries || f.lost !== f.serverDrops + inFlight) {
    return { ok: false, ...base, message: `${equation} ≠ ${expected} (sequence gaps ${f.lost})` };
  }
  return { ok: true, ...base, message: `${equation} = ${expected}` };
}

function passiveConsistency(f: FanoutResult): Consistency | undefined {
  if (f.serverDrops === null) return undefined;
  const ok = f.lost <= f.serverDrops;
  const message = ok
    ? `sequence gaps ${f.lost} ≤ the server's slow-consumer drops ${f.serverDrops} (its /metrics; other clients' drops count there too)`
    : `${f.lost} messages missing but the server's /metrics counted only ${f.serverDrops} slow-consumer drops`;
  return { ok, clientDelivered: f.received, serverReceived: f.serverDrops, message };
}
