// Where a run's report goes: stdout in the --output format, or the file --out names (then the text
// tables still go to stdout), plus the charts as .svg files with --svg.
import { writeFileSync } from 'node:fs';
import type { BenchOptions } from '../options/bench-options.js';
import type { RunResult } from '../results.js';
import { renderReport } from './index.js';
import { writeSvgDirectory } from './svg/directory.js';
import { renderText } from './text.js';

export function writeReports(run: RunResult, options: BenchOptions): void {
  if (options.outFile !== undefined) {
    process.stdout.write(renderText(run));
    writeFileSync(options.outFile, renderReport(run, options.output));
    process.stderr.write(`wrote ${options.output} report to ${options.outFile}\n`);
  } else {
    process.stdout.write(renderReport(run, options.output));
  }
  if (options.svgDir !== undefined) {
    const written = writeSvgDirectory(options.svgDir, [run]);
    process.stderr.write(`wrote ${written.length - 1} chart(s) and index.md to ${options.svgDir}\n`);
  }
}
