// The exit codes of every wse-bench process, in one place (--help lists the user-facing ones).
/** Results were produced (a partial run counts). */
export const EXIT_OK = 0;
/** Nothing could be measured, or the command failed. */
export const EXIT_FAILED = 1;
/** A command-line mistake. */
export const EXIT_USAGE = 2;
/** A child process whose parent went away (a client worker, a ceiling child). */
export const EXIT_ORPHANED = 3;
/**
 * The server died or stopped accepting connections mid-run (the embedded server's process exited,
 * or a tier lost every connection and a new one was refused): what was measured before is reported,
 * the tests left are listed as not run, and the run failed.
 */
export const EXIT_TARGET_LOST = 4;
/** Interrupted by SIGINT (128 + 2, as shells report it). */
export const EXIT_INTERRUPTED = 130;
/** Stopped by SIGTERM (128 + 15), after reporting what finished, like SIGINT. */
export const EXIT_TERMINATED = 143;

/** The user-facing codes, as --help lists them. */
export const EXIT_CODES_HELP = [
  `Exit codes: ${EXIT_OK} results produced (a partial run counts), ${EXIT_FAILED} nothing could be measured, ${EXIT_USAGE} usage error,`,
  `  ${EXIT_TARGET_LOST} the server died or stopped accepting connections mid-run (what finished is reported, the rest listed as not run),`,
  `  ${EXIT_INTERRUPTED} interrupted (SIGINT), ${EXIT_TERMINATED} terminated (SIGTERM): both signals end the current tier and report what finished.`,
];
