// RunResults → the report's charts, as SVG strings. One or several runs (compare, merge): line
// charts draw one series per run, heatmaps one map per run on a shared colour scale. A chart with
// nothing to plot is left out and replaced by a one-line note.
import type { TestName } from '../../options/choices.js';
import type { LatencySummary, RunResult, TierResult } from '../../results.js';
import { formatCount, formatInteger, formatMicros } from '../format.js';
import { TEST_TITLES } from '../tables.js';
import { hasHeatmapData, heatmapValues, renderHeatmap, type HeatmapSpec } from './heatmap.js';
import { hasLineData, renderLineChart, type LinePoint, type LineSeries } from './line-chart.js';
import { seriesStyle } from './markup.js';
import { latencyCurve, runLabels } from './series.js';

export interface ChartEntry {
  /** File-name safe and unique: 'throughput', 'size-matrix-msgs-1'… */
  id: string;
  /** The test it belongs to, as the tables title it. */
  section: string;
  title: string;
  /** Absent when there was nothing to plot; `note` says why. */
  svg?: string;
  /** One line under the chart (how to read it), or why it was left out. */
  note?: string;
}

interface LabeledRun {
  run: RunResult;
  label: string;
}

function tiersOf(run: RunResult, test: TestName): TierResult[] | undefined {
  return run.tests.find((t) => t.test === test)?.tiers;
}

function ran(runs: readonly LabeledRun[], test: TestName): boolean {
  return runs.some((r) => tiersOf(r.run, test) !== undefined);
}

function tierPoint(t: TierResult, y: number | undefined): LinePoint[] {
  if (y === undefined || !Number.isFinite(y)) return [];
  const point: LinePoint = { x: t.connections, y };
  if (t.partial !== undefined) {
    point.hollow = true;
    point.remark = `partial: ${t.partial}`;
  }
  return [point];
}

const PARTIAL_NOTE = 'Hollow markers: the tier ended early (partial).';

function partialNote(series: LineSeries[]): string | undefined {
  return series.some((s) => s.points.some((p) => p.hollow)) ? PARTIAL_NOTE : undefined;
}

/** A line chart over tiers: one series per run (or per run × row label), y read from each tier. */
function tierChart(
  runs: readonly LabeledRun[], test: TestName, id: string, title: string, yLabel: string,
  read: (t: TierResult) => number | undefined, byLabel: boolean, empty: string,
): ChartEntry {
  const series: LineSeries[] = [];
  for (const { run, label } of runs) {
    const tiers = tiersOf(run, test) ?? [];
    const groups = byLabel ? [...new Set(tiers.map((t) => t.label ?? ''))] : [''];
    for (const group of groups) {
      const points = tiers.filter((t) => !byLabel || (t.label ?? '') === group).flatMap((t) => tierPoint(t, read(t)));
      const name = [runs.length > 1 ? label : '', group].filter((s) => s !== '').join(' · ') || label;
      series.push({ label: name, points });
    }
  }
  const spec = { id, title, xAxis: { kind: 'tiers' as const, label: 'Connections' }, yLabel, yScale: 'linear' as const, formatY: formatCount, formatX: formatInteger, series };
  const entry: ChartEntry = { id, section: TEST_TITLES[test], title };
  if (!hasLineData(spec)) return { ...entry, note: empty };
  const notes = [partialNote(series)];
  if (series.every((s) => s.points.length <= 1)) notes.push('One tier measured: --tiers a,b,… draws a curve.');
  const note = notes.filter((n) => n !== undefined).join(' ');
  return { ...entry, svg: renderLineChart(spec), ...(note ? { note } : {}) };
}

interface LatencyVariant {
  /** '' for a single variant; 'corrected', 'uncorrected' for open-loop. */
  name: string;
  read(t: TierResult): LatencySummary | undefined;
}

