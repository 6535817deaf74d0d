// The fanout test's table: per tier what was published and received, what was lost and where it
// went (dropped at the server's outbound cap, lost in flight), and the delivery latency. An empty
// measurement (the server could not say) is "—", never 0.
import type { FanoutResult, TierResult } from '../results.js';
import { formatBytes, formatCompact, formatInteger, formatLatency, formatMB } from './format.js';
import type { Table } from './tables.js';

const EMPTY = '—';

const count = (n: number | null): string => (n === null ? EMPTY : formatInteger(n));
const rate = (n: number | null): string => (n === null ? EMPTY : formatCompact(n));

export function fanoutTable(title: string, tiers: readonly TierResult[]): Table {
  const rows = tiers.map((t) => {
    const f = t.fanout;
    if (f === undefined) return [formatInteger(t.connections), t.label ?? EMPTY, ...Array<string>(12).fill(EMPTY)];
    const latency = f.latency ?? undefined;
    return [
      formatInteger(f.subscribers),
      t.label ?? formatBytes(f.payloadBytes),
      f.parse,
      rate(f.publishedPerSec),
      f.received > 0 ? formatCompact(f.deliveriesPerSec) : EMPTY,
      f.received > 0 ? formatMB(f.MBPerSec) : EMPTY,
      formatInteger(f.lost),
      count(f.serverDrops),
      count(f.lostInFlight),
      f.duplicates + f.reordered === 0 ? '0' : `${formatInteger(f.duplicates)}/${formatInteger(f.reordered)}`,
      latency !== undefined && latency.count > 0 ? formatLatency(latency.p50) : EMPTY,
      latency !== undefined && latency.count > 0 ? formatLatency(latency.p99) : EMPTY,
      latency !== undefined && latency.count > 0 ? formatLatency(latency.p999) : EMPTY,
      latency !== undefined && latency.count > 0 ? formatLatency(latency.max) : EMPTY,
    ];
  });
  return {
    title,
    headers: ['Subscribers', 'Size', 'Parse', 'Published/s', 'Deliveries/s', 'MB/s', 'Lost', 'Dropped', 'In flight', 'Dup/Reord', 'p50', 'p99', 'p99.9', 'Max'],
    rows,
    lines: fanoutLines(tiers),
  };
}

function fanoutLines(tiers: readonly TierResult[]): string[] {
  const lines: string[] = [];
  const present = tiers.filter((t): t is TierResult & { fanout: FanoutResult } => t.fanout !== undefined);
  if (present.length === 0) return lines;
  const first = present[0]!.fanout;
  const publishing = first.publisherDriven
    ? `published by the server ${first.requestedRatePerSec === null ? 'as fast as it could' : `at ${formatInteger(first.requestedRatePerSec)}/s`}`
    : 'the server published on its own (this run only listened)';
  lines.push(
    `Deliveries = distinct messages received by all subscribers; ${publishing}. Lost = sequence gaps, explained by Dropped (the server's slow-consumer drops at its outbound cap) and In flight (sent, never arrived).`,
  );
  lines.push(first.clock === 'off' ? 'Latency: off (--clock off).' : `Latency: arrival − the message's ts_us (${first.clock === 'ping' ? 'server clock offset estimated from ping round trips' : 'the server\'s clock taken as ours'}).`);
  for (const t of present) {
    const f = t.fanout;
    if (f.lost === 0) continue;
    lines.push(`${formatInteger(t.connections)}${t.label === undefined ? '' : ` ${t.label}`}: ${formatInteger(f.subscribersWithLoss)} of ${formatInteger(f.subscribers)} subscribers lost messages, at most ${formatInteger(f.maxLossPerSubscriber)} each`);
  }
  return lines;
}
