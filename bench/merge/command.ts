// `wse-bench merge a.json b.json … | merge - [--output text|json|markdown] [--out FILE]`: merges JSON
// results of separate runs (other machines, other times) or the shards of one run into one report,
// by the rules of --procs. `-` reads standard input: several results with other output around them
// (inputs.ts, documents.ts), as `kubectl logs` prints shards. Inputs that cannot be merged into true
// numbers are refused, naming the input (input.ts, compatibility.ts, shards.ts).
import { writeFileSync } from 'node:fs';
import { MERGE_COMMAND } from '../options/commands.js';
import { helpText } from '../options/help.js';
import { parseCommandLine, withDefaults } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';
import { EXIT_OK } from '../process/exit-codes.js';
import { renderReport } from '../report/index.js';
import { checkWritableFile } from '../report/write.js';
import { checkDistinctRuns, checkWindowsOverlap } from './compatibility.js';
import { readMergeInputs } from './inputs.js';
import { mergeRunResults } from './run.js';
import { checkShards, completeShardMerge, type ShardCheck } from './shards.js';

export async function runMergeCommand(argv: string[]): Promise<number> {
  const { given, positionals } = parseCommandLine(MERGE_COMMAND, argv);
  if (given.help === true) {
    process.stdout.write(`${helpText(MERGE_COMMAND)}\n`);
    return EXIT_OK;
  }
  const { output, out: outFile } = withDefaults(MERGE_COMMAND.options, given);
  if (outFile !== undefined) checkWritableFile('--out', outFile);
  if (positionals.length === 0) throw new UsageError('merge needs JSON results: two files or more, or - for standard input');
  const { inputs, skipped } = await readMergeInputs(positionals);
  if (inputs.length < 2) throw new UsageError(`merge needs at least two JSON results; ${inputs[0]!.source} is the only one`);
  checkDistinctRuns(inputs);
  let shards: ShardCheck | undefined;
  try {
    shards = checkShards(inputs);
  } catch (error) {
    throw new UsageError(`merge: ${(error as Error).message}`);
  }
  // Shards of one run share a timetable: one whose phases ran late is partial, with how late, not refused.
  if (shards === undefined) checkWindowsOverlap(inputs);
  const merged = mergeRunResults(inputs.map((i) => i.run), inputs.map((i) => i.source));
  const notes = [...skipped, ...(shards === undefined ? [] : completeShardMerge(merged, shards))];
  for (const note of notes) process.stderr.write(`merge: ${note}\n`);
  const report = renderReport(merged, output);
  if (outFile !== undefined) {
    writeFileSync(outFile, report);
    process.stderr.write(`wrote merged ${output} report to ${outFile}\n`);
  } else {
    process.stdout.write(report);
  }
  return EXIT_OK;
}
