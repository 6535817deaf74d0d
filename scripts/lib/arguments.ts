// The benchmark scripts' own arguments: one line and exit 2 for a mistake, as the CLI does.
import { RUNTIME_NAMES } from '../../bench/compare/runtime-table.mjs';
import type { RuntimeName } from '../../bench/options/choices.js';
import { EXIT_USAGE } from '../../bench/process/exit-codes.js';

function refuse(message: string): never {
  console.error(message);
  process.exit(EXIT_USAGE);
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
