// One closed-loop send cell on connections that are already open: settle, the send phase as fast
// as the transport takes data (closed-loop-phase.ts), the PONG barrier, delivered rates, consistency.
import type { TierResult } from '../results.js';
import { payloadBytesOf } from '../messages/payloads.js';
import { formatInteger } from '../report/format.js';
import { cellRecorder, deliveredFields, measuredPhase, type SendCell } from './cell.js';
import { runSendPhase } from './closed-loop-phase.js';
import type { TestContext } from './context.js';
import { settleConnections } from './pong-barrier.js';

export async function measureSendCell(ctx: TestContext, cell: SendCell): Promise<TierResult> {
  const { pool } = cell;
  const payloadBytes = payloadBytesOf(cell.payload);
  const recorder = cellRecorder(ctx, cell.test, pool, cell.openingTally, cell.params, cell.label);

  const settled = await settleConnections(pool.connections, pool.signal);
  if (settled !== 'done') recorder.notes.push(`not every connection answered the ping before the send phase (${settled})`);
  const text = `${formatInteger(pool.counts.established)} conns${cell.label === undefined ? '' : ` ${cell.label}`}: sending`;
  const send = await measuredPhase(ctx, recorder, text, Math.round(cell.durationMs / 1000), () =>
    runSendPhase(pool.connections, cell.payload, payloadBytes, cell.durationMs, pool.signal),
  );

  if (send.outcome === 'aborted') recorder.markInterrupted('the send phase', pool.signal);
  const missing = send.barrierPings - send.barrierPongs;
  if (send.outcome === 'stalled' || missing > 0) {
    // after an abort the barrier only collects what comes back quickly: the abort is the cause
    if (send.outcome !== 'aborted') recorder.markPartial('barrier PONGs did not come back');
    recorder.countedNotes.push({ kind: 'barrier-pong-missing', count: missing, of: send.barrierPings });
  }
  const lost = pool.counts.established - send.barrierPings;
  if (lost > 0) recorder.countedNotes.push({ kind: 'closed-before-barrier', count: lost });

  return recorder.build(deliveredFields(cell, recorder, send));
}
