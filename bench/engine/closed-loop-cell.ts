// One measured send cell (a throughput tier, a size-matrix or format-comparison cell) on
// connections that are already open: send phase, PONG barrier, delivered rates, consistency.
import type { MessageCounts, TierResult } from '../results.js';
import { summarizeHistogram } from '../stats/histogram.js';
import type { TierTally } from './connection.js';
import type { TestContext } from './context.js';
import type { OpenedPool } from './pool.js';
import { runSendPhase, settleConnections } from './send-phase.js';
import type { SendPhaseResult } from './send-phase.js';
import { TierRecorder, deliveryConsistency } from './tier-recorder.js';
import type { TestName } from '../options/choices.js';

export interface SendCell {
  test: TestName;
  pool: OpenedPool;
  /** Counts from opening the connections, reported with this cell (the first cell of a tier). */
  openingTally?: TierTally;
  /** Report connect latency with this cell (the first cell of a tier). */
  withConnectLatency: boolean;
  payload: string | Buffer;
  durationMs: number;
  label?: string;
  params: Record<string, string | number>;
}

export async function measureSendCell(ctx: TestContext, cell: SendCell): Promise<TierResult> {
  const { pool } = cell;
  const payloadBytes = typeof cell.payload === 'string' ? Buffer.byteLength(cell.payload) : cell.payload.length;
  const recorder = new TierRecorder(ctx, cell.test, pool.target, cell.params, cell.label);
  if (cell.openingTally !== undefined) recorder.tally.absorb(cell.openingTally);
  for (const c of pool.connections) c.tally = recorder.tally;
  if (pool.aborted) recorder.markPartial('interrupted while connecting');

  const settled = await settleConnections(pool.connections, ctx.signal);
  if (settled !== 'done') recorder.notes.push(`not every connection answered the ping before the send phase (${settled})`);
  await ctx.barrier('start');
  await recorder.beginMeasure();
  ctx.progress.phase(cell.test, `${pool.counts.established} conns${cell.label === undefined ? '' : ` ${cell.label}`}: sending`);
  const sendStarted = Date.now();
  const ticker = setInterval(() => ctx.progress.tick(Math.round((Date.now() - sendStarted) / 1000), Math.round(cell.durationMs / 1000), 's'), 1000);
  const send = await runSendPhase(pool.connections, cell.payload, payloadBytes, cell.durationMs, ctx.signal);
  clearInterval(ticker);
  await recorder.endMeasure();

  if (send.outcome === 'aborted') recorder.markPartial('interrupted during the send phase or barrier');
  const missing = send.barrierPings - send.barrierPongs;
  if (send.outcome === 'stalled' || missing > 0) {
    recorder.markPartial(`${missing} of ${send.barrierPings} barrier PONGs did not come back`);
    recorder.notes.push(`${missing} connections' barrier PONG did not come back: their messages are not counted as delivered`);
  }
  const lost = pool.counts.established - send.barrierPings;
  if (lost > 0) recorder.notes.push(`${lost} connections closed before the barrier: their messages are not counted`);

  const fields: Parameters<TierRecorder['build']>[0] = {
    connectionCounts: pool.counts,
    messages: messageCounts(send, payloadBytes, pool.counts.established),
  };
  if (cell.withConnectLatency) fields.connectLatency = summarizeHistogram(pool.connectLatency);
  const consistency = deliveryConsistency(recorder.serverCounters(), send);
  if (consistency !== undefined) fields.consistency = consistency;
  return recorder.build(fields);
}

function messageCounts(send: SendPhaseResult, payloadBytes: number, established: number): MessageCounts {
  const seconds = send.windowMs / 1000;
  const deliveredPerSec = seconds > 0 ? send.delivered / seconds : 0;
  return {
    sent: send.sent,
    delivered: send.delivered,
    queuedBytesAtSendEnd: send.queuedBytesAtSendEnd,
    payloadBytes,
    windowMs: send.windowMs,
    windowStartEpochMs: send.windowStartEpochMs,
    windowEndEpochMs: send.windowEndEpochMs,
    sendPhaseMs: send.sendPhaseMs,
    deliveredPerSec,
    deliveredMBPerSec: (deliveredPerSec * payloadBytes) / 1e6,
    perConnectionPerSec: established > 0 ? deliveredPerSec / established : 0,
  };
}
