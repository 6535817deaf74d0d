// The open-loop table (--rate, --total-rate, --ramp): requested vs achieved rate, and latency
// corrected for coordinated omission (from the due time) beside the uncorrected one (from the
// actual write), then each ramp's verdict.
import type { TestResult } from '../results.js';
import { formatCompact, formatInteger, formatLatency, NO_VALUE } from './format.js';
import type { Table } from './tables.js';

export function openLoopTable(result: TestResult, title: string): Table | undefined {
  const tiers = result.tiers.filter((t) => t.openLoop !== undefined);
  if (tiers.length === 0) return undefined;
  const rows = tiers.map((t) => {
    const o = t.openLoop!;
    return [
      `${formatInteger(t.connections)}${t.label === undefined ? '' : ` ${t.label}`}`,
      formatCompact(o.requestedPerSec), formatCompact(o.achievedPerSec), formatInteger(o.corrected?.count ?? 0),
      formatLatency(o.corrected?.p50), formatLatency(o.corrected?.p99), formatLatency(o.corrected?.p999), formatLatency(o.corrected?.max),
      formatLatency(o.uncorrected?.p50), formatLatency(o.uncorrected?.p99), formatLatency(o.uncorrected?.max),
      o.withinSlo === undefined ? NO_VALUE : o.withinSlo ? 'pass' : 'FAIL',
    ];
  });
  const probeEvery = [...new Set(tiers.map((t) => t.openLoop!.probeEvery))];
  const lines = [
    `Latency: a ping follows every ${probeEvery.join(' / ')} message(s) of a connection; corrected = its PONG − the message's due time, uncorrected = PONG − actual write.`,
  ];
  for (const v of result.ramp ?? []) {
    const where = `${formatInteger(v.connections)} conns${v.label === undefined ? '' : ` ${v.label}`}`;
    const highest = v.highestPassingPerConnection === null
      ? `no step stayed under ${v.sloMs} ms`
      : `highest rate with corrected p99 < ${v.sloMs} ms: ${formatInteger(v.highestPassingPerConnection)}/s per connection (${formatCompact(v.highestPassingTotal ?? 0)} msg/s in all)`;
    lines.push(`Ramp verdict (${where}): ${highest}${v.failedBecause === undefined ? '; every step passed' : `; stopped at ${v.failedBecause}`}`);
  }
  return {
    title: `${title}: open loop`,
    headers: ['Tier', 'Requested/s', 'Achieved/s', 'Samples', 'p50 corr', 'p99 corr', 'p99.9 corr', 'Max corr', 'p50 uncorr', 'p99 uncorr', 'Max uncorr', 'SLO'],
    rows,
    lines,
  };
}
