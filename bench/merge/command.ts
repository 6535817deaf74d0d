// `wse-bench merge a.json b.json … [--output text|json|markdown] [--out FILE]`: merges JSON results
// of separate runs (other machines, other times) into one report, by the rules of --procs.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MERGE_COMMAND } from '../options/commands.js';
import { helpText } from '../options/help.js';
import { parseCommandLine, withDefaults } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';
import { EXIT_OK } from '../process/exit-codes.js';
import { renderReport } from '../report/index.js';
import { validateRunResult } from '../report/schema.js';
import { checkWritableFile } from '../report/write.js';
import type { RunResult } from '../results.js';
import { mergeRunResults } from './run.js';

export async function runMergeCommand(argv: string[]): Promise<number> {
  const { given, positionals: files } = parseCommandLine(MERGE_COMMAND, argv);
  if (given.help === true) {
    process.stdout.write(`${helpText(MERGE_COMMAND)}\n`);
    return EXIT_OK;
  }
  const { output, out: outFile } = withDefaults(MERGE_COMMAND.options, given);
  if (files.length < 2) throw new UsageError('merge needs at least two JSON result files');
  if (outFile !== undefined) checkWritableFile('--out', outFile);
  const runs = files.map(readRunResult);
  const merged = mergeRunResults(runs, files.map((f) => basename(f)));
  const report = renderReport(merged, output);
  if (outFile !== undefined) {
    writeFileSync(outFile, report);
    process.stderr.write(`wrote merged ${output} report to ${outFile}\n`);
  } else {
    process.stdout.write(report);
  }
  return EXIT_OK;
}

function readRunResult(file: string): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`merge: cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const problems = validateRunResult(value);
  if (problems.length > 0) throw new UsageError(`merge: ${file} is not a wse-bench JSON result (${problems[0]})`);
  return value as RunResult;
}
