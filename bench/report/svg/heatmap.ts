// A heatmap as one SVG string: rows × columns of coloured cells with the value printed in each,
// axis titles, and a colour bar. Colours follow the logarithm of the value (a size matrix spans
// two or three decades); runs shown side by side pass one shared domain so colours compare.
import { FONT, escapeXml, px } from './markup.js';

export interface HeatmapSpec {
  /** Unique within a page: prefixes element ids. */
  id: string;
  title: string;
  /** Second title line: the run's label when several runs are shown. */
  subtitle?: string;
  rowAxisLabel: string;
  columnAxisLabel: string;
  rows: string[];
  columns: string[];
  /** values[row][column]; undefined = not measured. */
  values: (number | undefined)[][];
  format(value: number): string;
  /** Unit for the colour bar: 'msg/s', 'MB/s'. */
  unit: string;
  /** Colour domain [min, max] (> 0); defaults to this map's own values. */
  domain?: [number, number];
}

const CELL_W = 78;
const CELL_H = 32;
const LEFT = 96;
const TOP = 84;
const RIGHT = 24;
const LEGEND_H = 64;
const BAR_W = 200;

// Light yellow-green → dark blue (ColorBrewer YlGnBu stops): dark cells get white text.
const STOPS: [number, number, number][] = [
  [255, 255, 217], [199, 233, 180], [127, 205, 187], [65, 182, 196], [29, 145, 192], [34, 94, 168], [12, 44, 132],
];

function colorAt(t: number): string {
  const clamped = Math.min(1, Math.max(0, t));
  const pos = clamped * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function heatmapValues(spec: Pick<HeatmapSpec, 'values'>): number[] {
  return spec.values.flat().filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
}

export function hasHeatmapData(spec: HeatmapSpec): boolean {
  return spec.rows.length > 0 && spec.columns.length > 0 && heatmapValues(spec).length > 0;
}

export function renderHeatmap(spec: HeatmapSpec): string {
  const values = heatmapValues(spec);
  const [lo, hi] = spec.domain ?? [Math.min(...values), Math.max(...values)];
  const logLo = Math.log10(lo);
  const span = Math.log10(hi) - logLo;
  const position = (v: number) => (span > 0 ? (Math.log10(v) - logLo) / span : 0.5);
  const gridW = spec.columns.length * CELL_W;
  const gridH = spec.rows.length * CELL_H;
  // Wide enough for the title lines (about 8 px per character at 15 px, 7 at 12 px).
  const width = Math.max(LEFT + gridW + RIGHT, LEFT + BAR_W + 190, 24 + spec.title.length * 8, 24 + (spec.subtitle?.length ?? 0) * 7);
  const height = TOP + gridH + LEGEND_H;
  const id = escapeXml(spec.id);
  const out: string[] = [
    `<svg xmlns='http://www.w3.org/2000/svg' class='chart heatmap' id='${id}' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' role='img' aria-label='${escapeXml(spec.title)}' ${FONT} font-size='12'>`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width='${width}' height='${height}' fill='#ffffff'/>`,
    `<text class='chart-title' x='12' y='24' font-size='15' font-weight='600' fill='#111'>${escapeXml(spec.title)}</text>`,
    spec.subtitle ? `<text class='chart-subtitle' x='12' y='42' fill='#444'>${escapeXml(spec.subtitle)}</text>` : '',
    `<text class='axis-label x-label' x='${px(LEFT + gridW / 2)}' y='${TOP - 30}' text-anchor='middle' fill='#222'>${escapeXml(spec.columnAxisLabel)}</text>`,
    `<text class='axis-label y-label' x='12' y='${TOP - 10}' fill='#222'>${escapeXml(spec.rowAxisLabel)}</text>`,
  ];
  out.push(`<g class='axis x-axis' font-size='11' fill='#333' text-anchor='middle'>`);
  spec.columns.forEach((c, j) => out.push(`<text class='tick-label' x='${px(LEFT + j * CELL_W + CELL_W / 2)}' y='${TOP - 8}'>${escapeXml(c)}</text>`));
  out.push('</g>', `<g class='axis y-axis' font-size='11' fill='#333' text-anchor='end'>`);
  spec.rows.forEach((r, i) => out.push(`<text class='tick-label' x='${LEFT - 8}' y='${px(TOP + i * CELL_H + CELL_H / 2 + 4)}'>${escapeXml(r)}</text>`));
  out.push('</g>', `<g class='cells' font-size='11.5' text-anchor='middle'>`);
  spec.rows.forEach((r, i) => {
    spec.columns.forEach((c, j) => {
      const v = spec.values[i]?.[j];
      const x = LEFT + j * CELL_W;
      const y = TOP + i * CELL_H;
      if (v === undefined || !Number.isFinite(v) || v <= 0) {
        out.push(`<rect class='cell-missing' x='${x}' y='${y}' width='${CELL_W}' height='${CELL_H}' fill='#f4f4f4' stroke='#fff'/>`);
        out.push(`<text x='${px(x + CELL_W / 2)}' y='${px(y + CELL_H / 2 + 4)}' fill='#888'>not run</text>`);
        return;
      }
      const t = position(v);
      const tip = `${r} × ${c}: ${spec.format(v)} ${spec.unit}`;
      out.push(`<rect class='cell' x='${x}' y='${y}' width='${CELL_W}' height='${CELL_H}' fill='${colorAt(t)}' stroke='#fff' stroke-width='1.5'><title>${escapeXml(tip)}</title></rect>`);
      out.push(`<text class='cell-value' x='${px(x + CELL_W / 2)}' y='${px(y + CELL_H / 2 + 4)}' fill='${t > 0.55 ? '#fff' : '#111'}'>${escapeXml(spec.format(v))}</text>`);
    });
  });
  out.push('</g>');

  // Colour bar: the domain's ends and its geometric middle, in the unit.
  const barY = TOP + gridH + 22;
  const gradientId = `${id}-gradient`;
  out.push(`<defs><linearGradient id='${gradientId}' x1='0' x2='1' y1='0' y2='0'>`);
  STOPS.forEach((_, k) => out.push(`<stop offset='${px((k / (STOPS.length - 1)) * 100)}%' stop-color='${colorAt(k / (STOPS.length - 1))}'/>`));
  out.push('</linearGradient></defs>');
  out.push(
    `<g class='legend' font-size='11' fill='#333'>`,
    `<rect class='color-bar' x='${LEFT}' y='${barY}' width='${BAR_W}' height='10' fill='url(#${gradientId})' stroke='#bbb'/>`,
    `<text x='${LEFT}' y='${barY + 24}' text-anchor='start'>${escapeXml(spec.format(lo))}</text>`,
    `<text x='${LEFT + BAR_W / 2}' y='${barY + 24}' text-anchor='middle'>${escapeXml(spec.format(Math.sqrt(lo * hi)))}</text>`,
    `<text x='${LEFT + BAR_W}' y='${barY + 24}' text-anchor='end'>${escapeXml(spec.format(hi))}</text>`,
    `<text x='${LEFT + BAR_W + 10}' y='${barY + 9}'>${escapeXml(spec.unit)} (log colour scale)</text>`,
    '</g>',
  );
  out.push('</svg>');
  return out.join('\n');
}
