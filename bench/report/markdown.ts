// Markdown report in the reference's table layout (`--output markdown`).
import type { RunResult } from '../results.js';
import { runHeaderLines, tablesForTest, type Table } from './tables.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdownTable(table: Table, level: string): string {
  const out = [`${level} ${table.title}`, '', `| ${table.headers.map(escapeCell).join(' | ')} |`];
  out.push(`|${table.headers.map(() => '---').join('|')}|`);
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
    tablesForTest(test, { perWorker: run.options.perWorker === true }).forEach((table, i) => blocks.push(renderMarkdownTable(table, i === 0 ? '##' : '###')));
  }
  return `${blocks.join('\n\n')}\n`;
}
