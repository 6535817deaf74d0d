// `wse-bench merge a.json b.json … [--output text|json|markdown] [--out FILE]`: merges JSON results
// of separate runs (other machines, other times) into one report, by the rules of --procs. Inputs
// that cannot be merged into true numbers are refused, naming the file (merge/input.ts,
// merge/compatibility.ts).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MERGE_COMMAND } from '../options/commands.js';
import { helpText } from '../options/help.js';
import { parseCommandLine, withDefaults } from '../options/parse.js';
import { UsageError } from '../options/usage-error.js';
import { EXIT_OK } from '../process/exit-codes.js';
import { renderReport } from '../report/index.js';
import { checkWritableFile } from '../report/write.js';
import { checkDistinctRuns, checkWindowsOverlap } from './compatibility.js';
import { readMergeInput } from './input.js';
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
  const inputs = files.map(readMergeInput);
  checkDistinctRuns(inputs);
  checkWindowsOverlap(inputs);
  const merged = mergeRunResults(inputs.map((input) => input.run), files.map((f) => basename(f)));
  const report = renderReport(merged, output);
  if (outFile !== undefined) {
    writeFileSync(outFile, report);
    process.stderr.write(`wrote merged ${output} report to ${outFile}\n`);
  } else {
    process.stdout.write(report);
  }
  return EXIT_OK;
}
