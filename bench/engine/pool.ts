// Opening and closing a tier's connections. Connections open in batches of options.batchSize:
// each batch concurrently, the next when the previous has settled (the reference's storm).
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import { ConnectError } from '../../core/errors.js';
import { WseSession } from '../../core/wse/session.js';
import type { TestName } from '../options/choices.js';
import type { ConnectionCounts } from '../results.js';
import { formatInteger } from '../report/format.js';
import { createLatencyHistogram, recordMicros } from '../stats/histogram.js';
import { clientTlsOptions } from '../target/client-tls.js';
import { ConnectionLoss } from './connection-loss.js';
import { BenchConnection } from './connection.js';
import type { TestContext } from './context.js';
import { TierTally } from './tier-tally.js';

/** How long closing waits for close handshakes before dropping the rest. */
const CLOSE_TIMEOUT_MS = 5_000;
/** After dropping them, how long the close events get to arrive. */
const TERMINATE_GRACE_MS = 1_000;
/** The longest closeConnections() takes (the timetable's close slot). */
export const CLOSE_BOUND_MS = CLOSE_TIMEOUT_MS + TERMINATE_GRACE_MS;

export interface OpenedPool {
  /** Connections asked for. */
  target: number;
  /** Established connections, in the order they were opened. */
  connections: BenchConnection[];
  counts: ConnectionCounts;
  connectLatency: Histogram;
  /** wss://: TCP connect start → TLS handshake done, for the connections whose transport measured it. */
  tlsHandshake: Histogram | undefined;
  /** First dial → last batch settled, ms. */
  wallMs: number;
  startedAtEpochMs: number;
  endedAtEpochMs: number;
  /** Set when ctx.signal stopped the opening early. */
  aborted: boolean;
  /** Watches for the loss of every connection (connection-loss.ts). */
  loss: ConnectionLoss;
  /** Aborted by ctx.signal or by that loss: what the tier's phases wait on. */
  signal: AbortSignal;
}

/** Established connections per second over `wallMs`; null when none was established. */
export function connectRate(established: number, wallMs: number): number | null {
  return established > 0 && wallMs > 0 ? established / (wallMs / 1000) : null;
}

export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Opens `target` connections, counting failures by ConnectError.kind. */
export async function openConnections(
  ctx: TestContext,
  test: TestName,
  target: number,
  tally: TierTally,
): Promise<OpenedPool> {
  const counts: ConnectionCounts = { attempted: 0, established: 0, failed: 0, failedByKind: {} };
  const connections: BenchConnection[] = [];
  const connectLatency = createLatencyHistogram();
  const tls = ctx.url.startsWith('wss:') ? clientTlsOptions(ctx.options) : undefined;
  const tlsHandshake = tls !== undefined ? createLatencyHistogram() : undefined;
  const batchSize = Math.max(1, ctx.options.batchSize);
  const addresses = ctx.localAddresses !== undefined && ctx.transport.supportsLocalAddress ? ctx.localAddresses : undefined;
  if (ctx.localAddresses !== undefined && addresses === undefined) {
    ctx.progress.warn(`${test}: the ${ctx.transport.name} transport cannot bind source addresses; all connections use one`);
  }
  const started = performance.now();
  const startedAtEpochMs = epochNowMs();
  const loss = new ConnectionLoss(ctx.signal);

  const openOne = async (index: number): Promise<void> => {
    const connection = new BenchConnection(index, tally, ctx.live, loss);
    counts.attempted++;
    try {
      const session = await WseSession.connect(
        {
          transport: ctx.transport,
          url: ctx.url,
          token: ctx.token,
          authVia: ctx.options.authVia,
          ...(ctx.options.headers !== undefined ? { headers: ctx.options.headers } : {}),
          timeoutMs: ctx.options.connectTimeoutMs,
          localAddress: addresses === undefined ? undefined : addresses[index % addresses.length],
          clientVersion: ctx.clientVersion,
          msgpack: ctx.msgpack,
          ...(tls !== undefined ? { tls } : {}),
        },
        connection,
      );
      connection.session = session;
      connection.established();
      counts.established++;
      ctx.live.connects++;
      recordMicros(connectLatency, session.connectMicros);
      const handshakeMicros = session.tlsHandshakeMicros;
      if (tlsHandshake !== undefined && handshakeMicros !== undefined) recordMicros(tlsHandshake, handshakeMicros);
      connections.push(connection);
    } catch (error) {
      counts.failed++;
      ctx.live.connectFailed();
      const kind = error instanceof ConnectError ? error.kind : 'other';
      counts.failedByKind[kind] = (counts.failedByKind[kind] ?? 0) + 1;
    }
  };

  let next = 0;
  while (next < target && !ctx.signal.aborted) {
    const end = Math.min(target, next + batchSize);
    const batch: Promise<void>[] = [];
    for (; next < end; next++) batch.push(openOne(next));
    await Promise.all(batch);
    ctx.progress.tick(next, target, 'connections');
  }
  if (ctx.signal.aborted) ctx.progress.warn(`${test}: stopped opening connections at ${next} of ${target}`);
  const fdLimited = counts.failedByKind['fd-limit'];
  if (fdLimited !== undefined) {
    ctx.progress.warn(`${test}: ${fdLimited} of ${target} connects failed with EMFILE/ENFILE (out of file descriptors): raise the open-file limit (ulimit -n); going on with ${counts.established}`);
  }
  loss.arm(counts.attempted, counts.established);
  return {
    target,
    connections,
    counts,
    connectLatency,
    tlsHandshake,
    wallMs: performance.now() - started,
    startedAtEpochMs,
    endedAtEpochMs: epochNowMs(),
    aborted: ctx.signal.aborted,
    loss,
    signal: loss.signal,
  };
}

/**
 * A tier's connections, opened with a tally of their own: the tier's first cell reports it. The
 * 'connect' barrier first: with --procs every worker, with --start-at the timetable, starts it together.
 */
export async function openTier(ctx: TestContext, test: TestName, target: number): Promise<{ pool: OpenedPool; openingTally: TierTally }> {
  await ctx.barrier('connect');
  ctx.progress.phase(test, `${formatInteger(target)} conns: connecting`, target);
  const openingTally = new TierTally();
  return { pool: await openConnections(ctx, test, target, openingTally), openingTally };
}

/** Closes every connection and waits until all are closed; stragglers are dropped after a timeout. */
export async function closeConnections(connections: readonly BenchConnection[]): Promise<void> {
  const closing = connections.map((c) => c.close());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
  });
  const outcome = await Promise.race([Promise.all(closing), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    for (const c of connections) c.terminate();
    // terminate() ends the socket at once; give the close events one more chance to arrive.
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, TERMINATE_GRACE_MS))]);
  }
}

/** Connections still open. */
export function openCount(connections: readonly BenchConnection[]): number {
  let n = 0;
  for (const c of connections) if (c.open) n++;
  return n;
}
