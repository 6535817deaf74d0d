// The end-of-run summary, k6-style: the key figure of each test, every threshold with its verdict
// and measured value, where the report files went, and the exit code with its reason, in a few
// lines under the tables (or on stderr when stdout carries JSON or markdown).
import type { RunResult } from '../results.js';
import type { RunVerdict } from '../run-verdict.js';
import { testHeadline } from './headline.js';

function duration(run: RunResult): string {
  const seconds = Math.max(0, Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** `files`: what was written, as 'run.json (json)'. */
export function renderSummary(run: RunResult, verdict: RunVerdict, files: readonly string[]): string {
  const label = (text: string): string => text.padEnd(19);
  const lines = [`Summary (${duration(run)}${run.partial === undefined ? '' : `, stopped early: ${run.partial}`})`];
  for (const test of run.tests) lines.push(`  ${label(test.test)}${testHeadline(test)}`);
  const thresholds = run.thresholds ?? [];
  if (thresholds.length > 0) {
    const failed = thresholds.filter((t) => !t.passed).length;
    lines.push(`  ${label('thresholds')}${failed === 0 ? `all ${thresholds.length} passed` : `${failed} of ${thresholds.length} FAILED`}`);
    const width = Math.max(...thresholds.map((t) => t.threshold.length));
    for (const t of thresholds) {
      lines.push(`    ${t.passed ? 'PASS' : 'FAIL'}  ${t.threshold.padEnd(width)}  ${t.measured}${t.where === undefined ? '' : ` (${t.where})`}`);
    }
  }
  if (files.length > 0) lines.push(`  ${label('reports')}${files.join(' · ')}`);
  lines.push(`  ${verdict.line}`);
  return `${lines.join('\n')}\n`;
}
