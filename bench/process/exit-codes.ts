// The exit codes of every wse-bench process, in one place; --help lists the user-facing ones
// (EXIT_CODE_LINES). Exit 0 means every tier measured what was asked and every threshold passed,
// so a CI job can gate on the exit code alone; 99 (k6's code) and 98 tell "the server missed the
// criteria" apart from "the measurement itself is incomplete".
/** Results were produced, complete, and every threshold passed. */
export const EXIT_OK = 0;
/** Nothing could be measured, or the command failed. */
export const EXIT_FAILED = 1;
/** A command-line mistake. */
export const EXIT_USAGE = 2;
/** A child process whose parent went away (a client worker, a ceiling child). */
export const EXIT_ORPHANED = 3;
/**
/**
 * The server died or stopped accepting connections mid-run (the embedded server's process exited,
 * or a tier lost every connection and a new one was refused): what was measured before is reported,
 * the tests left are listed as not run, and the run failed.
 */
export const EXIT_TARGET_LOST = 4;
/**
 * Results were produced but are incomplete: a tier ended early (PARTIAL), client and server counts
 * disagree (ERROR), or connections failed outside connection-limit (whose job is to find where
 * they fail). Wins over EXIT_THRESHOLD_FAILED: thresholds judged on such results mean little.
 */
export const EXIT_INCOMPLETE = 98;
/** A --threshold failed, or an open-loop step missed --slo-ms without --ramp (k6 uses 99 too). */
export const EXIT_THRESHOLD_FAILED = 99;
/** Interrupted by SIGINT (128 + 2, as shells report it). */
export const EXIT_INTERRUPTED = 130;
/** Stopped by SIGTERM (128 + 15), after reporting what finished, like SIGINT. */
export const EXIT_TERMINATED = 143;

/** The exit codes as --help lists them; in the order of precedence, lowest first. */
export const EXIT_CODE_LINES: readonly string[] = [
  'Exit codes (when several apply, the one listed last wins):',
  `  ${EXIT_OK}    every tier measured what was asked and every threshold passed`,
  `  ${EXIT_THRESHOLD_FAILED}   a --threshold failed (or a --slo-ms step without --ramp); --fail-fast stops at the first`,
  `  ${EXIT_INCOMPLETE}   results incomplete: a PARTIAL tier, an ERROR row (client and server disagree), or failed`,
  '       connections outside connection-limit; the report is still written',
  `  ${EXIT_FAILED}    nothing could be measured (or the run could not start)`,
  `  ${EXIT_TARGET_LOST}    the server died or stopped accepting connections mid-run: what finished is reported,`,
  '       the tests left are listed as not run',
  `  ${EXIT_USAGE}    usage error (a misspelt option, value or threshold metric, an --out path that cannot be`,
  '       written), found before the run',
  `  ${EXIT_INTERRUPTED}  interrupted (SIGINT), ${EXIT_TERMINATED} terminated (SIGTERM): the current tier ends, what finished is reported`,
  'A --ramp step over --slo-ms is its result (where the ramp stopped), not a failure. Server error frames',
  'and unexpected closes are results too: gate them with --threshold \'errors==0\'.',
];
