// Where a run's report goes: stdout in the --output format, or the file --out names, plus the
// charts as .svg files with --svg. When stdout carries text (--output text, or any --out), the
// header and each test's tables were already printed as the run went (reporters/streamed-tables.ts):
// only the run's end is left to print.
import { writeFileSync } from 'node:fs';
import type { BenchOptions } from '../options/bench-options.js';
import type { RunResult } from '../results.js';
import { renderReport } from './index.js';
import { writeSvgDirectory } from './svg/directory.js';

/** Whether the text tables go to stdout as the run goes (else stdout gets the --output document at the end). */
export function streamsText(options: BenchOptions): boolean {
  return options.outFile !== undefined || options.output === 'text';
}

/** Writes the reports; returns what was written to files, as 'run.json (json)'. */
export function writeReports(run: RunResult, options: BenchOptions): string[] {
  const written: string[] = [];
  if (streamsText(options)) {
    process.stdout.write(`\nFinished ${run.finishedAt}${run.partial === undefined ? '' : `\nPARTIAL RUN: ${run.partial}`}\n\n`);
  } else {
    process.stdout.write(renderReport(run, options.output));
  }
  if (options.outFile !== undefined) {
    writeFileSync(options.outFile, renderReport(run, options.output));
    written.push(`${options.outFile} (${options.output})`);
  }
  if (options.htmlFile !== undefined) {
    writeFileSync(options.htmlFile, renderReport(run, 'html'));
    written.push(`${options.htmlFile} (html)`);
  }
  if (options.svgDir !== undefined) {
    const files = writeSvgDirectory(options.svgDir, [run]);
    written.push(`${options.svgDir}/ (${files.length - 1} chart(s) and index.md)`);
  }
  return written;
}
