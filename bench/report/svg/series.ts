// What the charts plot, read from RunResults: a name for each run that tells it apart from the
// others, axis number formats, and a latency distribution as an HDR percentile curve.
import type { LatencySummary, RunResult } from '../../results.js';
import { decodeHistogram } from '../../stats/histogram.js';
import type { LinePoint } from './line-chart.js';
import { percentileDepth } from './scale.js';

/**
 * One label per run: transport and runtime always, plus whatever else differs between the runs
 * (process count, host, server). Runs alike in all of these are numbered.
 */
export function runLabels(runs: readonly RunResult[]): string[] {
  const varies = (read: (r: RunResult) => string) => new Set(runs.map(read)).size > 1;
  const procs = varies((r) => String(r.procs));
  const host = varies((r) => r.environment.hostname);
  // Embedded servers listen on a fresh port each run: only their kind tells runs apart.
  const serverName = (r: RunResult) => (r.server.embedded ? `${r.server.transport ?? '?'} ${r.server.mode ?? ''}`.trim() : r.server.url);
  const server = varies(serverName);
  const labels = runs.map((r) => {
    const parts = [r.transport, `${r.environment.runtime} ${r.environment.runtimeVersion}`];
    if (procs || r.procs > 1) parts.push(`${r.procs} procs`);
    if (host) parts.push(r.environment.hostname);
    if (server) parts.push(serverName(r));
    return parts.join(' · ');
  });
  const seen = new Map<string, number>();
  const repeated = new Set(labels.filter((l, i) => labels.indexOf(l) !== i));
  return labels.map((l) => {
    if (!repeated.has(l)) return l;
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return `${l} #${n}`;
  });
}

export interface LatencyCurve {
  /** x = percentile depth log10(1 / (1 − p)), y = µs. */
  points: LinePoint[];
  /** How deep the samples reach: log10(count), at most 5 (99.999 %). */
  depth: number;
  /** 'histogram' when the hdr field was decoded; 'summary' = only the stored percentiles. */
  source: 'histogram' | 'summary';
}

const MAX_DEPTH = 5;
const STEP = 0.05;
const MARKED = [0, 50, 90, 99, 99.9, 99.99, 99.999].map(percentileDepth);

/**
 * The full distribution from the HDR histogram (percentiles every 0.05 decade up to the depth the
 * sample count supports, the last point being the maximum); when the histogram cannot be decoded,
 * the summary's percentiles p50 … p99.99 and max. Empty when nothing was recorded.
 */
export function latencyCurve(summary: LatencySummary): LatencyCurve {
  if (summary.count <= 0) return { points: [], depth: 0, source: 'summary' };
  const depth = Math.min(MAX_DEPTH, Math.max(Math.log10(summary.count), Math.log10(2)));
  try {
    const histogram = decodeHistogram(summary.hdr);
    try {
      if (histogram.totalCount <= 0) throw new Error('empty histogram');
      const points: LinePoint[] = [];
      // Even steps, plus the named percentiles exactly, which carry the markers.
      const depths = new Set(MARKED.filter((m) => m < depth - 1e-9));
      for (let i = 0; i * STEP < depth - 1e-9; i++) {
        if (![...depths].some((m) => Math.abs(m - i * STEP) < STEP / 4)) depths.add(i * STEP);
      }
      for (const d of [...depths].sort((a, b) => a - b)) {
        points.push({ x: d, y: histogram.getValueAtPercentile(100 * (1 - 10 ** -d)), marker: MARKED.includes(d) });
      }
      points.push({ x: depth, y: histogram.getValueAtPercentile(100), marker: true, remark: 'max' });
      return { points, depth, source: 'histogram' };
    } finally {
      histogram.destroy();
    }
  } catch {
    const stored: [number, number][] = [[50, summary.p50], [95, summary.p95], [99, summary.p99], [99.9, summary.p999], [99.99, summary.p9999]];
    const points: LinePoint[] = stored
      .filter(([p]) => percentileDepth(p) < depth - 1e-9)
      .map(([p, v]) => ({ x: percentileDepth(p), y: v }));
    points.push({ x: depth, y: summary.max, remark: 'max' });
    return { points, depth, source: 'summary' };
  }
}
