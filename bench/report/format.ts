// Every number a report, a chart or the progress line shows: the reference report's style (116K,
// 7.0M, 1,087/s, 6.1 ms, 1,160 ms) and, for chart axes, three significant digits (2.5K, 7.02M).
// A value that was not measured (null in the results) or does not apply is NO_VALUE, never a 0.

/** The cell of a number that does not exist: nothing was measured, or the column does not apply. */
export const NO_VALUE = '—';

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A number to show, or undefined for null, undefined and NaN. */
function present(n: number | null | undefined): n is number {
  return n !== null && n !== undefined && Number.isFinite(n);
}

/** 1087 → '1,087'. */
export function formatInteger(n: number | null | undefined): string {
  return present(n) ? integerFormat.format(Math.round(n)) : NO_VALUE;
}

/** Message rates: 950 → '950', 116_400 → '116K', 7_020_000 → '7.0M'. */
export function formatCompact(n: number | null | undefined): string {
  if (!present(n)) return NO_VALUE;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}K`;
  return formatInteger(n);
}

/** Connection rates: '1,087/s'. */
export function formatRate(n: number | null | undefined): string {
  return present(n) ? `${formatInteger(n)}/s` : NO_VALUE;
}

/** Latency from µs: 380 → '0.38 ms', 6_100 → '6.1 ms', 1_160_000 → '1,160 ms'. */
export function formatLatency(micros: number | null | undefined): string {
  if (!present(micros)) return NO_VALUE;
  const ms = micros / 1000;
  if (ms >= 1000) return `${formatInteger(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Megabytes per second with one decimal: '20.3'. */
export function formatMB(n: number | null | undefined): string {
  if (!present(n)) return NO_VALUE;
  return n >= 100 ? formatInteger(n) : n.toFixed(1);
}

/** Byte sizes: 64 → '64 B', 1024 → '1 KB', 1_500_000 → '1.4 MB', 2^33 → '8.0 GB'. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Number.isInteger(n / 1024) ? n / 1024 : (n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

/** size-matrix's row labels, the reference's: '64 B', '1 KB', '64 KB'. */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
}

/** Ratio to a baseline as a signed percentage: '+1.0%', '-3.2%'. */
export function formatRelative(value: number | null | undefined, baseline: number | null | undefined): string {
  if (!present(value) || !present(baseline) || !(baseline > 0)) return NO_VALUE;
  const pct = (value / baseline - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** 0.734 → '73%'. */
export function formatPercent(fraction: number | null | undefined): string {
  return present(fraction) ? `${Math.round(fraction * 100)}%` : NO_VALUE;
}

/** Tier sizes in column headers: 1000 → '1K', 500 → '500'. */
export function formatTierHeader(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}K` : formatInteger(n);
}

/** Three significant digits with K/M: 2,500 → '2.5K', 116,200 → '116K', 7,020,000 → '7.02M'. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return NO_VALUE;
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((n / 1e3).toPrecision(3))}K`;
  return String(Number(n.toPrecision(3)));
}

/** Latency from µs for axes and tooltips: '250 µs', '6.1 ms', '1,160 ms'. */
export function formatMicros(micros: number): string {
  if (!Number.isFinite(micros)) return NO_VALUE;
  if (micros < 1000) return `${Number(micros.toPrecision(3))} µs`;
  const ms = Number((micros / 1000).toPrecision(3));
  return `${ms.toLocaleString('en-US')} ms`;
}
