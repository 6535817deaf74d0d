// Test 7: the largest number of connections that stay up. Exponential probe from
// --limit-start (1,000: 1k, 2k, 4k …), then bisection between the last success and the first
// failure; each probe holds its connections for 3 s and succeeds with under 5 % failed or lost.
// Stops at --max-connections or before the open-file limit would be exceeded, saying which.
import { readFileSync, readdirSync } from 'node:fs';
import type { TestContext } from '../engine/context.js';
import { sleep } from '../engine/phase-waiter.js';
import { closeConnections, connectRate, openConnections, openCount } from '../engine/pool.js';
import { TierRecorder } from '../engine/tier-recorder.js';
import { formatInteger } from '../report/format.js';
import type { ConnectionLimitProbe, TestResult, TierResult } from '../results.js';
import { summarizeHistogram } from '../stats/histogram.js';

export const DEFAULT_LIMIT_START = 1000;
export const DEFAULT_LIMIT_HOLD_SEC = 3;
/** A probe fails at this fraction of connections failed or lost. */
const FAILURE_FRACTION = 0.05;
/** File descriptors kept free for everything else the process opens. */
const FD_RESERVE = 64;
/** How long to wait for the server to drop a probe's connections before the next probe. */
const SERVER_CLOSE_WAIT_MS = 5_000;

/** The soft open-file limit from /proc/self/limits, or undefined where that cannot be read. */
export function readFdLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line === null || line[1] === 'unlimited') return undefined;
    return Number(line[1]);
  } catch {
    return undefined;
  }
}

/** Connections this process can still open before reaching its fd limit (one fd each), or undefined. */
export function fdHeadroom(): number | undefined {
  const limit = readFdLimit();
  if (limit === undefined) return undefined;
  let inUse = 0;
  try {
    inUse = readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
  return Math.max(0, limit - inUse - FD_RESERVE);
}

/** Bisection stops when the gap is at most 5 % of the last success, and never finer than needed past 500. */
export function bisectionResolution(lastSuccess: number): number {
  return Math.min(500, Math.max(1, Math.ceil(lastSuccess * FAILURE_FRACTION)));
}

interface ProbeOutcome {
  probe: ConnectionLimitProbe;
  tier: TierResult;
  fdFailures: boolean;
}

async function runProbe(ctx: TestContext, target: number, phase: 'probe' | 'bisect', holdSec: number): Promise<ProbeOutcome> {
  const recorder = new TierRecorder(ctx, 'connection-limit', target, { phase, holdSec }, phase);
  await ctx.barrier('start');
  ctx.progress.phase('connection-limit', `${phase} ${formatInteger(target)} conns`, target);
  await recorder.beginMeasure();
  const pool = await openConnections(ctx, 'connection-limit', target, recorder.tally);
  recorder.watch(pool.loss);
  const held = await sleep(holdSec * 1000, pool.signal);
  const connected = openCount(pool.connections);
  await recorder.endMeasure();
  await ctx.barrier('done');
  await closeConnections(pool.connections);
  await waitForServerToForget(ctx, recorder.serverOpenAtStart());
  if (pool.aborted || !held) recorder.markInterrupted('the probe', pool.signal);
  const ok = target - connected < target * FAILURE_FRACTION && !ctx.signal.aborted;
  const fdFailures = pool.counts.failedByKind['fd-limit'] !== undefined;
  if (fdFailures) recorder.notes.push('connects failed with EMFILE/ENFILE: raise the open-file limit (ulimit -n)');
  recorder.countedNotes.push({ kind: 'held-open', count: connected, of: target, holdSec });
  const tier = recorder.build({
    connectionCounts: pool.counts,
    connectRatePerSec: connectRate(pool.counts.established, pool.wallMs),
    connectLatency: summarizeHistogram(pool.connectLatency),
  });
  return { probe: { phase, target, connected, ok }, tier, fdFailures };
}

/**
 * The client has seen its closes; the server may count the connections a moment longer, and a
 * next probe against a capped server would then fail for the wrong reason.
 */
async function waitForServerToForget(ctx: TestContext, openBefore: number | undefined): Promise<void> {
  if (openBefore === undefined) return;
  const deadline = Date.now() + SERVER_CLOSE_WAIT_MS;
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const stats = await ctx.readServerStats().catch(() => undefined);
    if (stats === undefined || stats.openConnections <= openBefore) return;
    await sleep(20, ctx.signal);
  }
}

export async function runConnectionLimit(ctx: TestContext): Promise<TestResult> {
  const start = Math.max(1, ctx.options.limitStartConnections ?? DEFAULT_LIMIT_START);
  const holdSec = ctx.options.limitHoldSec ?? DEFAULT_LIMIT_HOLD_SEC;
  const headroom = fdHeadroom();
  const fdBound = headroom !== undefined && headroom < ctx.options.maxConnections;
  const cap = fdBound ? headroom : ctx.options.maxConnections;
  const capReason = fdBound ? 'fd-limit' : 'max-connections';
  const probes: ConnectionLimitProbe[] = [];
  const tiers: TierResult[] = [];
  let stoppedBy: string | undefined;
  let lastSuccess = 0;
  let firstFailure: number | undefined;

  const probe = async (target: number, phase: 'probe' | 'bisect'): Promise<boolean> => {
    const outcome = await runProbe(ctx, target, phase, holdSec);
    probes.push(outcome.probe);
    tiers.push(outcome.tier);
    if (outcome.fdFailures && !outcome.probe.ok) stoppedBy = 'fd-limit';
    if (outcome.probe.ok) lastSuccess = Math.max(lastSuccess, target);
    else firstFailure = firstFailure === undefined ? target : Math.min(firstFailure, target);
    return outcome.probe.ok;
  };

  if (cap < 1) {
    stoppedBy = capReason;
  } else {
    let target = Math.min(start, cap);
    while (!ctx.signal.aborted) {
      if (!(await probe(target, 'probe'))) break;
      if (target >= cap) {
        stoppedBy = capReason;
        break;
      }
      target = Math.min(target * 2, cap);
    }
    while (firstFailure !== undefined && firstFailure - lastSuccess > bisectionResolution(lastSuccess) && !ctx.signal.aborted) {
      await probe(Math.floor((lastSuccess + firstFailure) / 2), 'bisect');
    }
  }
  if (ctx.signal.aborted) stoppedBy = 'aborted';
  stoppedBy ??= 'failures';
  const result: TestResult = { test: 'connection-limit', tiers, probes, maxStableConnections: lastSuccess, stoppedBy };
  if (fdBound && tiers.length > 0) {
    tiers[tiers.length - 1]!.notes.push(`open-file limit allows about ${headroom} connections (ulimit -n ${readFdLimit()})`);
  }
  return result;
}
