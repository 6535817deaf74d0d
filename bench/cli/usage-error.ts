// A command-line mistake: printed as one line plus a usage hint, exit code 2, never a stack trace.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE_HINT = 'run with --help for the options';
