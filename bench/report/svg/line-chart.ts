// A line chart as one SVG string: title, gridlines, both axes with ticks, labels and units, a
// legend, one path per series with markers and tooltips. No library, no script.
import { FONT, clip, escapeXml, px, seriesStyle, type SeriesStyle } from './markup.js';
import { linearScale, logScale, percentileLabel, percentileScale, tierScale, type Scale } from './scale.js';

export interface LinePoint {
  x: number;
  y: number;
  /** Drawn with a marker (default true); dense curves mark only the points worth reading. */
  marker?: boolean;
  /** Added to the tooltip: 'max', 'partial: interrupted by SIGINT'. */
  remark?: string;
  /** A hollow marker: the point covers less than it should (a partial tier). */
  hollow?: boolean;
}

export interface LineSeries {
  label: string;
  points: LinePoint[];
  /** Default: the series' position in the palette. Pairs (corrected/uncorrected) share a colour. */
  style?: SeriesStyle;
}

export type XAxis =
  | { kind: 'tiers'; label: string }
  /** x = log10(1 / (1 − p)); `decades` = how far the axis reaches (5 → 99.999 %). */
  | { kind: 'percentile'; label: string; decades: number };

export interface LineChartSpec {
  /** Unique within a page: prefixes element ids. */
  id: string;
  title: string;
  xAxis: XAxis;
  yLabel: string;
  /** 'auto': log when the values span more than two decades. */
  yScale: 'linear' | 'log' | 'auto';
  formatY(value: number): string;
  formatX(value: number): string;
  series: LineSeries[];
}

const WIDTH = 760;
const HEIGHT = 420;
const PLOT = { left: 84, top: 48, right: WIDTH - 230, bottom: HEIGHT - 62 };
const LEGEND_X = PLOT.right + 22;
const LEGEND_ROW = 19;
const LEGEND_MAX_CHARS = 32;

