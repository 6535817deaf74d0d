// argv → the options a command was given, typed by its declarations: `--flag value`,
// `--flag=value` and a one-letter form (-h), later repeats winning except for repeatable options,
// whose values add up; then the defaults for what was not given. Every mistake is a UsageError of
// one line naming the flag, with the closest known flag or value when it looks like a typo.
import type { Command } from './commands.js';
import { defaultValue, flagOf, type GivenValues, type OptionList, type OptionSpec, type ValuesOf } from './option.js';
import { PROFILES, type Profile } from './profiles.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';
import { isRepeatable } from './value-kinds.js';

export interface CommandLine<L extends OptionList> {
  given: GivenValues<L>;
  /** Non-option arguments, for a command that takes them (merge's files). */
  positionals: string[];
}

export function parseCommandLine<L extends OptionList>(command: Command<L>, argv: readonly string[]): CommandLine<L> {
  const byFlag = new Map<string, OptionSpec>(command.options.map((spec) => [flagOf(spec), spec]));
  for (const spec of command.options) if (spec.short !== undefined) byFlag.set(`-${spec.short}`, spec);
  // Each value comes from its own option's parser, so the record has the command's types.
  const given: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-') || token === '-') {
      takePositional(command, token, given, positionals);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const refusal = command.refusals?.[flag];
    if (refusal !== undefined) throw new UsageError(refusal);
    const spec = byFlag.get(flag);
    if (spec === undefined) {
      const listed = command.options.filter((s) => s.internal !== true).map(flagOf);
      throw new UsageError(`unknown option ${flag}${didYouMean(flag, listed)}`);
    }
    let raw: string;
    if (spec.kind.placeholder === undefined) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      raw = '';
    } else if (eq !== -1) {
      raw = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${flag} needs a value ${spec.arg ?? spec.kind.placeholder}`);
      raw = next;
      i++;
    }
    const value = spec.kind.parse(raw, flagOf(spec));
    const previous = given[spec.name];
    given[spec.name] = isRepeatable(spec.kind) && Array.isArray(previous) && Array.isArray(value) ? [...previous, ...value] : value;
  }
  return { given: given as GivenValues<L>, positionals };
}

/** A non-option argument: the command's positional option (the run's target URL), or one of its list (merge's files). */
function takePositional(command: Command<OptionList>, token: string, given: Record<string, unknown>, positionals: string[]): void {
  const spec = command.positionalOption;
  if (spec !== undefined) {
    // a word that is not URL-like is a stray argument, not a malformed target
    if (!token.includes('://')) throw new UsageError(`unexpected argument "${token}" (the one argument a run takes is its target, ${spec.kind.placeholder ?? ''})`);
    if (given[spec.name] !== undefined) throw new UsageError(`unexpected argument "${token}": ${flagOf(spec)} is already given`);
    given[spec.name] = spec.kind.parse(token, flagOf(spec));
    return;
  }
  if (command.positionals === undefined) throw new UsageError(`unexpected argument "${token}"`);
  positionals.push(token);
}

/** Every option's value: given, else its default under `profile` (options without one stay unset). */
export function withDefaults<L extends OptionList>(options: L, given: GivenValues<L>, profile: Profile = PROFILES.default): ValuesOf<L> {
  const values: Record<string, unknown> = { ...given };
  for (const spec of options) {
    if (values[spec.name] !== undefined) continue;
    const fallback = defaultValue(spec, profile);
    if (fallback !== undefined) values[spec.name] = fallback;
  }
  return values as ValuesOf<L>;
}
