// The chart renderers: scales, HDR percentile curves from real histograms, run labels, and the
// SVG each chart produces from constructed results (well-formed, with axes, legend and data).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LatencySummary, RunResult, TierResult } from '../bench/results.js';
import { createLatencyHistogram, recordMicros, summarizeHistogram } from '../bench/stats/histogram.js';
import { buildCharts, type ChartEntry } from '../bench/report/svg/charts.js';
import { renderSvgDirectory, writeSvgDirectory } from '../bench/report/svg/directory.js';
import { renderHeatmap } from '../bench/report/svg/heatmap.js';
import { renderLineChart } from '../bench/report/svg/line-chart.js';
import { linearScale, logScale, percentileDepth, percentileScale, tierScale } from '../bench/report/svg/scale.js';
import { sampleRunResult } from './fixtures/run-result.js';
import { formatCount, formatMicros } from '../bench/report/format.js';
import { latencyCurve, runLabels } from '../bench/report/svg/series.js';

/** Throws unless `xml` is one well-formed element tree (tags balanced, attributes quoted). */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+='[^'<]*'|\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|>/g;
  let roots = 0;
  for (const m of body.matchAll(tag)) {
    if (m[2] === undefined) {
      // A bare < or > in text: escaping failed (text may hold '>' only inside attributes, escaped).
      assert.fail(`stray "${m[0]}" at ${m.index}: …${body.slice(Math.max(0, m.index! - 40), m.index! + 40)}…`);
    }
    if (m[1] === '/') {
      assert.equal(stack.pop(), m[2], `closing </${m[2]}> at ${m.index}`);
    } else if (m[4] !== '/') {
      if (stack.length === 0) roots++;
      stack.push(m[2]);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'one root element');
}

function latencyFrom(values: number[]): LatencySummary {
  const h = createLatencyHistogram();
  for (const v of values) recordMicros(h, v);
  const summary = summarizeHistogram(h)!;
  h.destroy();
  return summary;
}

function chart(entries: ChartEntry[], id: string): ChartEntry {
  const found = entries.find((e) => e.id === id);
  assert.ok(found, `chart ${id} among ${entries.map((e) => e.id).join(', ')}`);
  return found;
}

/** Numbers of the path's d attribute, as [x, y] pairs. */
function pathPoints(svg: string): [number, number][][] {
  return [...svg.matchAll(/<path class='series' d='([^']+)'/g)].map((m) =>
    [...m[1]!.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((p) => [Number(p[1]), Number(p[2])] as [number, number]));
}

