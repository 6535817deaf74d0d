// Where a run's report goes: stdout in the --output format, or the file --out names, plus the
// charts as .svg files with --svg. When stdout carries text (--output text, or any --out), the
// header and each test's tables were already printed as the run went (reporters/streamed-tables.ts):
// only the run's end is left to print. The destinations are checked before a run starts, so a
// mistyped path costs a usage error, not a long run's results. A file or directory still to be made
// is created (and removed) for real: access(2) says "writable" to root everywhere, also in /proc and
// /sys, where the write after the run then failed with a raw errno.
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { BenchOptions } from '../options/bench-options.js';
import { UsageError } from '../options/usage-error.js';
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
    const end = [`Finished ${run.finishedAt}`];
    if (run.partial !== undefined) end.push(`PARTIAL RUN: ${run.partial}`);
    for (const skipped of run.notRun ?? []) end.push(`NOT RUN: ${skipped.test}: ${skipped.reason}`);
    if (run.nothingMeasured !== undefined) end.push(`NOTHING MEASURED: ${run.nothingMeasured}`);
    process.stdout.write(`\n${end.join('\n')}\n\n`);
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

/** --out, --html and --svg as a run will write them: a UsageError naming the flag when one cannot be written. */
export function checkReportDestinations(options: Pick<BenchOptions, 'outFile' | 'htmlFile' | 'svgDir'>): void {
  if (options.outFile !== undefined) checkWritableFile('--out', options.outFile);
  if (options.htmlFile !== undefined) checkWritableFile('--html', options.htmlFile);
  if (options.svgDir !== undefined) checkWritableDirectory('--svg', options.svgDir);
}

/** `file` can be created or overwritten: its directory exists and is writable, and it is no directory. */
export function checkWritableFile(flag: string, file: string): void {
  const kind = kindOf(file);
  if (kind === 'directory') throw new UsageError(`${flag} ${file}: is a directory; give a file name`);
  if (kind !== undefined) {
    // a file, or a device such as /dev/stdout: asked, not written (that would change it before the run)
    const failure = failureOf(() => accessSync(file, constants.W_OK));
    if (failure !== undefined) throw new UsageError(`${flag} ${file}: the file is not writable (${failure})`);
    return;
  }
  const directory = dirname(resolve(file));
  const parent = kindOf(directory);
  if (parent === undefined) throw new UsageError(`${flag} ${file}: the directory ${directory} does not exist; create it first`);
  if (parent !== 'directory') throw new UsageError(`${flag} ${file}: ${directory} is not a directory`);
  // 'wx' creates the file only if it is still absent, so nothing of the user's is removed after
  const failure = failureOf(() => {
    closeSync(openSync(file, 'wx'));
    unlinkSync(file);
  });
  if (failure !== undefined) throw new UsageError(`${flag} ${file}: no file can be created in ${directory} (${failure})`);
}

/** `dir` exists as a writable directory, or can be created: its nearest existing ancestor is one. */
export function checkWritableDirectory(flag: string, dir: string): void {
  let path = resolve(dir);
  let kind = kindOf(path);
  while (kind === undefined && dirname(path) !== path) {
    path = dirname(path);
    kind = kindOf(path);
  }
  if (kind !== 'directory') throw new UsageError(`${flag} ${dir}: ${path} is not a directory`);
  const failure = failureOf(() => rmdirSync(mkdtempSync(join(path, '.wse-bench-write-check-'))));
  if (failure !== undefined) throw new UsageError(`${flag} ${dir}: nothing can be created in the directory ${path} (${failure})`);
}

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/** What the file system said when `attempt` failed ('EACCES', 'EROFS'…), or undefined when it worked. */
function failureOf(attempt: () => void): string | undefined {
  try {
    attempt();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
