// Where a run's report goes: stdout in the --output format, or the file --out names (then the text
// tables still go to stdout), plus the charts as .svg files with --svg. The destinations are checked
// before a run starts, so a mistyped path costs a usage error, not a long run's results.
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BenchOptions } from '../options/bench-options.js';
import { UsageError } from '../options/usage-error.js';
import type { RunResult } from '../results.js';
import { renderReport } from './index.js';
import { writeSvgDirectory } from './svg/directory.js';
import { renderText } from './text.js';

/** `withTables`: with --out, the text tables go to stdout too (not when there is nothing in them). */
export function writeReports(run: RunResult, options: BenchOptions, withTables = true): void {
  if (options.outFile !== undefined) {
    if (withTables) process.stdout.write(renderText(run));
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

/** --out and --svg as a run will write them: a UsageError naming the flag when one cannot be written. */
export function checkReportDestinations(options: Pick<BenchOptions, 'outFile' | 'svgDir'>): void {
  if (options.outFile !== undefined) checkWritableFile('--out', options.outFile);
  if (options.svgDir !== undefined) checkWritableDirectory('--svg', options.svgDir);
}

/** `file` can be created or overwritten: its directory exists and is writable, and it is no directory. */
export function checkWritableFile(flag: string, file: string): void {
  const kind = kindOf(file);
  if (kind === 'directory') throw new UsageError(`${flag} ${file}: is a directory; give a file name`);
  if (kind !== undefined) {
    // a file, or a device such as /dev/stdout
    if (!writable(file)) throw new UsageError(`${flag} ${file}: the file is not writable`);
    return;
  }
  const directory = dirname(resolve(file));
  const parent = kindOf(directory);
  if (parent === undefined) throw new UsageError(`${flag} ${file}: the directory ${directory} does not exist; create it first`);
  if (parent !== 'directory') throw new UsageError(`${flag} ${file}: ${directory} is not a directory`);
  if (!writable(directory)) throw new UsageError(`${flag} ${file}: the directory ${directory} is not writable`);
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
  if (!writable(path)) throw new UsageError(`${flag} ${dir}: the directory ${path} is not writable`);
}

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
