// Test 4: payload sizes × tiers, --cell-duration a cell; msg/s and bandwidth. The connections of a
// tier are opened once and reused by every size cell. With --message, each message is padded to
// each size; sizes below the messages' own are skipped (with a warning).
import type { SendCell } from '../engine/cell.js';
import { measureSendCell } from '../engine/closed-loop-cell.js';
import type { TestContext } from '../engine/context.js';
import { measureOpenLoopSendCell, runOpenLoopSteps } from '../engine/open-loop-cell.js';
import { closeConnections, openTier } from '../engine/pool.js';
import { sizedPayload, type SendPayload } from '../messages/payloads.js';
import { sizeLabel } from '../report/format.js';
import type { RampVerdict, TestResult, TierResult } from '../results.js';

export async function runSizeMatrix(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const ramp: RampVerdict[] = [];
  const payloads: { size: number; payload: SendPayload }[] = [];
  for (const size of ctx.options.sizes) {
    const payload = sizedPayload(ctx.options.message, size);
    if (payload !== undefined) payloads.push({ size, payload });
    else ctx.progress.warn(`size-matrix: --message ${ctx.options.message?.file} holds messages larger than ${sizeLabel(size)}: that size is skipped`);
  }
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'size-matrix', target);
    await ctx.barrier('connected');
    let first = true;
    for (const { size, payload } of payloads) {
      if (ctx.signal.aborted) break;
      const cell: SendCell = {
        test: 'size-matrix',
        pool,
        openingTally: first ? openingTally : undefined,
        withConnectLatency: first,
        payload,
        durationMs: ctx.options.cellDurationSec * 1000,
        label: sizeLabel(size),
        params: { sizeBytes: size, cellDurationSec: ctx.options.cellDurationSec },
      };
      if (ctx.options.openLoop === undefined) {
        tiers.push(await measureSendCell(ctx, cell));
      } else {
        // --rate / --ramp: one cell per rate; a ramp's rows are labelled '1 KB @ 200/s per conn'.
        const steps = await runOpenLoopSteps(ctx, pool, cell.label, (rate, label, firstStep) => {
          const stepCell: SendCell = { ...cell, withConnectLatency: first && firstStep, openingTally: first && firstStep ? openingTally : undefined };
          if (label !== undefined) stepCell.label = label;
          return measureOpenLoopSendCell(ctx, stepCell, rate);
        });
        tiers.push(...steps.tiers);
        if (steps.verdict !== undefined) ramp.push(steps.verdict);
      }
      first = false;
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
  }
  return ramp.length > 0 ? { test: 'size-matrix', tiers, ramp } : { test: 'size-matrix', tiers };
}
