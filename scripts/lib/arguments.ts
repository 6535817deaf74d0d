// The benchmark scripts' own arguments: one line and exit 2 for a mistake, as the CLI does.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RUNTIME_NAMES } from '../../bench/compare/runtime-table.mjs';
import type { RuntimeName } from '../../bench/options/choices.js';
import { EXIT_USAGE } from '../../bench/process/exit-codes.js';

function refuse(message: string): never {
  console.error(message);
  process.exit(EXIT_USAGE);
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T }>>['values'];

/** `--help`: the usage line on stdout, exit 0; a mistake: one line with the usage, exit 2. */
export type ScriptArguments<T extends Options> = { values: Values<T> } | { help: string } | { mistake: string };

/**
 * A script's arguments (what npm passes through after `--`, without it): an unknown option or a
 * stray argument becomes one line with the usage instead of parseArgs' stack trace.
 */
export function parseScriptArguments<T extends Options>(argv: readonly string[], usage: string, options: T): ScriptArguments<T> {
  if (argv.includes('--help') || argv.includes('-h')) return { help: `usage: ${usage}` };
  try {
    return { values: parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values };
  } catch (error) {
    // parseArgs' first sentence names the argument; its advice about '--' does not apply here.
    return { mistake: `${(error as Error).message.split(/\.\s/)[0]}; usage: ${usage}` };
  }
}

/** parseScriptArguments of this process: exits on --help (0) and on a mistake (2). */
export function scriptOptions<T extends Options>(usage: string, options: T): Values<T> {
  const parsed = parseScriptArguments(process.argv.slice(2), usage, options);
  if ('values' in parsed) return parsed.values;
  if ('mistake' in parsed) refuse(parsed.mistake);
  console.log(parsed.help);
  process.exit(0);
}

function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

/** 'node,bun' → ['node', 'bun']. */
export function runtimeList(text: string): RuntimeName[] {
  const names = text.split(',').filter(Boolean);
  for (const name of names) if (!isRuntimeName(name)) refuse(`unknown runtime "${name}" (known: ${RUNTIME_NAMES.join(', ')})`);
  return names.filter(isRuntimeName);
}

/** A number above zero (or zero too with `zero`), whole with `integer`. */
export function positiveNumber(name: string, text: string, { integer = false, zero = false } = {}): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero) || (integer && !Number.isInteger(value))) {
    refuse(`--${name} must be a ${zero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}
