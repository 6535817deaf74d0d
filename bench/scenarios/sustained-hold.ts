// Test 6: hold N connections for --hold seconds with a ping every --hold-ping-interval seconds;
// survival %, disconnects by close code, ping latency, and the p50 of each interval's pings (drift).
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import type { BenchConnection, PhaseHandler } from '../engine/connection.js';
import { IDLE_PHASE } from '../engine/connection.js';
import { pingConsistency } from '../engine/consistency.js';
import type { TestContext } from '../engine/context.js';
import { PhaseWaiter, sleep } from '../engine/phase-waiter.js';
import { closeConnections, openTier, openCount } from '../engine/pool.js';
import { TierRecorder, type TierFields } from '../engine/tier-recorder.js';
import { formatInteger } from '../report/format.js';
import type { TestResult, TierResult } from '../results.js';
import { createLatencyHistogram, recordMicros, summarizeHistogram } from '../stats/histogram.js';

/** After the hold, outstanding PONGs are awaited this long at most without progress. */
const FINAL_PONG_STALL_MS = 10_000;

class HoldPings implements PhaseHandler {
  readonly rtt: Histogram = createLatencyHistogram();
  /**
   * One histogram per ping round, by the round the ping was sent in: WSE answers in order, so a
   * connection's k-th PONG answers its k-th ping. (By arrival time, a client stalled past an
   * interval boundary would show an empty interval and an overfull next one.)
   */
  readonly byInterval: Histogram[] = [];
  pingsSent = 0;
  pongs = 0;
  unanswered = 0;
  waiter: PhaseWaiter | undefined;

  sendRound(connections: readonly BenchConnection[]): void {
    for (const c of connections) {
      if (!c.open || c.session === undefined) continue;
      c.session.sendPing();
      c.sent++; // pings awaiting their PONG
      this.pingsSent++;
    }
  }

  onPong(connection: BenchConnection, rttMicros: number): void {
    connection.sent--;
    this.pongs++;
    recordMicros(this.rtt, rttMicros);
    // Every connection took part in every round since the hold began, so the PONGs it has had so
    // far are the round this one answers.
    const round = connection.pingsLeft++;
    while (this.byInterval.length <= round) this.byInterval.push(createLatencyHistogram());
    recordMicros(this.byInterval[round]!, rttMicros);
    this.waiter?.progress();
  }

  onClosed(connection: BenchConnection): void {
    this.unanswered += connection.sent;
    this.waiter?.progress(connection.sent);
    connection.sent = 0;
  }

  /** Each interval's p50; null for an interval none of whose pings was answered. */
  intervalP50s(): (number | null)[] {
    return this.byInterval.map((h) => (h.totalCount > 0 ? h.getValueAtPercentile(50) : null));
  }
}

export async function runSustainedHold(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const holdMs = ctx.options.holdSec * 1000;
  const intervalMs = Math.max(1, ctx.options.holdPingIntervalSec * 1000);
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'sustained-hold', target);
    const recorder = new TierRecorder(ctx, 'sustained-hold', target, {
      holdSec: ctx.options.holdSec,
      pingIntervalSec: ctx.options.holdPingIntervalSec,
    });
    recorder.watch(pool.loss);
    recorder.tally.absorb(openingTally);
    if (pool.aborted) recorder.markInterrupted('connecting', ctx.signal);
    await ctx.barrier('connected');
    await ctx.barrier('start');

    ctx.progress.phase('sustained-hold', `${formatInteger(pool.counts.established)} conns: holding ${ctx.options.holdSec} s`, target);
    await recorder.beginMeasure();
    const startedAt = performance.now();
    const phase = new HoldPings();
    for (const c of pool.connections) {
      c.tally = recorder.tally;
      c.sent = 0; // here: pings awaiting their PONG
      c.pingsLeft = 0; // here: PONGs received during the hold
      c.phase = phase;
    }
    const rounds = Math.max(1, Math.floor(holdMs / intervalMs));
    let completed = true;
    for (let round = 0; round < rounds && completed; round++) {
      completed = await sleep(Math.max(0, startedAt + round * intervalMs - performance.now()), pool.signal);
      if (!completed) break;
      phase.sendRound(pool.connections);
      ctx.progress.tick(Math.round((performance.now() - startedAt) / 1000), ctx.options.holdSec, 's');
    }
    if (completed) completed = await sleep(Math.max(0, startedAt + holdMs - performance.now()), pool.signal);
    const heldMs = performance.now() - startedAt;
    const survivors = openCount(pool.connections);

    const waiter = new PhaseWaiter(phase.pingsSent - phase.pongs - phase.unanswered, pool.signal, FINAL_PONG_STALL_MS);
    phase.waiter = waiter;
    const outcome = await waiter.wait();
    await recorder.endMeasure();
    for (const c of pool.connections) c.phase = IDLE_PHASE;
    if (!completed || outcome === 'aborted') recorder.markInterrupted('the hold', pool.signal);
    const missing = phase.pingsSent - phase.pongs;
    if (missing > 0) recorder.countedNotes.push({ kind: 'pings-unanswered', count: missing, of: phase.pingsSent });
    await ctx.barrier('done');
    await closeConnections(pool.connections);

    const established = pool.counts.established;
    const fields: TierFields = {
      connectionCounts: pool.counts,
      connectLatency: summarizeHistogram(pool.connectLatency),
      latency: summarizeHistogram(phase.rtt),
      hold: {
        heldMs,
        survivalPct: established > 0 ? (survivors / established) * 100 : null,
        disconnects: established - survivors,
        pingsSent: phase.pingsSent,
        pongsReceived: phase.pongs,
        p50ByInterval: phase.intervalP50s(),
      },
    };
    const consistency = pingConsistency(recorder.countsToCheck(), phase.pongs, phase.pingsSent);
    if (consistency !== undefined) fields.consistency = consistency;
    tiers.push(recorder.build(fields));
  }
  return { test: 'sustained-hold', tiers };
}
