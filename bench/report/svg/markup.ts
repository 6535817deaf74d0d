// Small helpers to write SVG text safely: escaping, fixed-precision coordinates, the palette.

/** Escapes text and attribute values (results carry host names, labels, notes). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Coordinates with one decimal: smaller files, no visible difference. */
export function px(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** Series colours (Okabe–Ito, readable for colour-blind readers), then repeated with dashes. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export interface SeriesStyle {
  color: string;
  dash: string;
}

export function seriesStyle(index: number): SeriesStyle {
  return { color: PALETTE[index % PALETTE.length]!, dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length]! };
}

/** Cuts long legend labels so the legend keeps its width; the full text stays in a <title>. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const FONT = "font-family='system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'";
