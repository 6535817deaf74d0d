// `--svg DIR`: the HTML report's charts as separate .svg files, and an index.md that embeds them
// (with the tables below) for a markdown report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../results.js';
import { renderMarkdownTable } from '../markdown.js';
import { runHeaderLines, tablesForTest } from '../tables.js';
import { buildCharts } from './charts.js';
import { runLabels } from './series.js';

export interface SvgDirectoryFile {
  /** File name inside the directory: 'throughput.svg', 'index.md'. */
  name: string;
  content: string;
}

/** The files `--svg DIR` writes: one .svg per chart with data, then index.md. */
export function renderSvgDirectory(runs: readonly RunResult[], title = 'WSE benchmark report', labels: readonly string[] = runLabels(runs)): SvgDirectoryFile[] {
  const charts = buildCharts(runs, labels);
  const files: SvgDirectoryFile[] = [];
  const md: string[] = [`# ${title}`];
  runs.forEach((run, i) => {
    md.push(`${runs.length > 1 ? `**${labels[i] ?? `run ${i + 1}`}**  \n` : ''}${runHeaderLines(run).map((l) => `${l}  `).join('\n')}`);
  });
  let section: string | undefined;
  for (const chart of charts) {
    if (chart.section !== section) {
      section = chart.section;
      md.push(`## ${section}`);
    }
    if (chart.svg === undefined) {
      md.push(`_${chart.title}: left out, ${chart.note ?? 'no data'}._`);
      continue;
    }
    const name = `${chart.id}.svg`;
    files.push({ name, content: `<?xml version='1.0' encoding='UTF-8'?>\n${chart.svg}\n` });
    md.push(`![${chart.title.replace(/[[\]]/g, '')}](${name})${chart.note ? `\n\n_${chart.note}_` : ''}`);
  }
  md.push('## Tables');
  runs.forEach((run, i) => {
    if (runs.length > 1) md.push(`### ${labels[i] ?? `run ${i + 1}`}`);
    for (const test of run.tests) for (const table of tablesForTest(test)) md.push(renderMarkdownTable(table, runs.length > 1 ? '####' : '###'));
  });
  files.push({ name: 'index.md', content: `${md.join('\n\n')}\n` });
  return files;
}

/** Writes the files into `dir` (created if missing); returns the paths written. */
export function writeSvgDirectory(dir: string, runs: readonly RunResult[], title?: string, labels?: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  return renderSvgDirectory(runs, title, labels).map((file) => {
    const path = join(dir, file.name);
    writeFileSync(path, file.content);
    return path;
  });
}
