// Test 5: the same object as JSON (text frame), `M:`+msgpack and `C:`+zlib (binary frames) ×
// tiers; wire sizes in params, msg/s per format (the report computes the ratios to JSON). With
// --message, the user's messages in each format (zlib then deflates each message as it is sent).
import { measureSendCell } from '../engine/closed-loop-cell.js';
import type { TestContext } from '../engine/context.js';
import { closeConnections, openTier } from '../engine/pool.js';
import { formatPayload, payloadBytesOf } from '../messages/payloads.js';
import type { TestResult, TierResult } from '../results.js';

export async function runFormatComparison(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  const payloads = ctx.options.formats.map((format) => ({ format, payload: formatPayload(ctx.options.message, format, ctx.msgpack) }));
  const wireSizes: Record<string, number> = {};
  for (const { format, payload } of payloads) wireSizes[`${format}Bytes`] = payloadBytesOf(payload);
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
        params: { format, frame: format === 'json' ? 'text' : 'binary', ...wireSizes, cellDurationSec: ctx.options.cellDurationSec },
      });
      first = false;
      tiers.push(cell);
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
  }
  return { test: 'format-comparison', tiers };
}