describe('scales', () => {
  test('linear axes start at zero and end on a 1-2-5 step above the data', () => {
    assert.deepEqual(linearScale(116_200, 300, 0).ticks, [0, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000]);
    assert.deepEqual(linearScale(0, 300, 0).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    const s = linearScale(100, 300, 0);
    assert.equal(s.at(0), 300);
    assert.equal(s.at(100), 0);
  });

  test('log axes cover whole decades; a single value gets room on both sides', () => {
    const s = logScale(150, 80_000, 0, 600);
    assert.equal(s.ticks[0], 100);
    assert.equal(s.ticks.at(-1), 100_000);
    assert.ok(Math.abs(s.at(1000) - 200) < 1e-9);
    const one = logScale(500, 500, 0, 100);
    assert.ok(one.at(500) > 0 && one.at(500) < 100);
  });

  test('connection axes label every tier', () => {
    const s = tierScale([100, 1000, 5000, 500], 0, 600);
    assert.deepEqual(s.ticks, [100, 500, 1000, 5000]);
    assert.ok(s.at(100) > 0 && s.at(5000) < 600 && s.at(100) < s.at(500));
  });

  test('the percentile axis spaces 90, 99, 99.9 … evenly (log of 1 / (1 − p))', () => {
    assert.equal(percentileDepth(0), 0);
    assert.ok(Math.abs(percentileDepth(99) - 2) < 1e-9);
    assert.ok(Math.abs(percentileDepth(99.999) - 5) < 1e-6);
    const s = percentileScale(3, 0, 300);
    assert.deepEqual(s.percentiles, [0, 50, 90, 99, 99.9]);
    assert.ok(Math.abs(s.at(percentileDepth(99)) - 200) < 1e-6);
  });
});

describe('series', () => {
  test('number formats for axes and tooltips', () => {
    assert.equal(formatCount(2_500), '2.5K');
    assert.equal(formatCount(116_200), '116K');
    assert.equal(formatCount(7_020_000), '7.02M');
    assert.equal(formatCount(0), '0');
    assert.equal(formatMicros(250), '250 µs');
    assert.equal(formatMicros(6_100), '6.1 ms');
    assert.equal(formatMicros(1_160_000), '1,160 ms');
  });

  test('a latency curve comes from the whole HDR histogram, up to the depth its count supports', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const curve = latencyCurve(latencyFrom(values));
    assert.equal(curve.source, 'histogram');
    assert.ok(Math.abs(curve.depth - 4) < 1e-9);
    assert.ok(curve.points.length > 60, `${curve.points.length} points`);
    for (let i = 1; i < curve.points.length; i++) {
      assert.ok(curve.points[i]!.x > curve.points[i - 1]!.x, 'x increases');
      assert.ok(curve.points[i]!.y >= curve.points[i - 1]!.y, 'latency never falls with the percentile');
    }
    const atDepth = (d: number) => curve.points.find((p) => Math.abs(p.x - d) < 0.026)!.y;
    assert.ok(Math.abs(atDepth(percentileDepth(50)) - 5_000) <= 10, `p50 ${atDepth(percentileDepth(50))}`);
    assert.ok(Math.abs(atDepth(2) - 9_900) <= 10, `p99 ${atDepth(2)}`);
    assert.ok(Math.abs(curve.points.at(-1)!.y - 10_000) <= 10, 'the curve ends at the maximum');
  });

  test('an undecodable histogram falls back to the stored percentiles, and says so', () => {
    const summary: LatencySummary = { count: 5000, min: 1, mean: 2, p50: 100, p95: 200, p99: 300, p999: 400, p9999: 500, max: 600, hdr: 'not-a-histogram' };
    const curve = latencyCurve(summary);
    assert.equal(curve.source, 'summary');
    assert.deepEqual(curve.points.map((p) => p.y), [100, 200, 300, 400, 600]);
    assert.deepEqual(latencyCurve({ ...summary, count: 0 }).points, []);
  });

  test('run labels: transport and runtime, plus only what differs; identical runs are numbered', () => {
    const a = sampleRunResult();
    const b = { ...sampleRunResult(), transport: 'ws' as const, server: { ...a.server, url: 'ws://127.0.0.1:40001/wse' } };
    assert.deepEqual(runLabels([a, b]), ['core · node 20.19.0', 'ws · node 20.19.0']);
    assert.deepEqual(runLabels([a, sampleRunResult()]), ['core · node 20.19.0 #1', 'core · node 20.19.0 #2']);
    const c = { ...sampleRunResult(), procs: 4 };
    assert.deepEqual(runLabels([a, c]), ['core · node 20.19.0 · 1 procs', 'core · node 20.19.0 · 4 procs']);
  });
});

describe('line chart', () => {
  const spec = {
    id: 't', title: 'Throughput <vs> connections', xAxis: { kind: 'tiers' as const, label: 'Connections' }, yLabel: 'msg/s',
    yScale: 'linear' as const, formatY: formatCount, formatX: String,
    series: [
      { label: 'core & friends', points: [{ x: 100, y: 116_000 }, { x: 1000, y: 88_000, hollow: true, remark: 'partial' }] },
      { label: 'ws', points: [{ x: 100, y: 60_000 }, { x: 1000, y: 50_000 }] },
    ],
  };
  const svg = renderLineChart(spec);

  test('is well-formed SVG with escaped text', () => {
    assertWellFormed(svg);
    assert.ok(svg.includes('Throughput &lt;vs&gt; connections'));
    assert.ok(svg.includes('core &amp; friends'));
  });

  test('has axes with labels and ticks, a legend, and one path per series inside the plot', () => {
    assert.match(svg, /class='axis-label x-label'[^>]*>Connections \(log scale\)</);
    assert.match(svg, /class='axis-label y-label'[^>]*>msg\/s</);
    for (const tick of ['0', '40K', '120K', '100', '1000']) assert.match(svg, new RegExp(`class='tick-label'[^>]*>${tick}<`));
    assert.equal((svg.match(/class='legend-item'/g) ?? []).length, 2);
    const paths = pathPoints(svg);
    assert.equal(paths.length, 2);
    for (const path of paths) {
      assert.equal(path.length, 2);
      for (const [x, y] of path) assert.ok(x >= 84 && x <= 550 && y >= 48 && y <= 358, `${x},${y} inside the plot`);
    }
    // Higher throughput is drawn higher; the partial tier's marker is hollow.
    assert.ok(paths[0]![0]![1] < paths[1]![0]![1]);
    assert.match(svg, /fill='#fff'[^>]*><title>core &amp; friends: 88K at 1000 \(partial\)/);
    assert.match(svg, /class='value-label'[^>]*>116K</);
  });
});

