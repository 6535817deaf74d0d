// BENCHMARKS.md is written by the benchmark scripts, each into its own section between
// `<!-- NAME:start -->` and `<!-- NAME:end -->`; everything else in the file is left alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './ceiling.js';

/** The section `name` with `lines` between its markers, as it stands in the file. */
export function section(name: string, lines: readonly string[]): string {
  return [`<!-- ${name}:start -->`, ...lines, `<!-- ${name}:end -->`].join('\n');
}

/** Replaces section `name` of BENCHMARKS.md (or appends it); returns the file's path. */
export function replaceSection(name: string, lines: readonly string[]): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const file = join(root, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const text = section(name, lines);
  const a = current.indexOf(start);
  const b = current.indexOf(end);
  writeFileSync(file, a !== -1 && b > a ? current.slice(0, a) + text + current.slice(b + end.length) : `${current.trimEnd()}\n\n${text}\n`);
  return file;
}
