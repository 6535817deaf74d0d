// The untimed warm-up before the first test (--warmup N, default 1,000): N connections opened,
// pinged a few times and closed. A fresh process runs its first tier in the interpreter and the
// baseline compilers; functions reach the optimising tier only after thousands of calls. Measured on
// this project's machine (Node 20, WseSession over the core transport, 5,000-connection storm):
// client CPU a connection 391 µs cold, 294 µs after 1,000 warm-up connections, 273 µs after 2,000,
// 218 µs after 5,000. The reference's storm ran its smaller tiers before the big ones, which warmed
// it the same way; without a warm-up a one-tier run reports the JIT, not the client.
import { largestTier, type BenchOptions } from '../options/bench-options.js';
import type { BenchConnection, PhaseHandler } from './connection.js';
import { IDLE_PHASE } from './connection.js';
import type { TestContext } from './context.js';
import { PhaseWaiter } from './phase-waiter.js';
import { closeConnections, openConnections } from './pool.js';
import { TierTally } from './tier-tally.js';

/** Sequential pings per warm-up connection: enough for the ping path to be compiled. */
const WARMUP_PINGS = 5;
/** The warm-up gives up waiting for PONGs after this long without one. */
const WARMUP_STALL_MS = 5_000;

class WarmUpPings implements PhaseHandler {
  constructor(private readonly waiter: PhaseWaiter) {}

  onPong(connection: BenchConnection): void {
    this.waiter.progress();
    if (--connection.pingsLeft > 0 && connection.open) connection.session?.sendPing();
  }

  onClosed(connection: BenchConnection): void {
    this.waiter.progress(Math.max(0, connection.pingsLeft));
    connection.pingsLeft = 0;
  }
}

/**
 * --warmup, but never more connections than this process opens in the run's largest tier: with
 * --procs each worker warms up within its share (`share` of a tier), so that together the workers
 * never open more than the largest tier. (Each warming up with the whole tier, 64 workers opened
 * 41K warm-up connections for a 640-connection tier against a server capped at 5,000: issue 12.)
 */
export function warmUpSize(options: BenchOptions, share: (connections: number) => number = (n) => n): number {
  return Math.min(options.warmupConnections, share(Math.max(largestTier(options), ...options.tiers)));
}

/** Runs the warm-up once with `count` connections; a failed connect or a missing PONG only makes it shorter. */
export async function warmUp(ctx: TestContext, count: number = warmUpSize(ctx.options)): Promise<void> {
  if (count <= 0 || ctx.signal.aborted) return;
  ctx.progress.phase('connection-storm', `warm-up: ${count} conns, untimed`);
  const pool = await openConnections(ctx, 'connection-storm', count, new TierTally());
  const live = pool.connections.filter((c) => c.open && c.session !== undefined);
  const waiter = new PhaseWaiter(live.length * WARMUP_PINGS, ctx.signal, WARMUP_STALL_MS);
  const phase = new WarmUpPings(waiter);
  for (const c of live) {
    c.phase = phase;
    c.pingsLeft = WARMUP_PINGS;
    c.session!.sendPing();
  }
  await waiter.wait();
  for (const c of pool.connections) c.phase = IDLE_PHASE;
  await closeConnections(pool.connections);
}
