// The key figure of each test in one line, wrk2-terse, for the end-of-run summary: what a reader
// would quote from the test's table. A test with several tiers shows each (up to four).
import type { TestName } from '../options/choices.js';
import type { TestResult, TierResult } from '../results.js';
import { formatCompact, formatInteger, formatLatency, formatMB, formatRate } from './format.js';

function conns(t: TierResult): string {
  return `${formatInteger(t.connections)} conns`;
}

/** Each tier through `figure`, at most four: the first two, …, the last. */
function perTier(tiers: readonly TierResult[], figure: (t: TierResult) => string): string {
  const shown = tiers.length <= 4 ? tiers : [tiers[0]!, tiers[1]!, tiers[tiers.length - 1]!];
  const parts = shown.map((t) => `${conns(t)} ${figure(t)}`);
  if (tiers.length > 4) parts.splice(2, 0, '…');
  return parts.join(' · ');
}

function rows(result: TestResult, connections: number | undefined): TierResult[] {
  return result.tiers.filter((t) => t.connections === connections);
}

const HEADLINES: Record<TestName, (result: TestResult) => string> = {
  'connection-storm': (r) => perTier(r.tiers, (t) => `${formatRate(t.connectRatePerSec)} p99 ${formatLatency(t.connectLatency?.p99)}`),
  'ping-latency': (r) => perTier(r.tiers, (t) => `p50 ${formatLatency(t.latency?.p50)} p99 ${formatLatency(t.latency?.p99)}`),
  throughput: (r) => perTier(r.tiers, (t) => (t.messages === undefined ? '-' : `${formatCompact(t.messages.deliveredPerSec)} msg/s`)),
  'size-matrix': (r) => {
    const first = rows(r, r.tiers[0]?.connections);
    const figure = (t: TierResult | undefined): string =>
      t?.messages === undefined ? '-' : `${t.label ?? '?'} ${formatCompact(t.messages.deliveredPerSec)} msg/s (${formatMB(t.messages.deliveredMBPerSec)} MB/s)`;
    if (first.length === 0) return '-';
    return `${conns(first[0]!)}: ${figure(first[0])}${first.length > 1 ? ` … ${figure(first[first.length - 1])}` : ''}`;
  },
  'format-comparison': (r) => {
    const last = rows(r, r.tiers[r.tiers.length - 1]?.connections);
    if (last.length === 0) return '-';
    return `${conns(last[0]!)}: ${last.map((t) => `${t.label ?? '?'} ${t.messages === undefined ? '-' : formatCompact(t.messages.deliveredPerSec)}`).join(' · ')} msg/s`;
  },
  'sustained-hold': (r) =>
    perTier(r.tiers, (t) => (t.hold === undefined || t.hold.survivalPct === null ? '-' : `${Number(t.hold.survivalPct.toFixed(2))}% held, p99 ${formatLatency(t.latency?.p99)}`)),
  fanout: (r) =>
    perTier(r.tiers, (t) => (t.fanout === undefined ? '-' : `${formatCompact(t.fanout.deliveriesPerSec)} deliveries/s, ${formatInteger(t.fanout.lost)} lost, p99 ${formatLatency(t.fanout.latency?.p99)}`)),
  'connection-limit': (r) =>
    r.maxStableConnections === undefined ? '-' : `${formatInteger(r.maxStableConnections)} stable connections${r.stoppedBy === undefined ? '' : ` (stopped by ${r.stoppedBy})`}`,
};

export function testHeadline(result: TestResult): string {
  return result.tiers.length === 0 && result.maxStableConnections === undefined ? 'no tier measured' : HEADLINES[result.test](result);
}
