// The model written out: a command's values as the flags that give them back (a parent process
// passes its settings to a child this way), and a command's options as a JSON schema (the keys of a
// config file).
import type { JsonSchema } from '../json-schema.js';
import { flagOf, type GivenValues, type OptionList } from './option.js';
import { isRepeatable } from './value-kinds.js';

/** The flags that parse back into `values`, in the command's option order; unset options are left out. */
export function renderFlags<L extends OptionList>(options: L, values: GivenValues<L>): string[] {
  const byName: Readonly<Record<string, unknown>> = values;
  const argv: string[] = [];
  for (const spec of options) {
    const value = byName[spec.name];
    if (value === undefined || value === false) continue;
    const kind = spec.kind;
    if (kind.placeholder === undefined) argv.push(flagOf(spec));
    else if (isRepeatable(kind) && Array.isArray(value)) for (const item of kind.each(value)) argv.push(flagOf(spec), item);
    else argv.push(flagOf(spec), kind.render(value));
  }
  return argv;
}

/** One property per option, keyed by its long name, typed by its kind. */
export function optionsSchema(options: OptionList): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(options.map((spec) => [spec.name, spec.kind.schema])),
    additionalProperties: false,
  };
}
