// Latency histograms: hdr-histogram-js in microseconds, 3 significant digits. Summaries keep the
// histogram itself (compressed base64) so worker and run results can be merged exactly later:
// percentiles are never averaged, histograms are added and read again.
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../results.js';

/** One hour in µs: the largest latency we expect; autoResize still takes larger values. */
const HIGHEST_TRACKABLE_MICROS = 3.6e9;

export function createLatencyHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records one latency; sub-microsecond values count as 1 µs (the histogram's lowest value). */
export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(micros < 1 ? 1 : Math.round(micros));
}

/** The percentiles and the histogram itself; null for an empty histogram (nothing was measured). */
export function summarizeHistogram(histogram: Histogram): LatencySummary | null {
  const count = histogram.totalCount;
  if (count === 0) return null;
  return {
    count,
    min: histogram.minNonZeroValue,
    mean: histogram.mean,
    p50: histogram.getValueAtPercentile(50),
    p95: histogram.getValueAtPercentile(95),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    p9999: histogram.getValueAtPercentile(99.99),
    // The top of the highest bucket, not the exact maximum: a decoded or merged histogram only
    // knows buckets, and summaries must not change when a histogram is encoded and read back.
    max: histogram.getValueAtPercentile(100),
    hdr: encodeHistogram(histogram),
  };
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  const histogram = hdr.decodeFromCompressedBase64(encoded, 32, false);
  histogram.autoResize = true;
  return histogram;
}

/** One histogram holding every value of the given encoded histograms. */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const merged = createLatencyHistogram();
  for (const item of encoded) {
    if (item.length === 0) continue;
    const part = decodeHistogram(item);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

/**
 * Merges summaries (from workers or runs) through their histograms: undefined when no part has one,
 * null when every part's is empty (null), else the summary of all their values.
 */
export function mergeLatencySummaries(summaries: readonly (LatencySummary | null | undefined)[]): LatencySummary | null | undefined {
  if (summaries.every((s) => s === undefined)) return undefined;
  const present = summaries.filter((s): s is LatencySummary => s !== undefined && s !== null);
  if (present.length === 0) return null;
  const merged = mergeEncodedHistograms(present.map((s) => s.hdr));
  const summary = summarizeHistogram(merged);
  merged.destroy();
  return summary;
}
