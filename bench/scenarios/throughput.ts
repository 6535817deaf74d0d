// Test 3: every connection sends the ~175-byte trading message (or --message) as fast as it can
// for --duration; delivered msg/s and MB/s over first send → last barrier PONG.
import type { SendCell } from '../engine/cell.js';
import { measureSendCell } from '../engine/closed-loop-cell.js';
import type { TestContext } from '../engine/context.js';
import { measureOpenLoopSendCell, runOpenLoopSteps } from '../engine/open-loop-cell.js';
import { closeConnections, openTier } from '../engine/pool.js';
import { throughputPayload } from '../messages/payloads.js';
import type { RampVerdict, TestResult, TierResult } from '../results.js';

export async function runThroughput(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const ramp: RampVerdict[] = [];
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'throughput', target);
    await ctx.barrier('connected');
    const cell: SendCell = {
      test: 'throughput',
      pool,
      openingTally,
      withConnectLatency: true,
      payload: throughputPayload(ctx.options.message),
      durationMs: ctx.options.durationSec * 1000,
      params: { durationSec: ctx.options.durationSec },
    };
    if (ctx.options.openLoop === undefined) {
      tiers.push(await measureSendCell(ctx, cell));
    } else {
      // --rate / --ramp: one cell per rate on these connections; only the first reports the opening.
      const steps = await runOpenLoopSteps(ctx, pool, undefined, (rate, label, first) => {
        const stepCell: SendCell = { ...cell, withConnectLatency: first, openingTally: first ? openingTally : undefined };
        if (label !== undefined) stepCell.label = label;
        return measureOpenLoopSendCell(ctx, stepCell, rate);
      });
      tiers.push(...steps.tiers);
      if (steps.verdict !== undefined) ramp.push(steps.verdict);
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
  }
  return ramp.length > 0 ? { test: 'throughput', tiers, ramp } : { test: 'throughput', tiers };
}
