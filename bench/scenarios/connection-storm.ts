// Test 1: all connections opened in batches of --batch-size as fast as possible; accept rate
// (established ÷ wall time), connect-latency percentiles, failures by kind.
import type { TestContext } from '../engine/context.js';
import { closeConnections, connectRate, openConnections } from '../engine/pool.js';
import { TierRecorder } from '../engine/tier-recorder.js';
import { formatInteger } from '../report/format.js';
import type { TestResult, TierResult } from '../results.js';
import { summarizeHistogram } from '../stats/histogram.js';

export async function runConnectionStorm(ctx: TestContext): Promise<TestResult> {
  const tiers: TierResult[] = [];
  for (const target of ctx.options.tiers) {
    if (ctx.signal.aborted) break;
    const recorder = new TierRecorder(ctx, 'connection-storm', target, { batchSize: ctx.options.batchSize });
    await ctx.barrier('start');
    ctx.progress.phase('connection-storm', `${formatInteger(target)} conns: connecting`, target);
    await recorder.beginMeasure();
    const pool = await openConnections(ctx, 'connection-storm', target, recorder.tally);
    recorder.watch(pool.loss);
    await recorder.endMeasure();
    if (pool.aborted) recorder.markInterrupted('connecting', ctx.signal);
    if (pool.tlsHandshake !== undefined && pool.tlsHandshake.totalCount === 0 && pool.counts.established > 0) {
      recorder.notes.push(`TLS handshake time: the ${ctx.transport.name} transport does not expose it`);
    }
    if (pool.counts.failedByKind['fd-limit'] !== undefined) {
      recorder.notes.push('connects failed with EMFILE/ENFILE: raise the open-file limit (ulimit -n)');
    }
    await ctx.barrier('done');
    await closeConnections(pool.connections);
    tiers.push(
      recorder.build({
        connectionCounts: pool.counts,
        connectRatePerSec: connectRate(pool.counts.established, pool.wallMs),
        connectLatency: summarizeHistogram(pool.connectLatency),
        ...(pool.tlsHandshake !== undefined && pool.tlsHandshake.totalCount > 0 ? { tlsHandshake: summarizeHistogram(pool.tlsHandshake) } : {}),
      }),
    );
  }
  return { test: 'connection-storm', tiers };
}