describe('heatmap', () => {
  const spec = {
    id: 'h', title: 'Size matrix', rowAxisLabel: 'Payload size', columnAxisLabel: 'Connections',
    rows: ['64 B', '64 KB'], columns: ['100', '1,000'], values: [[124_000, 100_000], [6_000, undefined]], format: formatCount, unit: 'msg/s',
  };

  test('one coloured cell per measured value, printed; unmeasured cells say so', () => {
    const svg = renderHeatmap(spec);
    assertWellFormed(svg);
    assert.equal((svg.match(/<rect class='cell'/g) ?? []).length, 3);
    assert.equal((svg.match(/class='cell-missing'/g) ?? []).length, 1);
    for (const v of ['124K', '100K', '6K']) assert.match(svg, new RegExp(`class='cell-value'[^>]*>${v}<`));
    assert.match(svg, /msg\/s \(log colour scale\)/);
    const fills = [...svg.matchAll(/<rect class='cell'[^>]*fill='(rgb[^']+)'/g)].map((m) => m[1]);
    assert.notEqual(fills[0], fills[2], 'the largest and the smallest value get different colours');
  });

  test('a shared domain gives equal values equal colours across maps', () => {
    const a = renderHeatmap({ ...spec, domain: [1_000, 200_000] });
    const b = renderHeatmap({ ...spec, id: 'h2', values: [[100_000, 5_000], [1_000, 200_000]], domain: [1_000, 200_000] });
    const fillOf = (svg: string, text: string) => new RegExp(`fill='(rgb[^']+)'[^>]*><title>[^<]*: ${text} msg/s`).exec(svg)?.[1];
    assert.ok(fillOf(a, '100K'));
    assert.equal(fillOf(a, '100K'), fillOf(b, '100K'));
  });
});

