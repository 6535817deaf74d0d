// A command-line mistake: printed as one line plus a usage hint, exit code 2, never a stack trace.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The line under a usage error: where the command's options are listed. */
export function usageHint(command: string | undefined): string {
  return command === undefined ? 'run with --help for the options' : `run wse-bench ${command} --help for the options`;
}
