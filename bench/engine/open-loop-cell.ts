// Open-loop cells of throughput, size-matrix and ping-latency (--rate, --total-rate, --ramp): the
// closed-loop cell's frame (cell.ts: settle, barriers, server counters, consistency) with the send
// phase replaced by the timetable of open-loop-phase.ts. A ramp runs one cell per rate on the same
// connections and stops after the first step that misses the SLO.
import type { OpenLoopResult, RampVerdict, TierResult } from '../results.js';
import { summarizeHistogram } from '../stats/histogram.js';
import { payloadBytesOf } from '../messages/payloads.js';
import { formatInteger } from '../report/format.js';
import { cellRecorder, deliveredFields, measuredPhase, type SendCell } from './cell.js';
import type { SendPhaseResult } from './closed-loop-phase.js';
import { pingConsistency } from './consistency.js';
import type { TestContext } from './context.js';
import { OpenLoopPhase, OPEN_LOOP_STALL_MS, type OpenLoopOutcome, type OpenLoopPlan } from './open-loop-phase.js';
import { dataPlan, pingPlan, rateLabel, ratesPerConnection, withSlo } from './open-loop-plan.js';
import { settleConnections } from './pong-barrier.js';
import type { OpenedPool } from './pool.js';
import type { TierFields, TierRecorder } from './tier-recorder.js';
import type { TierTally } from './tier-tally.js';

/** One measured rate: its tier row and, when it missed the SLO, why. */
export interface OpenLoopStep {
  tier: TierResult;
  failedBecause?: string;
}

/**
 * Runs one step per rate (one for --rate / --total-rate, the list for --ramp) on an open pool.
 * `measure(rate, first)` measures one step; `first` is true for the tier's first cell.
 */
export async function runOpenLoopSteps(
  ctx: TestContext,
  pool: OpenedPool,
  label: string | undefined,
  measure: (ratePerConnection: number, stepLabel: string | undefined, first: boolean) => Promise<OpenLoopStep>,
): Promise<{ tiers: TierResult[]; verdict?: RampVerdict }> {
  const open = ctx.options.openLoop;
  if (open === undefined) throw new Error('runOpenLoopSteps: no open-loop options');
  // --total-rate is the whole tier's: every client process of every shard holds about this many connections.
  const rates = ratesPerConnection(open, pool.counts.established, ctx.options.procs * (ctx.options.shard?.count ?? 1));
  const ramp = open.ramp !== undefined;
  const tiers: TierResult[] = [];
  const tried: number[] = [];
  let highest: number | null = null;
  let failedBecause: string | undefined;
  for (const rate of rates) {
    if (ctx.signal.aborted) break;
    const stepLabel = ramp ? [label, rateLabel(rate)].filter((s) => s !== undefined).join(' @ ') : label;
    const step = await measure(rate, stepLabel, tiers.length === 0);
    tiers.push(step.tier);
    tried.push(rate);
    if (failedBecause !== undefined) continue;
    if (step.failedBecause !== undefined) {
      failedBecause = `${rateLabel(rate)}: ${step.failedBecause}`;
      // Worker processes must pass the same phase barriers, so with --procs every step runs; with
      // --start-at every step has its slot, and shards' results are merged row by row.
      if (ctx.options.procs <= 1 && ctx.options.startAtEpochMs === undefined) break;
      continue;
    }
    highest = rate;
  }
  if (!ramp || open.sloMs === undefined) return { tiers };
  const verdict: RampVerdict = {
    connections: pool.target,
    sloMs: open.sloMs,
    stepsPerConnection: tried,
    highestPassingPerConnection: highest,
    highestPassingTotal: highest === null ? null : highest * pool.counts.established,
  };
  if (label !== undefined) verdict.label = label;
  if (failedBecause !== undefined) verdict.failedBecause = failedBecause;
  return { tiers, verdict };
}

/** A throughput / size-matrix cell at a fixed rate per connection. */
export async function measureOpenLoopSendCell(ctx: TestContext, cell: SendCell, ratePerConnection: number): Promise<OpenLoopStep> {
  const { pool } = cell;
  const payloadBytes = payloadBytesOf(cell.payload);
  const recorder = cellRecorder(ctx, cell.test, pool, cell.openingTally, { ...cell.params, ratePerConnection }, cell.label);
  const settled = await settleConnections(pool.connections, pool.signal);
  if (settled !== 'done') recorder.notes.push(`not every connection answered the ping before the send phase (${settled})`);
  const plan = dataPlan(cell.payload, payloadBytes, ratePerConnection, cell.durationMs / 1000);
  const run = await measurePhase(ctx, recorder, pool, plan, cell.label);
  if (run.completedConnections < run.connections) {
    recorder.countedNotes.push({ kind: 'last-probe-missing', count: run.connections - run.completedConnections, of: run.connections });
  }
  const lost = pool.counts.established - run.connections;
  if (lost > 0) recorder.countedNotes.push({ kind: 'closed-before-send', count: lost });
  return finishStep(ctx, recorder, deliveredFields(cell, recorder, asSendPhaseResult(run)), run, ratePerConnection, plan.probeEvery);
}

