// Test 4: payload sizes × tiers, --cell-duration a cell; msg/s and bandwidth. The connections of a
// tier are opened once and reused by every size cell.
import { paddedTradingMessage } from '../../core/wse/messages.js';
import type { SendCell } from '../engine/cell.js';
import { measureSendCell } from '../engine/closed-loop-cell.js';
import type { TestContext } from '../engine/context.js';
import { measureOpenLoopSendCell, runOpenLoopSteps } from '../engine/open-loop-cell.js';
import { closeConnections, openTier } from '../engine/pool.js';
import type { RampVerdict, TestResult, TierResult } from '../results.js';

/** '64 B', '1 KB', '64 KB': the reference's row labels. */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
}

export async function runSizeMatrix(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const ramp: RampVerdict[] = [];
  const payloads = ctx.options.sizes.map((size) => ({ size, payload: paddedTradingMessage(size) }));
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
