// Test 5: the same object as JSON (text frame), `M:`+msgpack and `C:`+zlib (binary frames) ×
// tiers; wire sizes in params, msg/s per format (the report computes the ratios to JSON).
import { TRADING_MESSAGE, encodeFormat } from '../../core/wse/messages.js';
import { measureSendCell } from '../engine/closed-loop-cell.js';
import type { TestContext } from '../engine/context.js';
import { closeConnections, openTier } from '../engine/pool.js';
import type { TestResult, TierResult } from '../results.js';

export async function runFormatComparison(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const message: unknown = JSON.parse(TRADING_MESSAGE);
  const payloads = ctx.options.formats.map((format) => ({ format, payload: encodeFormat(message, format, ctx.msgpack) }));
  const wireSizes: Record<string, number> = {};
  for (const { format, payload } of payloads) {
    wireSizes[`${format}Bytes`] = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  }
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const { pool, openingTally } = await openTier(ctx, 'format-comparison', target);
    await ctx.barrier('connected');
    let first = true;
    for (const { format, payload } of payloads) {
      if (ctx.signal.aborted) break;
      const cell = await measureSendCell(ctx, {
        test: 'format-comparison',
        pool,
        openingTally: first ? openingTally : undefined,
        withConnectLatency: first,
        payload,
        durationMs: ctx.options.cellDurationSec * 1000,
        label: format,
        params: { format, frame: typeof payload === 'string' ? 'text' : 'binary', ...wireSizes, cellDurationSec: ctx.options.cellDurationSec },
      });
      first = false;
      tiers.push(cell);
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
  }
  return { test: 'format-comparison', tiers };
}
