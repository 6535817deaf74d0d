// Where a run's report goes: stdout in the --output format, or the file --out names (then the text
// tables still go to stdout), plus the charts as .svg files with --svg. The destinations are checked
// before a run starts, so a mistyped path costs a usage error, not a long run's results. A file or
// directory still to be made is created (and removed) for real: access(2) says "writable" to root
// everywhere, also in /proc and /sys, where the write after the run then failed with a raw errno.
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
