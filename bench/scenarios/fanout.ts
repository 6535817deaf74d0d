// Test 8, fan-out (server push): N subscribers connect, the server publishes WSE's fanout_tick to
// all of them for --duration (as fast as it can, or --publish-rate), the client reads. Per tier:
// published msg/s, deliveries/s and MB/s, loss by sequence gaps (per subscriber and in total),
// duplicates and reordering, one-way delivery latency (arrival − ts_us), the server's slow-consumer
// drops, and the books: received + dropped + lost in flight = published × subscribers.
// The embedded server (and `wse-bench serve` at --host) is driven: its publisher starts and stops
// with the measured phase. Another --host server is only listened to: it publishes on its own.
import { fanoutConsistency, fanoutResult, type FanoutTally } from '../fanout/accounting.js';
import { estimateClockOffset } from '../fanout/clock-offset.js';
import { FanoutReceiver } from '../fanout/receiver.js';
import { cellRecorder } from '../engine/cell.js';
import { IDLE_PHASE } from '../engine/connection.js';
import type { TestContext } from '../engine/context.js';
import { sleep } from '../engine/phase-waiter.js';
import { closeConnections, epochNowMs, openTier, type OpenedPool } from '../engine/pool.js';
import { settleConnections } from '../engine/pong-barrier.js';
import type { TierTally } from '../engine/tier-tally.js';
import { oneLine } from '../one-line.js';
import type { FanoutResult, TestResult, TierResult } from '../results.js';
import type { PublishReport } from '../server/publisher.js';
import { summarizeHistogram } from '../stats/histogram.js';
import { sizeLabel } from '../report/format.js';

/** The publisher's smallest size: every message is then the bare tick, WSE's own shape. */
const BARE_TICK = 1;
/** After an interruption, subscribers get this long to drain. */
const ABORTED_DRAIN_STALL_MS = 1_000;
const NEVER_ABORTED = new AbortController().signal;

export async function runFanout(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const sizes = ctx.options.fanoutSizes ?? [BARE_TICK];
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'fanout', target);
    await ctx.barrier('connected');
    let first = true;
    for (const size of sizes) {
      if (ctx.signal.aborted) break;
      tiers.push(await measureFanoutCell(ctx, pool, first ? openingTally : undefined, size, sizes.length > 1 ? sizeLabel(size) : undefined));
      first = false;
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
  }
  return { test: 'fanout', tiers };
}