/** HDR-style percentile curves: one per run × tier × variant. */
function latencyChart(
  runs: readonly LabeledRun[], test: TestName, id: string, title: string,
  variants: readonly LatencyVariant[], empty: string,
): ChartEntry {
  const series: LineSeries[] = [];
  let depth = 0;
  const fromSummary: string[] = [];
  let tierIndex = -1;
  for (const { run, label } of runs) {
    for (const t of tiersOf(run, test) ?? []) {
      tierIndex++;
      for (const variant of variants) {
        const summary = variant.read(t);
        if (summary === undefined) continue;
        const curve = latencyCurve(summary);
        if (curve.points.length === 0) continue;
        const tierName = `${formatInteger(t.connections)} conns${t.label === undefined ? '' : ` ${t.label}`}`;
        const name = [runs.length > 1 ? label : '', tierName, variant.name].filter((p) => p !== '').join(' · ');
        // Variants of one tier (corrected, uncorrected) share a colour; the second is dashed.
        const style = variants.length > 1 ? { color: seriesStyle(tierIndex).color, dash: variants.indexOf(variant) > 0 ? '6 3' : '' } : undefined;
        series.push({ label: name, points: curve.points, ...(style ? { style } : {}) });
        depth = Math.max(depth, curve.depth);
        if (curve.source === 'summary') fromSummary.push(name);
      }
    }
  }
  // The axis ends where the deepest curve ends: no empty band past the last sample.
  const decades = Math.max(Math.log10(2), depth);
  const spec = {
    id, title, xAxis: { kind: 'percentile' as const, label: 'Percentile (log scale of 1 / (1 − p))', decades },
    yLabel: 'Latency', yScale: 'auto' as const, formatY: formatMicros, formatX: (d: number) => `p${Number((100 * (1 - 10 ** -d)).toPrecision(6))}`, series,
  };
  const entry: ChartEntry = { id, section: TEST_TITLES[test], title };
  if (!hasLineData(spec)) return { ...entry, note: empty };
  const notes = ['Each curve ends at its maximum; it reaches as far as its sample count allows.'];
  if (fromSummary.length > 0) notes.push(`Histogram not decodable, stored percentiles only: ${fromSummary.join(', ')}.`);
  return { ...entry, svg: renderLineChart(spec), note: notes.join(' ') };
}

function sizeBytesOf(t: TierResult): number {
  const n = t.params['sizeBytes'];
  return typeof n === 'number' ? n : Number.MAX_SAFE_INTEGER;
}

/** Size matrix heatmaps: per run, msg/s and MB/s, colours shared across runs per metric. */
function sizeMatrixCharts(runs: readonly LabeledRun[]): ChartEntry[] {
  const section = TEST_TITLES['size-matrix'];
  const metrics = [
    { key: 'msgs', name: 'delivered msg/s', unit: 'msg/s', read: (t: TierResult) => t.messages?.deliveredPerSec ?? undefined, format: formatCount },
    { key: 'mbs', name: 'delivered MB/s', unit: 'MB/s', read: (t: TierResult) => t.messages?.deliveredMBPerSec ?? undefined, format: (v: number) => String(Number(v.toPrecision(3))) },
  ];
  const entries: ChartEntry[] = [];
  for (const metric of metrics) {
    const specs: HeatmapSpec[] = runs.map(({ run, label }, i) => {
      const tiers = tiersOf(run, 'size-matrix') ?? [];
      const sizes = [...new Map([...tiers].sort((a, b) => sizeBytesOf(a) - sizeBytesOf(b)).map((t) => [t.label ?? String(t.params['sizeBytes'] ?? '?'), true])).keys()];
      const conns = [...new Set(tiers.map((t) => t.connections))].sort((a, b) => a - b);
      const cell = (size: string, n: number) => tiers.find((t) => (t.label ?? String(t.params['sizeBytes'] ?? '?')) === size && t.connections === n);
      return {
        id: `size-matrix-${metric.key}-${i + 1}`,
        title: `Size matrix, ${metric.name}`,
        ...(runs.length > 1 ? { subtitle: label } : {}),
        rowAxisLabel: 'Payload size',
        columnAxisLabel: 'Connections',
        rows: sizes,
        columns: conns.map((n) => formatInteger(n)),
        values: sizes.map((s) => conns.map((n) => {
          const tier = cell(s, n);
          return tier === undefined ? undefined : metric.read(tier);
        })),
        format: metric.format,
        unit: metric.unit,
      };
    });
    const shared = specs.flatMap((s) => heatmapValues(s));
    const domain: [number, number] | undefined = shared.length > 0 ? [Math.min(...shared), Math.max(...shared)] : undefined;
    specs.forEach((spec, i) => {
      if (!tiersOf(runs[i]!.run, 'size-matrix')) return;
      const entry: ChartEntry = { id: spec.id, section, title: spec.subtitle ? `${spec.title}: ${spec.subtitle}` : spec.title };
      if (!hasHeatmapData(spec) || domain === undefined) {
        entries.push({ ...entry, note: 'no cell delivered any message' });
        return;
      }
      const note = runs.length > 1 ? 'Colours use one scale across the runs shown.' : undefined;
      entries.push({ ...entry, svg: renderHeatmap({ ...spec, domain }), ...(note ? { note } : {}) });
    });
  }
  return entries;
}

