// The kinds of value an option takes: how its text is read (and refused, one line naming the flag),
// how a value is written back as text (--help's defaults, the flags a parent passes to a child
// process), and its JSON schema (a config file's keys, later).
import { availableParallelism } from 'node:os';
import type { JsonSchema } from '../json-schema.js';
import { didYouMean } from './suggest.js';
import type { ShardSpec } from './bench-options.js';
import { UsageError } from './usage-error.js';

export interface ValueKind<T> {
  /** Placeholder in --help ('<n>', 'core|ws|web'); undefined for a switch, which takes no value. */
  readonly placeholder: string | undefined;
  /** The value of `raw`, or a UsageError naming `flag`. */
  parse(raw: string, flag: string): T;
  /** `value` as the text parse() reads back. */
  render(value: T): string;
  readonly schema: JsonSchema;
}

/** An option given several times whose values add up (--threshold a --threshold b), not replace each other. */
export interface RepeatableKind<T> extends ValueKind<T[]> {
  readonly repeatable: true;
  /** One text per item: a parent hands a child one flag per item. */
  each(values: T[]): string[];
}

export function isRepeatable(kind: ValueKind<unknown>): kind is RepeatableKind<unknown> {
  return 'repeatable' in kind;
}

/** Each occurrence of the flag parsed by `item` and added to the list. */
export function repeatable<T>(item: ValueKind<T>): RepeatableKind<T> {
  return {
    placeholder: item.placeholder,
    repeatable: true,
    parse: (raw, flag) => [item.parse(raw, flag)],
    render: (values) => values.map(item.render).join(' '),
    each: (values) => values.map(item.render),
    schema: { type: 'array', items: item.schema },
  };
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueKind<number> {
  return {
    placeholder: '<n>',
    parse(raw, flag) {
      if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} expects a whole number, got "${raw}"`);
      const n = Number(raw);
      if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
      return n;
    },
    render: String,
    schema: { type: 'integer', minimum: min, maximum: max },
  };
}

/** Seconds per unit a duration may be given in. */
const DURATION_UNITS: Readonly<Record<string, number>> = { us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * A duration in `base` units: '30s', '2m', '500ms', '1h', or a bare number meaning `base`
 * (--duration 5 is 5 s, --connect-timeout 500 is 500 ms). `integer` rounds to whole base units.
 */
export function duration(base: 's' | 'ms', min: number, integer = false): ValueKind<number> {
  const example = base === 's' ? 'e.g. 30s, 2m, 500ms or 5' : 'e.g. 500ms, 10s or 2000';
  return {
    placeholder: base === 's' ? '<s>' : '<ms>',
    parse(raw, flag) {
      const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|m|h)?$/.exec(raw.trim());
      if (match === null) throw new UsageError(`${flag} expects a duration (${example}), got "${raw}"`);
      const seconds = Number(match[1]) * DURATION_UNITS[match[2] ?? base]!;
      const value = base === 's' ? seconds : seconds * 1000;
      const n = integer ? Math.round(value) : Number(value.toPrecision(12));
      if (n < min) throw new UsageError(`${flag} must be at least ${min} ${base}, got ${raw}`);
      return n;
    },
    render: String,
    schema: integer ? { type: 'integer', minimum: min } : { type: 'number', minimum: min },
  };
}

/** Seconds: '5', '0.5', '30s', '2m', '500ms'. */
export function seconds(min: number): ValueKind<number> {
  return duration('s', min);
}

/** A rate or a bound: a positive decimal number. */
export const positiveNumber: ValueKind<number> = {
  placeholder: '<x>',
  parse(raw, flag) {
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new UsageError(`${flag} expects a positive number, got "${raw}"`);
    return Number(raw);
  },
  render: String,
  schema: { type: 'number', minimum: 0 },
};

/** '100,1000,5k' → [100, 1000, 5000]; with multiplier 1024 also '1kb'. */
export function integerList(min: number, max: number, multiplier: number): ValueKind<number[]> {
  return {
    placeholder: '<n,n,…>',
    parse(raw, flag) {
      const items = raw.split(',').map((s) => s.trim().toLowerCase());
      if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${flag} expects a comma-separated list, got "${raw}"`);
      return items.map((item) => {
        const match = /^(\d+)(k|kb)?$/.exec(item);
        if (!match) throw new UsageError(`${flag}: "${item}" is not a whole number`);
        const n = Number(match[1]) * (match[2] ? multiplier : 1);
        if (n < min || n > max) throw new UsageError(`${flag}: ${n} is outside ${min}…${max}`);
        return n;
      });
    },
    render: (values) => values.join(','),
    schema: { type: 'array', items: { type: 'integer', minimum: min, maximum: max } },
  };
}

