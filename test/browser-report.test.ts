// Opens HTML reports in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// and checks that every chart rendered with data: non-empty boxes, plotted paths and cells with
// real coordinates, axis labels and legends, no text outside its chart. Screenshots go to
// .build/browser-report/<runtime>-report.png for a human to look at.
// Pages: one from a real run of dist/bench.js, and two runs of it side by side.
// Without /usr/bin/chromium the suite fails under CI=true and, elsewhere, reports by its test name
// that it did not run. playwright-core works under Node and under Bun here, so every runtime runs it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtmlReport } from '../bench/report/html.js';
import type { RunResult } from '../bench/results.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = fileURLToPath(new URL('../..', import.meta.url));
const runtime = (process.versions as Record<string, string | undefined>)['bun'] ? 'bun' : `node${process.versions.node.split('.')[0]}`;
// Each run works in a directory of its own (suites may run concurrently) and at the end renames
// its screenshots and page to stable names: .build/browser-report/<runtime>-report.png, …
const reportDir = join(root, '.build', 'browser-report');
const outDir = join(reportDir, `${runtime}-${process.pid}`);

/** What the page says about each chart, measured by the browser after layout. */
interface ChartFacts {
  id: string;
  kind: 'line' | 'heatmap';
  width: number;
  height: number;
  axisLabels: string[];
  tickLabels: number;
  legendItems: number;
  /** Line charts: per series path, its points (x, y) in SVG units. */
  paths: [number, number][][];
  /** Markers and cells with a position inside the chart's view box. */
  markersInside: number;
  markers: number;
  cells: { width: number; height: number; fill: string }[];
  /** Texts whose box sticks out of the chart's box (clipped titles, labels). */
  overflowing: string[];
  emptyTexts: number;
}

async function chartFacts(page: Page): Promise<ChartFacts[]> {
  return page.evaluate(() => {
    const out: ChartFacts[] = [];
    for (const svg of Array.from(document.querySelectorAll<SVGSVGElement>('svg.chart'))) {
      const box = svg.getBoundingClientRect();
      const view = svg.viewBox.baseVal;
      const scale = box.width / view.width;
      const texts = Array.from(svg.querySelectorAll('text'));
      const overflowing = texts
        .filter((t) => {
          const r = t.getBoundingClientRect();
          return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
        })
        .map((t) => t.textContent ?? '');
      const paths = Array.from(svg.querySelectorAll('path.series')).map((p) =>
        Array.from((p.getAttribute('d') ?? '').matchAll(/[ML](\S+) (\S+)/g)).map((m) => [Number(m[1]), Number(m[2])] as [number, number]));
      const markers = Array.from(svg.querySelectorAll('circle.point'));
      const markersInside = markers.filter((c) => {
        const r = c.getBoundingClientRect();
        return r.width > 0 && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
      }).length;
      out.push({
        id: svg.id,
        kind: svg.classList.contains('heatmap') ? 'heatmap' : 'line',
        width: box.width,
        height: box.height,
        axisLabels: Array.from(svg.querySelectorAll('.axis-label')).map((t) => (t.getBoundingClientRect().width > 0 ? t.textContent ?? '' : '')),
        tickLabels: svg.querySelectorAll('.tick-label').length,
        legendItems: svg.querySelectorAll('.legend-item').length,
        paths,
        markersInside,
        markers: markers.length,
        cells: Array.from(svg.querySelectorAll<SVGRectElement>('rect.cell')).map((c) => {
          const r = c.getBoundingClientRect();
          return { width: r.width / scale, height: r.height / scale, fill: getComputedStyle(c).fill };
        }),
        overflowing,
        emptyTexts: texts.filter((t) => (t.textContent ?? '').trim() === '').length,
      });
    }
    return out;
  });
}

function checkChart(c: ChartFacts): void {
  assert.ok(c.width > 100 && c.height > 100, `${c.id}: rendered ${c.width}×${c.height}`);
  assert.ok(c.axisLabels.length >= 2 && c.axisLabels.every((l) => l.trim() !== ''), `${c.id}: axis labels ${JSON.stringify(c.axisLabels)}`);
  assert.ok(c.tickLabels >= 2, `${c.id}: ${c.tickLabels} tick labels`);
  assert.deepEqual(c.overflowing, [], `${c.id}: text outside the chart`);
  assert.equal(c.emptyTexts, 0, `${c.id}: empty text elements`);
  if (c.kind === 'heatmap') {
    assert.ok(c.cells.length >= 2, `${c.id}: ${c.cells.length} cells`);
    for (const cell of c.cells) assert.ok(cell.width > 10 && cell.height > 10, `${c.id}: cell ${cell.width}×${cell.height}`);
    assert.ok(new Set(c.cells.map((cell) => cell.fill)).size >= 2, `${c.id}: cells should differ in colour`);
    return;
  }
  assert.ok(c.paths.length >= 1, `${c.id}: no series`);
  assert.equal(c.legendItems, c.paths.length, `${c.id}: one legend entry per series`);
  for (const path of c.paths) {
    assert.ok(path.length >= 2, `${c.id}: a series with ${path.length} point(s)`);
    for (const [x, y] of path) assert.ok(Number.isFinite(x) && Number.isFinite(y), `${c.id}: coordinate ${x},${y}`);
    const xs = path.map((p) => p[0]);
    assert.ok(Math.max(...xs) - Math.min(...xs) > 20, `${c.id}: a series spans no width`);
  }
  assert.ok(c.markers > 0 && c.markersInside === c.markers, `${c.id}: ${c.markersInside}/${c.markers} markers inside`);
}

