// Axis scales for the chart renderers: value → pixel, and the tick values worth labelling.
// Linear axes start at zero (rates are compared by height); log axes cover whole 1-2-5 steps.

export interface Scale {
  /** Value → pixel coordinate. */
  at(value: number): number;
  ticks: number[];
  log: boolean;
}

/** A step of 1, 2 or 5 × 10^k that splits `span` into about `count` parts (4 to 8). */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * power;
}

/** 0 … a nice maximum ≥ the largest value; pixels run from `from` to `to`. */
export function linearScale(maxValue: number, from: number, to: number, tickCount = 5): Scale {
  const top = maxValue > 0 && Number.isFinite(maxValue) ? maxValue : 1;
  const step = niceStep(top, tickCount);
  const max = Math.ceil(top / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { at: (v) => from + (v / max) * (to - from), ticks, log: false };
}

/**
 * Log scale over [min, max] widened to whole decades; ticks at 1, 2, 5 × 10^k when it spans few
 * decades, else at powers of ten only. A single value gets a decade on each side.
 */
export function logScale(minValue: number, maxValue: number, from: number, to: number): Scale {
  let lo = Math.max(minValue, Number.MIN_VALUE);
  let hi = Math.max(maxValue, lo);
  if (hi / lo < 1.0001) {
    lo /= 10;
    hi *= 10;
  }
  const loExp = Math.floor(Math.log10(lo) + 1e-9);
  const hiExp = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = Math.max(1, hiExp - loExp);
  const mantissas = decades <= 2 ? [1, 2, 5] : decades <= 4 ? [1, 3] : [1];
  const ticks: number[] = [];
  for (let e = loExp; e <= hiExp; e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v <= 10 ** hiExp * 1.000001) ticks.push(v);
    }
  }
  const a = loExp;
  const b = loExp + decades;
  return { at: (v) => from + ((Math.log10(Math.max(v, Number.MIN_VALUE)) - a) / (b - a)) * (to - from), ticks, log: true };
}

/**
 * Log scale for connection counts: the tick values are the tiers themselves when there are few
 * (so every measured tier is labelled), padded by a quarter decade on each side.
 */
export function tierScale(tiers: readonly number[], from: number, to: number): Scale {
  const sorted = [...new Set(tiers)].filter((n) => n > 0).sort((a, b) => a - b);
  const lo = sorted[0] ?? 1;
  const hi = sorted[sorted.length - 1] ?? lo;
  const pad = 0.25;
  const a = Math.log10(lo) - pad;
  const b = Math.log10(hi) + pad;
  const ticks = sorted.length <= 8 ? sorted : logScale(lo, hi, from, to).ticks.filter((t) => t >= 10 ** a && t <= 10 ** b);
  return { at: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from), ticks, log: true };
}

/**
 * The HDR percentile axis: position = log10(1 / (1 − p)), so 90 %, 99 %, 99.9 % … are evenly
 * spaced. `decades` is how far it reaches (5 → 99.999 %).
 */
export function percentileScale(decades: number, from: number, to: number): Scale & { percentiles: number[] } {
  const percentiles = [0, 50, 90, 99, 99.9, 99.99, 99.999, 99.9999].filter((p) => percentileDepth(p) <= decades + 1e-9);
  return {
    at: (depth) => from + (depth / decades) * (to - from),
    ticks: percentiles.map(percentileDepth),
    percentiles,
    log: true,
  };
}

/** log10(1 / (1 − p/100)): 0 for 0 %, 1 for 90 %, 2 for 99 %… */
export function percentileDepth(percentile: number): number {
  return percentile <= 0 ? 0 : percentile >= 100 ? Infinity : -Math.log10(1 - percentile / 100);
}

/** '99.9%' style label for a percentile tick. */
export function percentileLabel(percentile: number): string {
  return `${Number(percentile.toPrecision(7))}%`;
}