/** '100,200,1k' → [100, 200, 1000]. */
export const positiveNumberList: ValueKind<number[]> = {
  placeholder: '<x,x,…>',
  parse(raw, flag) {
    return raw.split(',').map((s) => s.trim().toLowerCase()).map((item) => {
      const match = /^(\d+(?:\.\d+)?)(k)?$/.exec(item);
      if (!match || Number(match[1]) <= 0) throw new UsageError(`${flag}: "${item}" is not a positive number`);
      return Number(match[1]) * (match[2] ? 1000 : 1);
    });
  },
  render: (values) => values.join(','),
  schema: { type: 'array', items: { type: 'number', minimum: 0 } },
};

function isOneOf<V extends string>(values: readonly V[], raw: string): raw is V {
  return (values as readonly string[]).includes(raw);
}

/** One of a list declared `as const` (choices.ts); the value's type is the list's union. */
export function oneOf<V extends string>(values: readonly V[]): ValueKind<V> {
  return {
    placeholder: values.join('|'),
    parse(raw, flag) {
      if (!isOneOf(values, raw)) throw new UsageError(`${flag} must be one of ${values.join(', ')}, got "${raw}"${didYouMean(raw, values)}`);
      return raw;
    },
    render: String,
    schema: { type: 'string', enum: values },
  };
}

/** Some of a list, comma-separated, each once; with `all`, the word 'all' stands for the whole list. */
export function listOf<V extends string>(values: readonly V[], all: boolean): ValueKind<V[]> {
  return {
    placeholder: all ? '<name[,name…]|all>' : '<f,…>',
    parse(raw, flag) {
      if (all && raw === 'all') return [...values];
      const items: V[] = [];
      for (const item of raw.split(',').map((s) => s.trim())) {
        if (!isOneOf(values, item)) {
          const hint = didYouMean(item, values);
          throw new UsageError(`${flag}: unknown "${item}"${hint === '' ? ` (known: ${values.join(', ')}${all ? ', all' : ''})` : hint}`);
        }
        if (!items.includes(item)) items.push(item);
      }
      return items;
    },
    render: (items) => (all && items.length === values.length && values.every((v) => items.includes(v)) ? 'all' : items.join(',')),
    schema: { type: 'array', items: { type: 'string', enum: values } },
  };
}

/** Any non-empty text (a host, a path, a file). */
export const text: ValueKind<string> = {
  placeholder: '<s>',
  parse(raw, flag) {
    if (raw === '') throw new UsageError(`${flag} expects a value`);
    return raw;
  },
  render: String,
  schema: { type: 'string' },
};

/** A switch: present or not, no value. */
export const flag: ValueKind<boolean> = {
  placeholder: undefined,
  parse: () => true,
  render: String,
  schema: { type: 'boolean' },
};

/** '2' → [2], 'auto' → [cores], '1,2' → [1, 2] (a series: each test once per count). */
export const processCounts: ValueKind<number[]> = {
  placeholder: '<n|auto|1,n>',
  parse(raw, flagName) {
    if (raw === 'auto') return [availableParallelism()];
    return integerList(1, 1024, 1).parse(raw, flagName);
  },
  render: (counts) => counts.join(','),
  schema: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 1024 } },
};

/** '2/4' → share 2 of 4, counted from 0 like Kubernetes' JOB_COMPLETION_INDEX (0/4 … 3/4). */
export const shardOf: ValueKind<ShardSpec> = {
  placeholder: '<i/n>',
  parse(raw, flag) {
    const match = /^(\d+)\/(\d+)$/.exec(raw);
    if (match === null) throw new UsageError(`${flag} expects <index>/<count>, e.g. 0/4 for the first of four shards, got "${raw}"`);
    const index = Number(match[1]);
    const count = Number(match[2]);
    if (count < 1 || count > 10_000) throw new UsageError(`${flag}: the shard count must be between 1 and 10000, got ${count}`);
    if (index >= count) throw new UsageError(`${flag}: shards are counted from 0, so ${count} shards are 0/${count} … ${count - 1}/${count}; got ${raw}`);
    return { index, count };
  },
  render: ({ index, count }) => `${index}/${count}`,
  schema: { type: 'string' },
};
