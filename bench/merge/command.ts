// `wse-bench merge a.json b.json … [--output text|json|markdown] [--out FILE]`: merges JSON results
// of separate runs (other machines, other times) into one report, by the rules of --procs.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../cli/usage-error.js';
import type { OutputFormat } from '../options.js';
import { renderReport } from '../report/index.js';
import { validateAgainstSchema } from '../report/schema.js';
import type { RunResult } from '../results.js';
import { mergeRunResults } from './run.js';

export const MERGE_HELP = [
  'Usage: wse-bench merge <a.json> <b.json> … [--output text|json|markdown] [--out <file>]',
  '',
  'Merges --output json results of separate runs into one report: counts summed, latency histograms',
  'merged (never averaged percentiles), rates over the common window (earliest start → latest end).',
  'Tiers are matched by position, so the runs should use the same --test and --tiers. Each tier notes',
  'the clock skew it assumed (how far apart the runs\' measured phases began); start the runs with',
  'the same --start-at <unix ms> to align them. Runs against the same server URL keep the server',
  'reading that saw the most traffic; runs against different servers add their server counters.',
].join('\n');

export async function runMergeCommand(argv: string[]): Promise<number> {
  const files: string[] = [];
  let output: OutputFormat = 'text';
  let outFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help') {
      process.stdout.write(`${MERGE_HELP}\n`);
      return 0;
    } else if (arg === '--output' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === '--out') outFile = value;
      else if (value === 'text' || value === 'json' || value === 'markdown') output = value;
      else throw new UsageError(`--output must be one of text, json, markdown, got "${value}"`);
    } else if (arg.startsWith('--')) {
      throw new UsageError(`merge: unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length < 2) throw new UsageError('merge needs at least two JSON result files');
  const runs = files.map(readRunResult);
  const merged = mergeRunResults(runs, files.map((f) => basename(f)));
  const report = renderReport(merged, output);
  if (outFile !== undefined) {
    writeFileSync(outFile, report);
    process.stderr.write(`wrote merged ${output} report to ${outFile}\n`);
  } else {
    process.stdout.write(report);
  }
  return 0;
}

function readRunResult(file: string): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`merge: cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const problems = validateAgainstSchema(value);
  if (problems.length > 0) throw new UsageError(`merge: ${file} is not a wse-bench JSON result (${problems[0]})`);
  return value as RunResult;
}
