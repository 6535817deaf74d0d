// Test 2: every connection sends --pings sequential pings (the next after the previous PONG), all
// connections at once; RTT percentiles.
import type { Histogram } from 'hdr-histogram-js';
import type { BenchConnection, PhaseHandler } from '../engine/connection.js';
import { IDLE_PHASE } from '../engine/connection.js';
import { pingConsistency } from '../engine/consistency.js';
import type { TestContext } from '../engine/context.js';
import { measureOpenLoopPings, runOpenLoopSteps } from '../engine/open-loop-cell.js';
import { PhaseWaiter } from '../engine/phase-waiter.js';
import { closeConnections, openTier } from '../engine/pool.js';
import { TierRecorder, type TierFields } from '../engine/tier-recorder.js';
import { formatInteger } from '../report/format.js';
import type { RampVerdict, TestResult, TierResult } from '../results.js';
import { createLatencyHistogram, recordMicros, summarizeHistogram } from '../stats/histogram.js';

/** The phase gives up when no PONG at all has come back for this long. */
const PING_STALL_MS = 10_000;

class SequentialPings implements PhaseHandler {
  readonly rtt: Histogram = createLatencyHistogram();
  pingsSent = 0;
  pongs = 0;

  constructor(private readonly waiter: PhaseWaiter) {}

  start(connection: BenchConnection, pings: number): void {
    connection.pingsLeft = pings;
    connection.sent = 0; // here: pings awaiting their PONG
    connection.phase = this;
    this.sendNext(connection);
  }

  onPong(connection: BenchConnection, rttMicros: number): void {
    recordMicros(this.rtt, rttMicros);
    connection.sent--;
    this.pongs++;
    this.waiter.progress();
    this.sendNext(connection);
  }

  onClosed(connection: BenchConnection): void {
    // Its outstanding ping and the ones it did not send will not be answered.
    const unanswered = connection.pingsLeft + connection.sent;
    connection.pingsLeft = 0;
    connection.sent = 0;
    this.waiter.progress(unanswered);
  }

  private sendNext(connection: BenchConnection): void {
    if (connection.pingsLeft <= 0 || !connection.open || connection.session === undefined) return;
    connection.pingsLeft--;
    connection.sent++;
    this.pingsSent++;
    connection.session.sendPing();
  }
}

export async function runPingLatency(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const ramp: RampVerdict[] = [];
  const pings = Math.max(1, ctx.options.pings);
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'ping-latency', target);
    if (ctx.options.openLoop !== undefined) {
      // --rate / --ramp: the pings are due on a timetable; latency counts from when each was due.
      await ctx.barrier('connected');
      const steps = await runOpenLoopSteps(ctx, pool, undefined, (rate, label, first) =>
        measureOpenLoopPings(ctx, pool, first ? openingTally : undefined, rate, label, first));
      tiers.push(...steps.tiers);
      if (steps.verdict !== undefined) ramp.push(steps.verdict);
      await ctx.barrier('done');
      await closeConnections(pool.connections);
      continue;
    }
    const recorder = new TierRecorder(ctx, 'ping-latency', target, { pingsPerConnection: pings });
    recorder.watch(pool.loss);
    recorder.tally.absorb(openingTally);
    for (const c of pool.connections) c.tally = recorder.tally;
    if (pool.aborted) recorder.markInterrupted('connecting', ctx.signal);
    await ctx.barrier('connected');
    await ctx.barrier('start');

    ctx.progress.phase('ping-latency', `${formatInteger(pool.counts.established)} conns: ${pings} pings each`, target);
    await recorder.beginMeasure();
    const expected = pool.connections.filter((c) => c.open).length * pings;
    const waiter = new PhaseWaiter(expected, pool.signal, PING_STALL_MS);
    const phase = new SequentialPings(waiter);
    for (const c of pool.connections) if (c.open) phase.start(c, pings);
    const outcome = await waiter.wait();
    await recorder.endMeasure();
    for (const c of pool.connections) c.phase = IDLE_PHASE;

    if (outcome === 'aborted') recorder.markInterrupted('pinging', pool.signal);
    if (outcome === 'stalled') recorder.markPartial(`no PONG for ${PING_STALL_MS / 1000} s`);
    if (phase.pongs < expected) recorder.countedNotes.push({ kind: 'pings-unanswered', count: expected - phase.pongs, of: expected });
    await ctx.barrier('done');
    await closeConnections(pool.connections);

    const fields: TierFields = {
      connectionCounts: pool.counts,
      connectLatency: summarizeHistogram(pool.connectLatency),
      latency: summarizeHistogram(phase.rtt),
    };
    const consistency = pingConsistency(recorder.countsToCheck(), phase.pongs, phase.pingsSent);
    if (consistency !== undefined) fields.consistency = consistency;
    tiers.push(recorder.build(fields));
  }
  return ramp.length > 0 ? { test: 'ping-latency', tiers, ramp } : { test: 'ping-latency', tiers };
}
