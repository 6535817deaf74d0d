// The layers a command's settings come from, lowest first: the declared defaults (and the tier
// profile's), a config file (--config FILE, JSON, the long options' names as keys), the
// environment (WSE_BENCH_<NAME>) and the command line. Each given value remembers its layer, so
// --print-config can say where every setting came from. The environment is the place for what
// must not be on a command line: every user of the machine can read argv in `ps`.
import { readFileSync } from 'node:fs';
import { validateAgainstSchema } from '../json-schema.js';
import type { Command } from './commands.js';
import { flagOf, type GivenValues, type OptionList, type OptionSpec } from './option.js';
import { parseCommandLine } from './parse.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';
import { isRepeatable } from './value-kinds.js';

/** The variable that carries the JWT secret: to the run, to the serve children, to compare's runs. */
export const SECRET_ENV = 'WSE_BENCH_SECRET';
const ENV_PREFIX = 'WSE_BENCH_';

export type SettingSource =
  | { readonly layer: 'default' }
  | { readonly layer: 'profile'; readonly profile: string }
  | { readonly layer: 'config'; readonly file: string }
  | { readonly layer: 'env'; readonly variable: string }
  | { readonly layer: 'flag' };

export interface LayeredCommandLine<L extends OptionList> {
  /** Every given value, the higher layer winning. */
  given: GivenValues<L>;
  /** Where each given value came from, by option name. */
  sources: Record<string, SettingSource>;
  positionals: string[];
}

/** What the layers are read from: the process's environment and files, or a test's. */
export interface SettingsEnvironment {
  variables: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

export function processEnvironment(): SettingsEnvironment {
  return { variables: process.env, readFile: (path) => readFileSync(path, 'utf8') };
}

/**
 * The environment of a child process (a compare run, the embedded server): the secret, which must
 * not be on its command line (`ps` shows it), and none of the other WSE_BENCH_* settings, which the
 * parent has already turned into the child's flags.
 */
export function environmentWithSecret(secret: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith(ENV_PREFIX)) env[name] = value;
  env[SECRET_ENV] = secret;
  return env;
}

/** 'WSE_BENCH_MAX_CONNECTIONS' for maxConnections. */
export function envVariableOf(spec: OptionSpec): string {
  return `${ENV_PREFIX}${spec.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** 'max-connections': the key of a config file, the long option without its dashes. */
export function configKeyOf(spec: OptionSpec): string {
  return flagOf(spec).slice(2);
}

function layered(spec: OptionSpec): boolean {
  return spec.flagOnly !== true && spec.internal !== true;
}

/**
 * The command line over the environment over the config file. `configOption` names the option
 * that points at the file (--config, or WSE_BENCH_CONFIG); `envOptions` limits which options the
 * environment may set (serve reads only the secret), default all.
 */
export function parseLayered<L extends OptionList>(
  command: Command<L>,
  argv: readonly string[],
  environment: SettingsEnvironment,
  configOption?: OptionSpec<string, string>,
  envOptions?: OptionList,
): LayeredCommandLine<L> {
  const flags = parseCommandLine(command, argv);
  const fromFlags: Readonly<Record<string, unknown>> = flags.given;
  const given: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  const env = givenFromEnvironment(envOptions ?? command.options, environment.variables);

  const configPath = configOption === undefined ? undefined : (fromFlags[configOption.name] ?? env.given[configOption.name]);
  if (typeof configPath === 'string') {
    const fromFile = givenFromConfigFile(command.options, configPath, environment);
    for (const [name, value] of Object.entries(fromFile)) {
      given[name] = value;
      sources[name] = { layer: 'config', file: configPath };
    }
  }
  for (const [name, value] of Object.entries(env.given)) {
    given[name] = value;
    sources[name] = { layer: 'env', variable: env.variables[name]! };
  }
  for (const [name, value] of Object.entries(fromFlags)) {
    given[name] = value;
    sources[name] = { layer: 'flag' };
  }
  // Each layer's values were read by the option's own parser, so the record has the command's types.
  return { given: given as GivenValues<L>, sources, positionals: flags.positionals };
}

/** The options set by WSE_BENCH_* variables; a repeatable option takes one value per line. */
function givenFromEnvironment(options: OptionList, variables: SettingsEnvironment['variables']): { given: Record<string, unknown>; variables: Record<string, string> } {
  const given: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const spec of options) {
    if (!layered(spec)) continue;
    const variable = envVariableOf(spec);
    const raw = variables[variable];
    if (raw === undefined || raw === '') continue;
    given[spec.name] = textValue(spec, raw, variable);
    names[spec.name] = variable;
  }
  return { given, variables: names };
}

/** A setting written as text (a variable, a config string): the option's own parser reads it. */
function textValue(spec: OptionSpec, raw: string, where: string): unknown {
  if (spec.kind.placeholder === undefined) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new UsageError(`${where} is a switch: expects true or false, got "${raw}"`);
  }
  const kind = spec.kind;
  if (isRepeatable(kind)) return raw.split('\n').map((line) => line.trim()).filter((line) => line !== '').flatMap((line) => kind.parse(line, where));
  return kind.parse(raw, where);
}

/**
 * A JSON object keyed by long option names ("max-connections": 5000, "duration": "30s",
 * "threshold": ["errors==0"]): strings are read like the flag's text, other values must have the
 * option's JSON type. YAML is not read: JSON needs no dependency, and a config is a few keys.
 */
function givenFromConfigFile(options: OptionList, path: string, environment: SettingsEnvironment): Record<string, unknown> {
  let text: string;
  try {
    text = environment.readFile(path);
  } catch (error) {
    throw new UsageError(`--config ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--config ${path}: expects a JSON object of option names and values`);
  const byKey = new Map(options.filter(layered).map((spec) => [configKeyOf(spec), spec]));
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const spec = byKey.get(key);
    if (spec === undefined) throw new UsageError(`--config ${path}: unknown key "${key}"${didYouMean(key, byKey.keys())}`);
    given[spec.name] = configValue(spec, value, `--config ${path}: "${key}"`);
  }
  return given;
}

function configValue(spec: OptionSpec, value: unknown, where: string): unknown {
  if (typeof value === 'string') return textValue(spec, value, where);
  // "procs": 2 where the option holds a list: read it as the flag's text would be
  if (typeof value === 'number' && spec.kind.schema.type === 'array') return textValue(spec, String(value), where);
  const kind = spec.kind;
  if (isRepeatable(kind) && Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) {
    return value.flatMap((item) => kind.parse(item, where));
  }
  const problems = validateAgainstSchema(value, spec.kind.schema, spec.kind.schema, where);
  if (problems.length > 0) throw new UsageError(problems[0]!);
  return value;
}
