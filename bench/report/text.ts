// Plain-text report: aligned tables on stdout.
import type { RunResult } from '../results.js';
import { runHeaderLines, runTables, type Table } from './tables.js';

export function renderTable(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  // First column left-aligned (labels), numbers right-aligned.
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [table.title, line(table.headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(row));
  if (table.rows.length === 0) out.push('(no results)');
  for (const extra of table.lines) out.push(extra);
  return out.join('\n');
}

export function renderText(run: RunResult): string {
  const blocks = [runHeaderLines(run).join('\n'), ...runTables(run).map(renderTable)];
  return `${blocks.join('\n\n')}\n`;
}
