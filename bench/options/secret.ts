// The JWT secret is a credential: a secret the user gave never appears in any output (JSON, markdown,
// HTML, progress, errors, compare's record of its runs' flags). It is replaced by REDACTED; the
// public default (printed by --help anyway) is kept, so a result still says which secret signed it.
import { PUBLIC_SECRET, SECRET } from './declarations.js';
import { flagOf } from './option.js';

export const REDACTED = '[redacted]';

/** The secret as outputs may show it. */
export function redactSecret(secret: string): string {
  return secret === PUBLIC_SECRET ? secret : REDACTED;
}

/** Settings with their secret redacted, for a result that is written out. */
export function withSecretRedacted<T extends { secret: string }>(settings: T): T {
  return { ...settings, secret: redactSecret(settings.secret) };
}

/** Command-line flags with the value of --secret redacted (both `--secret v` and `--secret=v`). */
export function redactSecretFlag(argv: readonly string[]): string[] {
  const flag = flagOf(SECRET);
  return argv.map((arg, i) => {
    if (arg.startsWith(`${flag}=`)) return `${flag}=${redactSecret(arg.slice(flag.length + 1))}`;
    return argv[i - 1] === flag ? redactSecret(arg) : arg;
  });
}

/** `text` with every occurrence of `secret` redacted (an error or warning that quotes it). */
export function redactSecretIn(text: string, secret: string): string {
  return secret === PUBLIC_SECRET || secret === '' ? text : text.split(secret).join(REDACTED);
}
