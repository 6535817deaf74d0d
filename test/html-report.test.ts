// `--output html` and `--svg DIR`: the page is self-contained (inline SVG and CSS, no script, no
// network), has every chart with data and every table, and the CLI writes it from a real run.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunArgs } from '../bench/options/resolve-run.js';
import { renderHtmlReport } from '../bench/report/html.js';
import { renderReport } from '../bench/report/index.js';
import { buildCharts } from '../bench/report/svg/charts.js';
import type { RunResult } from '../bench/results.js';
import { sampleRunResult } from './fixtures/run-result.js';
import { UsageError } from '../bench/options/usage-error.js';

const facts = { hasGlobalWebSocket: true, runtimeLabel: 'test' };

describe('HTML report', () => {
  const run = sampleRunResult();
  const html = renderHtmlReport([run]);

  test('is one self-contained page: inline CSS and SVG, no script, nothing fetched', () => {
    assert.match(html, /^<!doctype html>\n<html lang='en'>/);
    assert.match(html, /<style>[^<]+<\/style>/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\b(src|href)=/i);
    assert.doesNotMatch(html, /url\((?!#)/, 'CSS and SVG refer to nothing outside the page');
    const external = [...html.matchAll(/https?:\/\/[^\s'"]+/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg');
    assert.deepEqual(external, []);
    assert.match(html, /<\/body><\/html>\n$/);
  });

  test('every chart with data is inline, each in its own figure, grouped by test', () => {
    const withData = buildCharts([run]).filter((c) => c.svg !== undefined);
    assert.equal((html.match(/<svg /g) ?? []).length, withData.length);
    for (const c of withData) assert.ok(html.includes(`<figure data-chart='${c.id}'><svg`), c.id);
    assert.ok(html.indexOf('<h2>Throughput (delivered, behind a PONG barrier)</h2>') < html.indexOf("data-chart='throughput'"));
    // Element ids are unique across the page (gradients are referenced by id).
    const ids = [...html.matchAll(/\bid='([^']+)'/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('the runs and every table are there, errors and partial runs marked', () => {
    assert.match(html, /<table class='runs'>.*<td>core · node 20\.19\.0<\/td>/s);
    assert.match(html, /<td class='error'>PARTIAL: interrupted by SIGINT<\/td>/);
    assert.match(html, /<h3>Connection storm<\/h3><table><thead><tr><th>Connections<\/th><th>Accept Rate<\/th>/);
    assert.match(html, /<td>2,680\/s<\/td>/);
    assert.match(html, /<li class='error'>ERROR \(100\): client counted 1,000 delivered, server received 990<\/li>/);
    assert.match(html, /Max stable connections: 4,000/);
  });

  test('a chart without data is a one-line note, not an empty frame', () => {
    const empty = sampleRunResult();
    for (const tier of empty.tests.find((t) => t.test === 'throughput')!.tiers) delete tier.messages;
    const page = renderHtmlReport([empty]);
    assert.match(page, /<p class='omitted'>Throughput vs connections: left out, no tier delivered any message\.<\/p>/);
    assert.ok(!page.includes("data-chart='throughput'"));
  });

  test('text from results is escaped', () => {
    const hostile: RunResult = sampleRunResult();
    hostile.environment.hostname = "<script>alert('x')</script>";
    hostile.tests[0]!.tiers[0]!.notes.push('a < b & "c"');
    const page = renderHtmlReport([hostile], 'Report <1>');
    assert.doesNotMatch(page, /<script/);
    assert.match(page, /&lt;script&gt;alert\(&#39;x&#39;\)&lt;\/script&gt;/);
    assert.match(page, /<title>Report &lt;1&gt;<\/title>/);
    assert.match(page, /a &lt; b &amp; &quot;c&quot;/);
  });

  test('several runs side by side: one row and one table section each, one series each', () => {
    const other: RunResult = { ...sampleRunResult(), transport: 'ws', environment: { ...sampleRunResult().environment, runtime: 'bun', runtimeVersion: '1.4.5' } };
    const page = renderHtmlReport([run, other], 'core vs ws');
    assert.match(page, /2 runs/);
    assert.equal((page.match(/<details>/g) ?? []).length, 2, 'tables of several runs start folded');
    assert.match(page, /<summary><strong>ws · bun 1\.4\.5<\/strong><\/summary>/);
    const throughput = /<figure data-chart='throughput'>(.*?)<\/figure>/s.exec(page)![1]!;
    assert.equal((throughput.match(/<path class='series'/g) ?? []).length, 2);
    assert.ok(page.includes("data-chart='size-matrix-msgs-2'"));
    assert.ok(renderHtmlReport([run, other], 'x', ['A', 'B']).includes('<td>B</td>'), 'labels can be given');
  });

  test('renderReport(run, "html") is the one-run page', () => {
    assert.equal(renderReport(run, 'html'), renderHtmlReport([run]));
  });
});

describe('CLI: --output html and --svg', () => {
  test('--output html needs --out', () => {
    assert.throws(() => parseRunArgs(['--output', 'html'], facts), (e: unknown) => e instanceof UsageError && /--out/.test(e.message));
    const parsed = parseRunArgs(['--output', 'html', '--out', 'r.html', '--svg', 'charts'], facts);
    assert.equal(parsed.kind, 'run');
    if (parsed.kind !== 'run') return;
    assert.equal(parsed.options.output, 'html');
    assert.equal(parsed.options.outFile, 'r.html');
    assert.equal(parsed.options.svgDir, 'charts');
    const plain = parseRunArgs([], facts);
    assert.equal(plain.kind === 'run' ? plain.options.svgDir : 'x', undefined);
  });

  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bundle = join(root, 'dist/bench.js');
  let dir = '';

  before(() => {
    // The bundle from the current sources, not a stale dist/.
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
  });

  test('a real run writes the page and the chart directory', () => {
    dir = mkdtempSync(join(tmpdir(), 'wse-html-'));
    try {
      const out = join(dir, 'report.html');
      const svgDir = join(dir, 'charts');
      const r = spawnSync(process.execPath, [
        bundle, '--quick', '--test', 'throughput,connection-storm', '--tiers', '5,10', '--duration', '0.3',
        '--output', 'html', '--out', out, '--svg', svgDir,
      ], { cwd: root, encoding: 'utf8', timeout: 90_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Throughput/, 'the text tables still go to stdout');
      // the end-of-run summary names the files
      assert.match(r.stdout, /reports +.*report\.html \(html\)/);
      assert.match(r.stdout, /charts\/ \(\d+ chart\(s\) and index\.md\)/);
      const page = readFileSync(out, 'utf8');
      for (const id of ['throughput', 'connection-storm-rate', 'connection-storm-latency']) assert.ok(page.includes(`<figure data-chart='${id}'><svg`), id);
      const files = readdirSync(svgDir).sort();
      assert.deepEqual(files, ['connection-storm-latency.svg', 'connection-storm-rate.svg', 'index.md', 'throughput.svg']);
      const index = readFileSync(join(svgDir, 'index.md'), 'utf8');
      assert.match(index, /!\[Throughput vs connections\]\(throughput\.svg\)/);
      // Two tiers measured: two points on the throughput line.
      const svg = readFileSync(join(svgDir, 'throughput.svg'), 'utf8');
      assert.match(svg, /<path class='series' d='M[\d.]+ [\d.]+ L[\d.]+ [\d.]+'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      assert.equal(existsSync(dir), false);
    }
  });
});