/** Whether the chart would show anything: a chart without data is left out, never drawn empty. */
export function hasLineData(spec: LineChartSpec): boolean {
  return spec.series.some((s) => s.points.some((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
}

function yScaleFor(spec: LineChartSpec, values: number[]): Scale {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(...values, 0);
  const min = positive.length > 0 ? Math.min(...positive) : max;
  const useLog = spec.yScale === 'log' || (spec.yScale === 'auto' && positive.length === values.length && max / min > 100);
  return useLog && positive.length > 0 ? logScale(min, max, PLOT.bottom, PLOT.top) : linearScale(max, PLOT.bottom, PLOT.top);
}

function xScaleFor(axis: XAxis, values: number[], formatX: (value: number) => string): Scale & { tickLabel(tick: number, i: number): string } {
  if (axis.kind === 'percentile') {
    const scale = percentileScale(axis.decades, PLOT.left, PLOT.right);
    return { ...scale, tickLabel: (_tick, i) => percentileLabel(scale.percentiles[i]!) };
  }
  const scale = tierScale(values, PLOT.left, PLOT.right);
  return { ...scale, tickLabel: (tick) => formatX(tick) };
}

export function renderLineChart(spec: LineChartSpec): string {
  const series = spec.series
    .map((s) => ({ ...s, points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x) }))
    .filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points);
  const x = xScaleFor(spec.xAxis, all.map((p) => p.x), spec.formatX);
  const y = yScaleFor(spec, all.map((p) => p.y));
  const out: string[] = [];
  const legendRows = Math.min(series.length, Math.floor((HEIGHT - PLOT.top) / LEGEND_ROW));
  out.push(
    `<svg xmlns='http://www.w3.org/2000/svg' class='chart line-chart' id='${escapeXml(spec.id)}' width='${WIDTH}' height='${HEIGHT}' viewBox='0 0 ${WIDTH} ${HEIGHT}' role='img' aria-label='${escapeXml(spec.title)}' ${FONT} font-size='12'>`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width='${WIDTH}' height='${HEIGHT}' fill='#ffffff'/>`,
    `<text class='chart-title' x='${PLOT.left}' y='26' font-size='15' font-weight='600' fill='#111'>${escapeXml(spec.title)}</text>`,
  );

  // Grid and ticks.
  out.push(`<g class='grid' stroke='#e3e3e3' stroke-width='1'>`);
  for (const t of y.ticks) out.push(`<line x1='${PLOT.left}' x2='${PLOT.right}' y1='${px(y.at(t))}' y2='${px(y.at(t))}'/>`);
  for (const t of x.ticks) out.push(`<line x1='${px(x.at(t))}' x2='${px(x.at(t))}' y1='${PLOT.top}' y2='${PLOT.bottom}'/>`);
  out.push('</g>');
  out.push(`<g class='axis y-axis' fill='#333' font-size='11' text-anchor='end'>`);
  for (const t of y.ticks) out.push(`<text class='tick-label' x='${PLOT.left - 6}' y='${px(y.at(t) + 4)}'>${escapeXml(spec.formatY(t))}</text>`);
  out.push('</g>');
  out.push(`<g class='axis x-axis' fill='#333' font-size='11' text-anchor='middle'>`);
  x.ticks.forEach((t, i) => out.push(`<text class='tick-label' x='${px(x.at(t))}' y='${PLOT.bottom + 17}'>${escapeXml(x.tickLabel(t, i))}</text>`));
  out.push('</g>');
  out.push(
    `<g class='axis-lines' stroke='#555' stroke-width='1'><line x1='${PLOT.left}' x2='${PLOT.left}' y1='${PLOT.top}' y2='${PLOT.bottom}'/><line x1='${PLOT.left}' x2='${PLOT.right}' y1='${PLOT.bottom}' y2='${PLOT.bottom}'/></g>`,
    `<text class='axis-label x-label' x='${px((PLOT.left + PLOT.right) / 2)}' y='${HEIGHT - 22}' text-anchor='middle' font-size='12' fill='#222'>${escapeXml(spec.xAxis.label)}${spec.xAxis.kind === 'tiers' && x.ticks.length > 1 ? ' (log scale)' : ''}</text>`,
    `<text class='axis-label y-label' transform='translate(18 ${px((PLOT.top + PLOT.bottom) / 2)}) rotate(-90)' text-anchor='middle' font-size='12' fill='#222'>${escapeXml(spec.yLabel)}${y.log ? ' (log scale)' : ''}</text>`,
  );

  // Series: a path, then markers with tooltips, then value labels when they fit.
  const labelValues = series.length <= 3 && series.every((s) => s.points.length <= 8) && spec.xAxis.kind === 'tiers';
  series.forEach((s, i) => {
    const style = s.style ?? seriesStyle(i);
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(x.at(p.x))} ${px(y.at(p.y))}`).join(' ');
    out.push(`<g class='series-group' data-series='${escapeXml(s.label)}'>`);
    out.push(`<path class='series' d='${d}' fill='none' stroke='${style.color}' stroke-width='2.2'${style.dash ? ` stroke-dasharray='${style.dash}'` : ''} stroke-linejoin='round'/>`);
    for (const p of s.points) {
      if (p.marker === false) continue;
      const cx = px(x.at(p.x));
      const cy = px(y.at(p.y));
      const tip = `${s.label}: ${spec.formatY(p.y)} at ${spec.formatX(p.x)}${p.remark ? ` (${p.remark})` : ''}`;
      out.push(`<circle class='point' cx='${cx}' cy='${cy}' r='3.8' fill='${p.hollow ? '#fff' : style.color}' stroke='${style.color}' stroke-width='1.6'><title>${escapeXml(tip)}</title></circle>`);
      // Alternate series label below their points, so two close series do not overprint.
      if (labelValues) out.push(`<text class='value-label' x='${cx}' y='${px(y.at(p.y) + (i % 2 === 1 ? 17 : -9))}' text-anchor='middle' font-size='10.5' fill='${style.color}'>${escapeXml(spec.formatY(p.y))}</text>`);
    }
    out.push('</g>');
  });

  // Legend, right of the plot.
  out.push(`<g class='legend' font-size='11.5' fill='#222'>`);
  series.slice(0, legendRows).forEach((s, i) => {
    const style = s.style ?? seriesStyle(i);
    const ly = PLOT.top + 6 + i * LEGEND_ROW;
    out.push(
      `<g class='legend-item'><title>${escapeXml(s.label)}</title>`,
      `<line x1='${LEGEND_X}' x2='${LEGEND_X + 22}' y1='${ly}' y2='${ly}' stroke='${style.color}' stroke-width='2.2'${style.dash ? ` stroke-dasharray='${style.dash}'` : ''}/>`,
      `<circle cx='${LEGEND_X + 11}' cy='${ly}' r='3' fill='${style.color}'/>`,
      `<text x='${LEGEND_X + 28}' y='${ly + 4}'>${escapeXml(clip(s.label, LEGEND_MAX_CHARS))}</text></g>`,
    );
  });
  if (series.length > legendRows) {
    out.push(`<text x='${LEGEND_X}' y='${PLOT.top + 6 + legendRows * LEGEND_ROW}'>… ${series.length - legendRows} more</text>`);
  }
  out.push('</g>', '</svg>');
  return out.join('\n');
}