const chromiumPresent = existsSync(CHROMIUM);
const inCi = process.env['CI'] === 'true';

if (!chromiumPresent && !inCi) {
  describe('browser report', () => {
    test(`NOT RUN: ${CHROMIUM} is missing (apt-get install -y chromium); the HTML report was not checked in a browser`, () => {
      process.stderr.write(`browser-report: NOT RUN, ${CHROMIUM} is missing\n`);
    });
  });
} else {
  describe('browser report', () => {
    let browser: Browser | undefined;
    let run: RunResult | undefined;
    const reportPath = join(outDir, 'report.html');
    const jsonPath = join(outDir, 'report.json');

    before(async () => {
      assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir, { recursive: true });
      const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
      assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
      // A real run, small but with two tiers, so every line has two points.
      const r = spawnSync(process.execPath, [
        join(root, 'dist/bench.js'), '--quick', '--test', 'throughput,ping-latency,size-matrix,connection-storm',
        '--tiers', '10,40', '--duration', '1', '--cell-duration', '0.5', '--sizes', '64,1024,16384', '--pings', '20',
        '--output', 'html', '--out', reportPath,
      ], { cwd: root, encoding: 'utf8', timeout: 100_000 });
      assert.equal(r.status, 0, `the benchmark run failed: ${r.stderr}`);
      // The same run's JSON for the side-by-side page: rendered again from the run's tables' source.
      const j = spawnSync(process.execPath, [
        join(root, 'dist/bench.js'), '--quick', '--test', 'throughput,ping-latency', '--tiers', '10,40', '--duration', '0.5', '--pings', '20',
        '--transport', 'ws', '--output', 'json', '--out', jsonPath,
      ], { cwd: root, encoding: 'utf8', timeout: 100_000 });
      assert.equal(j.status, 0, `the ws run failed: ${j.stderr}`);
      run = JSON.parse(readFileSync(jsonPath, 'utf8')) as RunResult;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });

    after(async () => {
      await browser?.close();
      for (const name of ['report.png', 'side-by-side.png', 'report.html']) {
        if (existsSync(join(outDir, name))) renameSync(join(outDir, name), join(reportDir, `${runtime}-${name}`));
      }
      rmSync(outDir, { recursive: true, force: true });
    });

    async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
      const page = await browser!.newPage({ viewport: { width: 1640, height: 1000 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      return { page, requests, errors };
    }

    test('the report of a real run: every chart rendered with data, nothing fetched', async () => {
      const { page, requests, errors } = await open(reportPath);
      try {
        const charts = await chartFacts(page);
        const ids = charts.map((c) => c.id);
        for (const id of ['throughput', 'size-matrix-msgs-1', 'size-matrix-mbs-1', 'ping-latency', 'connection-storm-rate', 'connection-storm-latency']) {
          assert.ok(ids.includes(id), `${id} among ${ids.join(', ')}`);
        }
        for (const c of charts) checkChart(c);
        assert.equal(await page.locator('.omitted').count(), 0, 'no chart left out');
        assert.deepEqual(requests, [pathToFileURL(reportPath).href], 'the page loads nothing but itself');
        assert.deepEqual(errors, []);
        await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });

    test('two runs side by side: a series per run, a heatmap per run', async () => {
      const core = JSON.parse(JSON.stringify(run)) as RunResult;
      core.transport = 'core';
      const file = join(outDir, 'side-by-side.html');
      writeFileSync(file, renderHtmlReport([run!, core], 'ws vs core (same numbers)'));
      const { page, errors } = await open(file);
      try {
        const charts = await chartFacts(page);
        for (const c of charts) checkChart(c);
        const throughput = charts.find((c) => c.id === 'throughput')!;
        assert.equal(throughput.paths.length, 2);
        assert.equal(charts.find((c) => c.id === 'ping-latency')!.paths.length, 4, '2 runs × 2 tiers');
        assert.deepEqual(errors, []);
        await page.screenshot({ path: join(outDir, 'side-by-side.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
}
