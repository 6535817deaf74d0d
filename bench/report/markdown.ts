// Markdown report in the reference's table layout (`--output markdown`).
import type { RunResult } from '../results.js';
import { runHeaderLines, tablesForTest, thresholdTable, type Table } from './tables.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A cell that reads as a figure: '116K', '6.1 ms', '-3.2%', '1,087/s', '0.98 cores', or '-' for none. */
const FIGURE = /^(-|[-+]?[\d.,]+\s*\S*(\s+\S+)?)$/;

/** Columns of figures are right-aligned (`---:`); the first column (the row's name) and text columns left. */
function alignment(table: Table, column: number): string {
  if (column === 0) return '---';
  const cells = table.rows.map((row) => row[column] ?? '').filter((cell) => cell !== '' && cell !== '-');
  return cells.length > 0 && cells.every((cell) => FIGURE.test(cell) && /\d/.test(cell)) ? '---:' : '---';
}

export function renderMarkdownTable(table: Table, level: string): string {
  const out = [`${level} ${table.title}`, '', `| ${table.headers.map(escapeCell).join(' | ')} |`];
  out.push(`|${table.headers.map((_, i) => alignment(table, i)).join('|')}|`);
  for (const row of table.rows) out.push(`| ${row.map(escapeCell).join(' | ')} |`);
  if (table.lines.length > 0) {
    out.push('');
    for (const extra of table.lines) out.push(extra.startsWith('ERROR') || extra.startsWith('PARTIAL') ? `**${extra}**  ` : `${extra}  `);
  }
  return out.join('\n');
}

export function renderMarkdown(run: RunResult): string {
  const blocks = ['# WSE benchmark', runHeaderLines(run).map((l) => `${l}  `).join('\n')];
  for (const test of run.tests) {
    // a test's first table is its section; the others (bandwidth, open loop, load) are subsections
    tablesForTest(test, { perWorker: run.options.perWorker === true }).forEach((table, i) => blocks.push(renderMarkdownTable(table, i === 0 ? '##' : '###')));
  }
  const thresholds = thresholdTable(run);
  if (thresholds !== undefined) blocks.push(renderMarkdownTable(thresholds, '##'));
  return `${blocks.join('\n\n')}\n`;
}
