// `--output html`: one self-contained page (inline SVG and CSS; no script, no network) with the
// charts of one or several runs side by side, the runs' descriptions, and every table.
import type { RunResult } from '../results.js';
import { buildCharts, type ChartEntry } from './svg/charts.js';
import { escapeXml as escapeHtml } from './svg/markup.js';
import { runLabels } from './svg/series.js';
import { runHeaderLines, runTables, type Table } from './tables.js';

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1640px; padding: 0 20px; color: #1b1b1b; background: #fafafa; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: #555; margin: 0 0 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
figure { margin: 0; background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 8px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12.5px; color: #444; max-width: 760px; padding: 6px 4px 2px; }
.omitted { color: #6b4f00; background: #fff8e1; border-left: 3px solid #e0b000; padding: 4px 10px; margin: 6px 0; font-size: 13.5px; }
table { border-collapse: collapse; margin: 6px 0 4px; background: #fff; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 9px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
.lines { font-size: 12.5px; margin: 2px 0 12px; padding-left: 18px; }
.error { color: #b00020; font-weight: 600; }
.runs th, .runs td { text-align: left; white-space: normal; }
.header-lines { font-size: 12.5px; color: #444; margin: 4px 0; }
`;

function runsTable(runs: readonly RunResult[], labels: readonly string[]): string {
  const rows = runs.map((run, i) => {
    const env = run.environment;
    const server = run.server.embedded
      ? `embedded ${run.server.transport ?? '?'}, mode ${run.server.mode ?? '?'}, ${run.server.workers ?? 1} worker(s)`
      : `external ${run.server.url}`;
    const cells = [
      labels[i] ?? `run ${i + 1}`,
      `${env.runtime} ${env.runtimeVersion}`,
      run.transport,
      String(run.procs),
      server,
      `${env.cpuModel}, ${env.cpus} cores (${env.hostname})`,
      `${run.startedAt} → ${run.finishedAt}`,
      runStatus(run),
    ];
    const failed = run.partial !== undefined || run.nothingMeasured !== undefined;
    return `<tr>${cells.map((c, k) => `<td${k === 7 && failed ? " class='error'" : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  const headers = ['Run', 'Runtime', 'Transport', 'Procs', 'Server', 'Machine', 'Time', 'Status'];
  return `<table class='runs'><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** 'complete', or what went wrong: partial, tests not run, nothing measured. */
function runStatus(run: RunResult): string {
  const status: string[] = [];
  if (run.nothingMeasured !== undefined) status.push(`NOTHING MEASURED: ${run.nothingMeasured}`);
  if (run.partial !== undefined) status.push(`PARTIAL: ${run.partial}`);
  if (run.notRun !== undefined) status.push(`not run: ${run.notRun.map((t) => t.test).join(', ')}`);
  return status.length === 0 ? 'complete' : status.join('; ');
}

function chartSections(charts: readonly ChartEntry[]): string[] {
  const out: string[] = [];
  const sections = [...new Set(charts.map((c) => c.section))];
  for (const section of sections) {
    out.push(`<section class='chart-section'><h2>${escapeHtml(section)}</h2><div class='charts'>`);
    const omitted: string[] = [];
    for (const chart of charts.filter((c) => c.section === section)) {
      if (chart.svg === undefined) {
        omitted.push(`<p class='omitted'>${escapeHtml(chart.title)}: left out, ${escapeHtml(chart.note ?? 'no data')}.</p>`);
        continue;
      }
      out.push(`<figure data-chart='${escapeHtml(chart.id)}'>${chart.svg}${chart.note ? `<figcaption>${escapeHtml(chart.note)}</figcaption>` : ''}</figure>`);
    }
    out.push('</div>', ...omitted, '</section>');
  }
  return out;
}

function htmlTable(table: Table): string {
  const head = `<tr>${table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  const lines = table.lines.map((l) => `<li${/^(ERROR|PARTIAL)/.test(l) ? " class='error'" : ''}>${escapeHtml(l)}</li>`).join('');
  return `<h3>${escapeHtml(table.title)}</h3><table><thead>${head}</thead><tbody>${body || `<tr><td colspan='${table.headers.length}'>(no results)</td></tr>`}</tbody></table>${lines ? `<ul class='lines'>${lines}</ul>` : ''}`;
}

function runSection(run: RunResult, label: string, open: boolean): string {
  const header = runHeaderLines(run).map((l) => `<div class='header-lines${/^(PARTIAL|NOT RUN|NOTHING)/.test(l) ? ' error' : ''}'>${escapeHtml(l)}</div>`).join('');
  const tables = runTables(run).map(htmlTable).join('\n');
  return `<details${open ? ' open' : ''}><summary><strong>${escapeHtml(label)}</strong></summary>${header}${tables}</details>`;
}

/**
 * The HTML report for one run, or several side by side (compare rounds, merged inputs). `labels`
 * names each run in legends and headings; default: transport · runtime, plus what differs.
 */
export function renderHtmlReport(runs: readonly RunResult[], title = 'WSE benchmark report', labels: readonly string[] = runLabels(runs)): string {
  const charts = buildCharts(runs, labels);
  const first = runs[0];
  const tool = first ? `${first.tool.name} ${first.tool.version}` : 'wse-bench';
  const parts = [
    '<!doctype html>',
    "<html lang='en'><head><meta charset='utf-8'>",
    "<meta name='viewport' content='width=device-width, initial-scale=1'>",
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class='sub'>${escapeHtml(tool)} · ${runs.length} run${runs.length === 1 ? '' : 's'}</p>`,
    runsTable(runs, labels),
    ...(charts.length === 0 ? ["<p class='omitted'>No test of these runs has a chart (connection-limit has tables only).</p>"] : chartSections(charts)),
    `<h2>Tables</h2>`,
    ...runs.map((run, i) => runSection(run, labels[i] ?? `run ${i + 1}`, runs.length === 1)),
    '</body></html>',
  ];
  return `${parts.join('\n')}\n`;
}
