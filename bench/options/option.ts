// One option, declared once: its long name (the flag, and the key of a config later), the kind of
// value it takes, its default (a value, or one per tier profile), its help and its --help group.
// The parser, --help, the flags a parent passes to a child and the TypeScript types of a command's
// values are all derived from these declarations (parse.ts, help.ts, render.ts, and the types below).
import type { Profile } from './profiles.js';
import type { ValueKind } from './value-kinds.js';

/** Headings of --help, in the order listed there. */
export const OPTION_GROUPS = {
  target: 'Target and client',
  tests: 'Tests and tiers',
  output: 'Output',
  server: 'Embedded server (only without --host)',
  compare: 'Comparison',
  general: 'General',
} as const;
export type OptionGroup = keyof typeof OPTION_GROUPS;

/** A default that depends on the tier profile (--quick, --full). */
export interface ProfileDefault<T> {
  readonly fromProfile: (profile: Profile) => T;
}

export interface OptionSpec<N extends string = string, T = unknown> {
  /** camelCase; the flag is its kebab-case form (holdPingInterval → --hold-ping-interval). */
  readonly name: N;
  readonly kind: ValueKind<T>;
  /** The placeholder in --help, when the kind's own ('<n>') says too little ('<ms>'). */
  readonly arg?: string;
  readonly group: OptionGroup;
  readonly help: string;
  /** Typed by the kind alone (NoInfer): a default of 'cookie' does not widen a oneOf to string. */
  readonly default?: NoInfer<T> | ProfileDefault<NoInfer<T>>;
  /** --help's words for the default where the value alone would not say it ('none: start the embedded server'). */
  readonly defaultText?: string;
  /** Set by the tool itself when it starts a child (serve --ipc): not listed by --help. */
  readonly internal?: boolean;
  /** A one-letter form ('h' for -h), for the switches people type without thinking. */
  readonly short?: string;
  /** Only on the command line, never from a config file or the environment (--help, --print-config). */
  readonly flagOnly?: boolean;
}

export interface OptionWithDefault<N extends string, T> extends OptionSpec<N, T> {
  readonly default: NoInfer<T> | ProfileDefault<NoInfer<T>>;
}

/** Declares an option; the overloads keep whether it has a default in its type (see ValuesOf). */
export function option<const N extends string, T>(spec: OptionWithDefault<N, T>): OptionWithDefault<N, T>;
export function option<const N extends string, T>(spec: OptionSpec<N, T>): OptionSpec<N, T>;
export function option<const N extends string, T>(spec: OptionSpec<N, T>): OptionSpec<N, T> {
  return spec;
}

export function fromProfile<T>(read: (profile: Profile) => T): ProfileDefault<T> {
  return { fromProfile: read };
}

export function isProfileDefault<T>(value: T | ProfileDefault<T>): value is ProfileDefault<T> {
  return typeof value === 'object' && value !== null && 'fromProfile' in value;
}

/** '--hold-ping-interval' for holdPingInterval. */
export function flagOf(spec: OptionSpec): string {
  return `--${spec.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The value of an option's default under `profile`, or undefined when it has none. */
export function defaultValue<T>(spec: OptionSpec<string, T>, profile: Profile): T | undefined {
  const fallback = spec.default;
  if (fallback === undefined) return undefined;
  return isProfileDefault(fallback) ? fallback.fromProfile(profile) : fallback;
}

/** An ordered list of options: what one command takes. */
export type OptionList = readonly OptionSpec[];

type ValueOf<S> = S extends { readonly kind: ValueKind<infer T> } ? T : never;
type WithDefault<L extends OptionList> = Extract<L[number], { readonly default: unknown }>;

/** What the command line gave: any subset of the command's options, each with its own type. */
export type GivenValues<L extends OptionList> = { -readonly [S in L[number] as S['name']]?: ValueOf<S> };

/** Every option after defaults: those with a default are always set, the others only when given. */
export type ValuesOf<L extends OptionList> = GivenValues<L> & { -readonly [S in WithDefault<L> as S['name']]: ValueOf<S> };