async function measureFanoutCell(ctx: TestContext, pool: OpenedPool, openingTally: TierTally | undefined, size: number, label: string | undefined): Promise<TierResult> {
  const { options, publisher } = ctx;
  const parse = options.parse ?? 'json';
  const clock = options.clock ?? 'shared';
  const durationMs = options.durationSec * 1000;
  const rate = options.publishRate;
  const params: Record<string, string | number> = {
    payloadBytes: size === BARE_TICK ? 'tick' : size, parse, clock, publishRate: rate ?? 'max', durationSec: options.durationSec,
  };
  const recorder = cellRecorder(ctx, 'fanout', pool, openingTally, params, label);
  const settled = await settleConnections(pool.connections, ctx.signal);
  if (settled !== 'done') recorder.notes.push(`not every connection answered the ping before publishing (${settled})`);

  const offset = clock === 'off' ? undefined : clock === 'shared' ? { offsetMicros: 0, uncertaintyMicros: 0 } : await estimateClockOffset(pool.connections, ctx.signal);
  if (clock === 'ping' && offset === undefined) recorder.notes.push('--clock ping: no PONG carried server_timestamp, so no delivery latency');
  if (clock === 'shared' && options.host !== undefined) {
    recorder.notes.push('delivery latency assumes the server\'s clock is this machine\'s (same host or synchronised): --clock ping estimates the offset, --clock off drops it');
  }
  const receiver = new FanoutReceiver(parse, offset?.offsetMicros);
  const subscribers = pool.connections.filter((c) => c.open);
  for (const c of pool.connections) c.phase = receiver;

  await ctx.barrier('start');
  await recorder.beginMeasure();
  ctx.progress.phase('fanout', `${subscribers.length} subscribers${label === undefined ? '' : ` ${label}`}: ${publisher === undefined ? 'listening' : 'publishing'}`);
  const started = Date.now();
  const ticker = setInterval(() => ctx.progress.tick(Math.round((Date.now() - started) / 1000), options.durationSec, 's'), 1000);
  const windowStartEpochMs = epochNowMs();
  let reportProblem: string | undefined;
  let report: PublishReport | undefined;
  let completed = false;
  let listenEndEpochMs = 0;
  try {
    let busy = false;
    if (publisher?.leads === true) {
      // a start whose answer is lost may still have started it: the stop below ends it either way
      busy = (await publisher.start({ payloadBytes: size, ratePerSec: rate }).catch((error: unknown) => {
        recorder.notes.push(`the publisher's start was not confirmed (${oneLine(error)})`);
      })) === 'busy';
      if (busy) reportProblem = 'the server was publishing already (another run\'s session), so this tier\'s messages cannot be told apart';
    }
    completed = await sleep(durationMs, ctx.signal);
    listenEndEpochMs = epochNowMs();
    receiver.listening = publisher !== undefined;
    if (publisher?.leads === true && !busy) {
      report = await publisher.stop().catch((error: unknown) => {
        reportProblem = `the publisher's report is missing (${oneLine(error)})`;
        return undefined;
      });
    }
    await ctx.barrier('published');
    if (publisher !== undefined && !publisher.leads && reportProblem === undefined) {
      report = await publisher.latest().catch((error: unknown) => {
        reportProblem = `the publisher's report is missing (${oneLine(error)})`;
        return undefined;
      });
    }
  } finally {
    clearInterval(ticker);
  }
  // Aborted (SIGINT, server gone): keep what arrives quickly; a dead server's connections close.
  const drained = completed ? await receiver.drainAll(pool.connections, ctx.signal) : await receiver.drainAll(pool.connections, NEVER_ABORTED, ABORTED_DRAIN_STALL_MS);
  const undrained = receiver.undrained(pool.connections);
  await recorder.endMeasure();
  for (const c of pool.connections) c.phase = IDLE_PHASE;

  const tally: FanoutTally = {
    base: {
      parse,
      clock,
      requestedRatePerSec: publisher === undefined ? null : (rate ?? null),
      publisherDriven: publisher !== undefined,
      ...(clock === 'ping' && offset !== undefined ? { clockOffsetMicros: offset.offsetMicros, clockUncertaintyMicros: offset.uncertaintyMicros } : {}),
    },
    receiver,
    subscriberIndices: subscribers.map((c) => c.index),
    report,
    windowStartEpochMs,
    listenEndEpochMs,
    metricsDrops: recorder.serverMetrics()?.slowConsumerDrops,
  };
  const fanout: FanoutResult = fanoutResult(tally);
  if (receiver.latency !== undefined) {
    const histogram = receiver.latency.toHistogram();
    fanout.latency = summarizeHistogram(histogram);
    histogram.destroy();
  }
  const closedDuringTier = subscribers.filter((c) => !c.open).length;
  if (!completed) recorder.markPartial('interrupted while publishing');
  if (reportProblem !== undefined) recorder.markPartial(reportProblem);
  if (closedDuringTier > 0) recorder.markPartial(`${closedDuringTier} of ${subscribers.length} subscribers closed during the tier`);
  if (drained !== 'done' || undrained > 0) recorder.markPartial(`${undrained} subscribers' drain PONG did not come back (${drained}): what was still on its way to them counts as lost in flight`);
  recorder.notes.push(...fanoutNotes(fanout, ctx));
  const consistency = fanoutConsistency(fanout, { everyDrainBack: undrained === 0 && drained === 'done', closedDuringTier, ...(reportProblem !== undefined ? { reportProblem } : {}) });
  const counted = recorder.serverCounters()?.slowConsumerDrops ?? recorder.serverMetrics()?.slowConsumerDrops;
  if (fanout.publisherDriven && fanout.serverDrops !== null && counted !== undefined && counted !== fanout.serverDrops) {
    recorder.notes.push(`ERROR: the server's counters say ${counted} slow-consumer drops, its publisher's report ${fanout.serverDrops}`);
  }
  return recorder.build({
    connectionCounts: pool.counts,
    ...(openingTally !== undefined ? { connectLatency: summarizeHistogram(pool.connectLatency) } : {}),
    fanout,
    ...(consistency !== undefined ? { consistency } : {}),
  });
}

/** What a reader of the tier should know beside its numbers. */
function fanoutNotes(f: FanoutResult, ctx: TestContext): string[] {
  const notes: string[] = [];
  if (!f.publisherDriven) {
    notes.push(`listened only: ${ctx.options.host ?? 'the server'} has no wse-bench publisher control, so "published" is the seq span the subscribers saw and loss counts gaps between a subscriber's first and last message`);
  }
  if (f.duplicates > 0 || f.reordered > 0) notes.push(`${f.duplicates} duplicate and ${f.reordered} reordered messages`);
  if (f.silentSubscribers > 0) notes.push(`${f.silentSubscribers} of ${f.subscribers} subscribers received nothing`);
  if (f.negativeLatencies > 0) notes.push(`${f.negativeLatencies} messages arrived before their ts_us by our clock (recorded as 1 µs, the lowest latency): the clocks disagree${f.clock === 'shared' ? '; try --clock ping' : ''}`);
  if (f.clockOffsetMicros !== undefined) {
    notes.push(`--clock ping: the server's clock is ${Math.round(f.clockOffsetMicros)} µs ahead of ours (± ${Math.round(f.clockUncertaintyMicros ?? 0)} µs)`);
  }
  return notes;
}
