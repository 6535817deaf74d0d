// Test 3: every connection sends the ~175-byte trading message as fast as it can for --duration;
// delivered msg/s and MB/s over first send → last barrier PONG.
import { TRADING_MESSAGE } from '../../core/wse/messages.js';
import type { TestResult, TierResult } from '../results.js';
import { TierTally } from './connection.js';
import type { TestContext } from './context.js';
import { closeConnections, openConnections } from './pool.js';
import { measureSendCell } from './send-tier.js';

export async function runThroughput(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    ctx.progress.phase('throughput', `${target} conns: connecting`);
    const openingTally = new TierTally();
    const pool = await openConnections(ctx, 'throughput', target, openingTally);
    await ctx.barrier('connected');
    const tier = await measureSendCell(ctx, {
      test: 'throughput',
      pool,
      openingTally,
      withConnectLatency: true,
      payload: TRADING_MESSAGE,
      durationMs: ctx.options.durationSec * 1000,
      params: { durationSec: ctx.options.durationSec },
    });
    await ctx.barrier('done');
    await closeConnections(pool.connections);
    tiers.push(tier);
  }
  return { test: 'throughput', tiers };
}
