// Entry point of dist/bench.js: a subcommand table; the default command runs the benchmark.
import { runCompareCommand } from './compare/command.js';
import { runWorkerCommand } from './launcher/worker.js';
import { runMergeCommand } from './merge/command.js';
import { oneLine } from './one-line.js';
import { RUN_COMMAND } from './options/commands.js';
import { helpText } from './options/help.js';
import { renderSettings } from './options/print-config.js';
import { parseRunArgs } from './options/resolve-run.js';
import { renderJsonSchema } from './report/schema.js';
import { renderMetricTable } from './thresholds/print-metrics.js';
import { usageHint, UsageError } from './options/usage-error.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './process/exit-codes.js';
import { runBenchmark } from './run.js';
import { runServeCommand } from './server/serve-command.js';
import { VERSION } from './version.js';

/** Subcommands by name. Without one, argv is the benchmark's. `worker` is internal (--procs). */
const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: runServeCommand,
  compare: runCompareCommand,
  merge: runMergeCommand,
  worker: runWorkerCommand,
};
/** Subcommands that manage their own lifetime; every other command's end ends the process. */
const LONG_LIVED = new Set(['serve', 'worker']);

async function runDefault(argv: string[]): Promise<number> {
  const parsed = parseRunArgs(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(`${helpText(RUN_COMMAND)}\n`);
      return EXIT_OK;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return EXIT_OK;
    case 'print-schema':
      process.stdout.write(renderJsonSchema());
      return EXIT_OK;
    case 'print-metrics':
      process.stdout.write(renderMetricTable());
      return EXIT_OK;
    case 'print-config':
      process.stdout.write(renderSettings(RUN_COMMAND.options, parsed.values, parsed.sources, parsed.profile));
      return EXIT_OK;
    case 'run':
      return runBenchmark(parsed.options, parsed.notices);
  }
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  const subcommand = first !== undefined ? SUBCOMMANDS[first] : undefined;
  try {
    return subcommand ? await subcommand(argv.slice(1)) : await runDefault(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wse-bench: ${error.message}\n${usageHint(subcommand ? first : undefined)}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`wse-bench: ${oneLine(error)}\n`);
    return EXIT_FAILED;
  }
}

// `wse-bench | head`: a closed stdout ends the run quietly instead of with an EPIPE stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
});

// Last resort: a rejection nobody handled is a bug; say so in one line instead of a stack dump.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`wse-bench: internal error (unhandled rejection): ${oneLine(reason)}\n`);
  process.exitCode = EXIT_FAILED;
});

/** Exits once stdout and stderr are flushed, so a lingering handle cannot keep a finished run alive. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

const argv = process.argv.slice(2);
const ownsProcess = argv[0] === undefined || !LONG_LIVED.has(argv[0]);
main(argv).then(
  // Subcommands such as `serve` manage their own lifetime; the benchmark run ends the process.
  (code) => (ownsProcess ? exitAfterFlush(code) : (process.exitCode = code)),
  (error: unknown) => {
    process.stderr.write(`wse-bench: ${oneLine(error)}\n`);
    exitAfterFlush(EXIT_FAILED);
  },
);