describe('charts from results', () => {
  const run = sampleRunResult();
  const charts = buildCharts([run]);

  test('one chart per kind of data, each well-formed, with data', () => {
    const ids = charts.map((c) => c.id);
    for (const id of ['throughput', 'size-matrix-msgs-1', 'size-matrix-mbs-1', 'format-comparison', 'ping-latency', 'sustained-hold-latency', 'connection-storm-rate', 'connection-storm-latency']) {
      assert.ok(ids.includes(id), id);
    }
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const c of charts) {
      assert.ok(c.svg, `${c.id} has data`);
      assertWellFormed(c.svg);
      assert.match(c.svg, /class='axis-label x-label'/);
    }
  });

  test('throughput plots the delivered rate per tier; the partial tier is marked', () => {
    const svg = chart(charts, 'throughput').svg!;
    assert.equal(pathPoints(svg)[0]!.length, 2);
    assert.match(svg, /116K at 100</);
    assert.match(svg, /88K at 1,000 \(partial: interrupted by SIGINT\)/);
    assert.match(chart(charts, 'throughput').note!, /partial/);
    assert.doesNotMatch(chart(charts, 'throughput').note!, /One tier/);
    assert.match(chart(charts, 'format-comparison').note!, /^One tier measured/, 'a lone point says why it is alone');
  });

  test('storm accept rate and the size matrix carry the tables\' numbers', () => {
    assert.match(chart(charts, 'connection-storm-rate').svg!, /1.09K at 100</);
    assert.match(chart(charts, 'connection-storm-rate').svg!, /2.68K at 1,000</);
    const msgs = chart(charts, 'size-matrix-msgs-1').svg!;
    assert.match(msgs, /class='cell-value'[^>]*>124K</);
    assert.match(msgs, /class='cell-value'[^>]*>6K</);
    assert.match(chart(charts, 'size-matrix-mbs-1').svg!, /class='cell-value'[^>]*>393</);
    // Rows ordered by payload size.
    assert.ok(msgs.indexOf('>64 B<') < msgs.indexOf('>64 KB<'));
  });

  test('latency curves from real histograms; the fixture\'s stand-in histograms fall back to percentiles', () => {
    const withHistogram = sampleRunResult();
    withHistogram.tests.find((t) => t.test === 'ping-latency')!.tiers[0]!.latency = latencyFrom(Array.from({ length: 2000 }, (_, i) => 500 + i * 10));
    const ping = chart(buildCharts([withHistogram]), 'ping-latency');
    assert.doesNotMatch(ping.note!, /not decodable/);
    assert.ok(pathPoints(ping.svg!)[0]!.length > 40);
    for (const p of ['0%', '50%', '90%', '99%', '99.9%']) assert.match(ping.svg!, new RegExp(`class='tick-label'[^>]*>${p.replace('.', '\\.')}<`));
    assert.doesNotMatch(ping.svg!, />99\.99%</, 'the axis stops where 2,000 samples stop');
    assert.match(chart(charts, 'ping-latency').note!, /Histogram not decodable, stored percentiles only: 100 conns/);
  });

  test('several runs: one series per run on line charts, one heatmap per run', () => {
    const other: RunResult = { ...sampleRunResult(), transport: 'ws' };
    const both = buildCharts([run, other]);
    const svg = chart(both, 'throughput').svg!;
    assert.equal(pathPoints(svg).length, 2);
    assert.match(svg, />core · node 20\.19\.0</);
    assert.match(svg, />ws · node 20\.19\.0</);
    assert.ok(chart(both, 'size-matrix-msgs-2').svg!.includes('ws · node 20.19.0'));
    assert.equal(pathPoints(chart(both, 'connection-storm-latency').svg!).length, 4, '2 runs × 2 tiers');
  });

  test('no data: the chart is left out with a one-line note, never drawn empty', () => {
    const empty = sampleRunResult();
    const throughput = empty.tests.find((t) => t.test === 'throughput')!;
    for (const tier of throughput.tiers) delete tier.messages;
    empty.tests.find((t) => t.test === 'ping-latency')!.tiers = [];
    const entries = buildCharts([empty]);
    assert.equal(chart(entries, 'throughput').svg, undefined);
    assert.equal(chart(entries, 'throughput').note, 'no tier delivered any message');
    assert.equal(chart(entries, 'ping-latency').svg, undefined);
    // A test the run did not perform gets no entry at all.
    const only: RunResult = { ...sampleRunResult(), tests: sampleRunResult().tests.filter((t) => t.test === 'throughput') };
    assert.deepEqual(buildCharts([only]).map((c) => c.id), ['throughput']);
  });

  test('open-loop tiers get corrected and uncorrected curves', () => {
    const open = sampleRunResult();
    const tier: TierResult = open.tests.find((t) => t.test === 'throughput')!.tiers[0]!;
    tier.openLoop = {
      requestedPerSec: 10_000, requestedPerConnectionPerSec: 100, achievedPerSec: 9_000, probeEvery: 10, behindAtScheduleEnd: 0,
      corrected: latencyFrom(Array.from({ length: 1000 }, (_, i) => 1000 + i * 1000)),
      uncorrected: latencyFrom(Array.from({ length: 1000 }, () => 900)),
    };
    const c = chart(buildCharts([open]), 'throughput-open-loop');
    assert.ok(c.svg);
    assert.match(c.svg, />100 conns · corrected</);
    assert.match(c.svg, />100 conns · uncorrected</);
    assert.match(c.note!, /coordinated omission/);
    const strokes = [...c.svg.matchAll(/<path class='series'[^>]*stroke='([^']+)'([^>]*)/g)].map((m) => [m[1], m[2]!.includes('stroke-dasharray')]);
    assert.deepEqual(strokes, [[strokes[0]![0], false], [strokes[0]![0], true]], 'one colour per tier, uncorrected dashed');
    assert.equal(buildCharts([sampleRunResult()]).some((e) => e.id.endsWith('open-loop')), false);
  });
});

describe('--svg directory', () => {
  test('one .svg per chart with data and an index.md embedding each', () => {
    const files = renderSvgDirectory([sampleRunResult()]);
    const index = files.find((f) => f.name === 'index.md')!.content;
    const svgs = files.filter((f) => f.name.endsWith('.svg'));
    assert.equal(svgs.length, buildCharts([sampleRunResult()]).length);
    for (const f of svgs) {
      assert.ok(index.includes(`](${f.name})`), f.name);
      assert.match(f.content, /^<\?xml/);
      assertWellFormed(f.content);
    }
    assert.match(index, /^# WSE benchmark report/);
    assert.match(index, /\| Connections \| Msg\/s \|/, 'the tables follow the charts');
  });

  test('left-out charts are one line in index.md; files land in the directory', () => {
    const empty = sampleRunResult();
    for (const tier of empty.tests.find((t) => t.test === 'throughput')!.tiers) delete tier.messages;
    const dir = mkdtempSync(join(tmpdir(), 'wse-svg-'));
    try {
      const written = writeSvgDirectory(join(dir, 'charts'), [empty]);
      const names = readdirSync(join(dir, 'charts')).sort();
      assert.deepEqual(names, written.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort());
      assert.ok(!names.includes('throughput.svg'));
      const index = readFileSync(join(dir, 'charts', 'index.md'), 'utf8');
      assert.match(index, /_Throughput vs connections: left out, no tier delivered any message\._/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
