// Latencies counted in the buckets of an HDR histogram (µs, 3 significant digits) kept in one typed
// array: recording is a count increment, no call into hdr-histogram-js and no allocation. The fan-out
// subscriber records one latency per delivery, millions a second: measured on Node 20, HDR's
// recordValue cost ~190 ns and 16 bytes of garbage a call. toHistogram() gives the HDR histogram
// with the same buckets (each count recorded at its bucket's lowest value, which HDR puts in the
// same bucket), so summaries, encodings and merges are those of recording directly.
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram } from './histogram.js';

/** 2^11 sub-buckets: HDR's layout for 3 significant digits (2 × 10^3 → 2048). */
const SUB_BUCKET_BITS = 11;
const HALF = 1 << (SUB_BUCKET_BITS - 1);
/** The largest value kept apart: 2^31 − 1 µs (35 minutes); longer ones count there. */
export const MAX_LATENCY_MICROS = 0x7fffffff;
const BUCKETS = 31 - SUB_BUCKET_BITS + 1;

export class LatencyCounts {
  private readonly counts = new Uint32Array((BUCKETS + 1) * HALF);
  total = 0;

  /**
   * One latency in whole µs, an int32 (1 … MAX_LATENCY_MICROS; below 1 counts as 1). The caller
   * rounds: a double argument is a heap number unless this call is inlined.
   */
  record(micros: number): void {
    const value = micros < 1 ? 1 : micros | 0;
    const bucket = 31 - Math.clz32(value | ((1 << SUB_BUCKET_BITS) - 1)) - (SUB_BUCKET_BITS - 1);
    this.counts[((bucket + 1) << (SUB_BUCKET_BITS - 1)) + (value >>> bucket) - HALF]++;
    this.total++;
  }

  /** An HDR histogram holding the same counts in the same buckets. */
  toHistogram(): Histogram {
    const histogram = createLatencyHistogram();
    const counts = this.counts;
    for (let index = 0; index < counts.length; index++) {
      const count = counts[index]!;
      if (count === 0) continue;
      const bucket = Math.max(0, (index >>> (SUB_BUCKET_BITS - 1)) - 1);
      const subBucket = index - ((bucket + 1) << (SUB_BUCKET_BITS - 1)) + HALF;
      histogram.recordValueWithCount(subBucket * 2 ** bucket, count);
    }
    return histogram;
  }
}
