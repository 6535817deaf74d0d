// What the closed-loop cell (closed-loop-cell.ts: as fast as the transport takes data) and the
// open-loop cell (open-loop-cell.ts: on a timetable) share: the cell's description, its recorder
// with the tier's opening counts, and the delivered rates over the PONG-bounded window.
import { payloadBytesOf, type SendPayload } from '../messages/payloads.js';
import type { TestName } from '../options/choices.js';
import type { MessageCounts, TierResult } from '../results.js';
import { summarizeHistogram } from '../stats/histogram.js';
import type { SendPhaseResult } from './closed-loop-phase.js';
import { deliveryConsistency } from './consistency.js';
import type { TestContext } from './context.js';
import type { OpenedPool } from './pool.js';
import { TierRecorder, type TierFields } from './tier-recorder.js';
import type { TierTally } from './tier-tally.js';

/** One measured send cell (a throughput tier, a size-matrix or format-comparison cell) on open connections. */
export interface SendCell {
  test: TestName;
  pool: OpenedPool;
  /** Counts from opening the connections, reported with this cell (the first cell of a tier). */
  openingTally?: TierTally | undefined;
  /** Report connect latency with this cell (the first cell of a tier). */
  withConnectLatency: boolean;
  payload: SendPayload;
  durationMs: number;
  label?: string;
  params: Record<string, string | number>;
}

/** The cell's recorder: the opening's counts, every connection's events, an interrupted opening. */
export function cellRecorder(
  ctx: TestContext,
  test: TierResult['test'],
  pool: OpenedPool,
  openingTally: TierTally | undefined,
  params: Record<string, string | number>,
  label: string | undefined,
): TierRecorder {
  const recorder = new TierRecorder(ctx, test, pool.target, params, label);
  recorder.watch(pool.loss);
  if (openingTally !== undefined) recorder.tally.absorb(openingTally);
  for (const c of pool.connections) c.tally = recorder.tally;
  if (pool.aborted) recorder.markInterrupted('connecting', ctx.signal);
  return recorder;
}

/**
 * A send cell's result: what was delivered, connect latency with the tier's first cell, and
 * whether the server agrees. Read after the phase: a template's size is the mean of what it sent.
 */
export function deliveredFields(cell: SendCell, recorder: TierRecorder, send: SendPhaseResult): TierFields {
  const { pool } = cell;
  const fields: TierFields = {
    connectionCounts: pool.counts,
    messages: deliveredMessages(send, payloadBytesOf(cell.payload), pool.counts.established),
  };
  if (cell.withConnectLatency) fields.connectLatency = summarizeHistogram(pool.connectLatency);
  const consistency = deliveryConsistency(recorder.countsToCheck(), send);
  if (consistency !== undefined) fields.consistency = consistency;
  return fields;
}

/** Delivered rates over first send → last proof of delivery; null when nothing was proven delivered. */
function deliveredMessages(send: SendPhaseResult, payloadBytes: number, established: number): MessageCounts {
  const rates = deliveredRates(send.delivered, send.windowMs, payloadBytes, established);
  return {
    sent: send.sent,
    delivered: send.delivered,
    queuedBytesAtSendEnd: send.queuedBytesAtSendEnd,
    payloadBytes,
    windowMs: send.windowMs,
    windowStartEpochMs: send.windowStartEpochMs,
    windowEndEpochMs: send.windowEndEpochMs,
    sendPhaseMs: send.sendPhaseMs,
    ...rates,
  };
}

/**
 * msg/s, MB/s and per-connection msg/s of `delivered` messages over `windowMs`: null when nothing
 * was delivered, or there is no window (a rate of 0 would read as a measured result).
 */
export function deliveredRates(delivered: number, windowMs: number, payloadBytes: number, established: number): Pick<MessageCounts, 'deliveredPerSec' | 'deliveredMBPerSec' | 'perConnectionPerSec'> {
  if (!(delivered > 0 && windowMs > 0)) return { deliveredPerSec: null, deliveredMBPerSec: null, perConnectionPerSec: null };
  const deliveredPerSec = delivered / (windowMs / 1000);
  return {
    deliveredPerSec,
    deliveredMBPerSec: (deliveredPerSec * payloadBytes) / 1e6,
    perConnectionPerSec: established > 0 ? deliveredPerSec / established : null,
  };
}

/**
 * Runs `phase` as the cell's measured phase: after the 'start' barrier, between the recorder's
 * readings, with the progress line ticking each second of `seconds`.
 */
export async function measuredPhase<T>(ctx: TestContext, recorder: TierRecorder, text: string, seconds: number, phase: () => Promise<T>): Promise<T> {
  await ctx.barrier('start');
  await recorder.beginMeasure();
  ctx.progress.phase(recorder.test, text, recorder.connections);
  const started = Date.now();
  const ticker = setInterval(() => ctx.progress.tick(Math.round((Date.now() - started) / 1000), seconds, 's'), 1000);
  try {
    return await phase();
  } finally {
    clearInterval(ticker);
    await recorder.endMeasure();
  }
}