const OPEN_LOOP: readonly LatencyVariant[] = [
  { name: 'corrected', read: (t) => t.openLoop?.corrected ?? undefined },
  { name: 'uncorrected', read: (t) => t.openLoop?.uncorrected ?? undefined },
];

/** Open-loop tiers (--rate, --ramp): latency from the due time next to latency from the write. */
function openLoopChart(runs: readonly LabeledRun[], test: TestName): ChartEntry[] {
  if (!runs.some(({ run }) => (tiersOf(run, test) ?? []).some((t) => t.openLoop !== undefined))) return [];
  const chart = latencyChart(runs, test, `${test}-open-loop`, `${TEST_TITLES[test].split(' (')[0]}: open-loop latency, corrected vs uncorrected`,
    OPEN_LOOP, 'no open-loop latency sample was recorded');
  const why = 'Corrected = from the time each message was due (coordinated omission corrected); uncorrected = from when it was written.';
  return [{ ...chart, note: chart.svg === undefined ? chart.note! : `${why} ${chart.note ?? ''}`.trim() }];
}

/**
 * Every chart the runs have data for, grouped by test in report order. `labels` names the runs
 * (default: runLabels). Tests no run performed get no entry at all.
 */
export function buildCharts(runs: readonly RunResult[], labels: readonly string[] = runLabels(runs)): ChartEntry[] {
  const labeled = runs.map((run, i) => ({ run, label: labels[i] ?? `run ${i + 1}` }));
  const entries: ChartEntry[] = [];
  if (ran(labeled, 'throughput')) {
    entries.push(tierChart(labeled, 'throughput', 'throughput', 'Throughput vs connections', 'Delivered messages/s',
      (t) => t.messages?.deliveredPerSec ?? undefined, false, 'no tier delivered any message'));
    entries.push(...openLoopChart(labeled, 'throughput'));
  }
  if (ran(labeled, 'size-matrix')) entries.push(...sizeMatrixCharts(labeled), ...openLoopChart(labeled, 'size-matrix'));
  if (ran(labeled, 'format-comparison')) {
    entries.push(tierChart(labeled, 'format-comparison', 'format-comparison', 'Format comparison: throughput by payload format', 'Delivered messages/s',
      (t) => t.messages?.deliveredPerSec ?? undefined, true, 'no format delivered any message'));
  }
  if (ran(labeled, 'ping-latency')) {
    entries.push(latencyChart(labeled, 'ping-latency', 'ping-latency', 'Ping round-trip latency by percentile', [{ name: '', read: (t) => t.latency ?? undefined }], 'no ping was answered'));
    entries.push(...openLoopChart(labeled, 'ping-latency'));
  }
  if (ran(labeled, 'sustained-hold')) {
    entries.push(latencyChart(labeled, 'sustained-hold', 'sustained-hold-latency', 'Sustained hold: ping latency by percentile', [{ name: '', read: (t) => t.latency ?? undefined }], 'no ping was answered during the hold'));
  }
  if (ran(labeled, 'connection-storm')) {
    entries.push(tierChart(labeled, 'connection-storm', 'connection-storm-rate', 'Connection storm: accept rate', 'Connections established/s',
      (t) => t.connectRatePerSec ?? undefined, false, 'no connection was established'));
    entries.push(latencyChart(labeled, 'connection-storm', 'connection-storm-latency', 'Connection storm: connect latency by percentile', [{ name: '', read: (t) => t.connectLatency ?? undefined }], 'no connect latency was recorded'));
  }
  return entries;
}