/** A ping-latency tier at a fixed rate: --pings pings per connection on a timetable. */
export async function measureOpenLoopPings(
  ctx: TestContext,
  pool: OpenedPool,
  openingTally: TierTally | undefined,
  ratePerConnection: number,
  label: string | undefined,
  withConnectLatency: boolean,
): Promise<OpenLoopStep> {
  const pings = Math.max(1, ctx.options.pings);
  const recorder = cellRecorder(ctx, 'ping-latency', pool, openingTally, { pingsPerConnection: pings, ratePerConnection }, label);
  const run = await measurePhase(ctx, recorder, pool, pingPlan(ratePerConnection, pings), label);
  const expected = run.connections * pings;
  if (run.delivered < expected) recorder.countedNotes.push({ kind: 'pings-unanswered', count: expected - run.delivered, of: expected });
  const fields: TierFields = {
    connectionCounts: pool.counts,
    latency: summarizeHistogram(run.corrected),
  };
  if (withConnectLatency) fields.connectLatency = summarizeHistogram(pool.connectLatency);
  const consistency = pingConsistency(recorder.countsToCheck(), run.delivered, run.sent);
  if (consistency !== undefined) fields.consistency = consistency;
  return finishStep(ctx, recorder, fields, run, ratePerConnection, 1);
}

async function measurePhase(
  ctx: TestContext,
  recorder: TierRecorder,
  pool: OpenedPool,
  plan: OpenLoopPlan,
  label: string | undefined,
): Promise<OpenLoopOutcome> {
  const seconds = Math.round(plan.messagesPerConnection / plan.ratePerConnection);
  const text = `${formatInteger(pool.counts.established)} conns${label === undefined ? '' : ` ${label}`}: open loop, ${rateLabel(plan.ratePerConnection)}`;
  const run = await measuredPhase(ctx, recorder, text, seconds, () => new OpenLoopPhase(plan, pool.connections).run(pool.signal));
  if (run.outcome === 'aborted') recorder.markInterrupted('the open-loop phase', pool.signal);
  if (run.outcome === 'stalled') recorder.markPartial(`nothing written and no PONG for ${OPEN_LOOP_STALL_MS / 1000} s`);
  if (run.behindAtScheduleEnd > 0) recorder.countedNotes.push({ kind: 'behind-schedule', count: run.behindAtScheduleEnd });
  return run;
}

function finishStep(
  ctx: TestContext,
  recorder: TierRecorder,
  fields: TierFields,
  run: OpenLoopOutcome,
  ratePerConnection: number,
  probeEvery: number,
): OpenLoopStep {
  const openLoop: OpenLoopResult = {
    requestedPerSec: ratePerConnection * run.connections,
    requestedPerConnectionPerSec: ratePerConnection,
    achievedPerSec: run.achievedPerSec,
    probeEvery,
    behindAtScheduleEnd: run.behindAtScheduleEnd,
    corrected: summarizeHistogram(run.corrected),
    uncorrected: summarizeHistogram(run.uncorrected),
  };
  const complete = run.outcome === 'done' && run.completedConnections === run.connections && run.connections > 0;
  const judged = withSlo(openLoop, ctx.options.openLoop?.sloMs, complete);
  run.corrected.destroy();
  run.uncorrected.destroy();
  fields.openLoop = judged.result;
  const tier = recorder.build(fields);
  return judged.reason === undefined ? { tier } : { tier, failedBecause: judged.reason };
}

/** The closed-loop consistency check reads the same counts: the last probe is the barrier. */
function asSendPhaseResult(run: OpenLoopOutcome): SendPhaseResult {
  return {
    sent: run.sent,
    delivered: run.delivered,
    barrierPongs: run.completedConnections,
    barrierPings: run.connections,
    queuedBytesAtSendEnd: run.queuedBytesAtScheduleEnd,
    windowStartEpochMs: run.windowStartEpochMs,
    windowEndEpochMs: run.windowEndEpochMs,
    windowMs: run.windowEndEpochMs - run.windowStartEpochMs,
    sendPhaseMs: run.sendPhaseMs,
    outcome: run.outcome,
  };
}
