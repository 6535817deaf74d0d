// The placeholders of --message templates, written inside JSON strings as {{name}} or
// {{name:args}}:
//
//   {{seq}}               this connection's message number: 1, 2, 3 … (gaps show loss)
//   {{conn}}              the connection's index in its tier: 0, 1, 2 …
//   {{ts}}  {{ts_us}}     now, in ms / µs since the epoch (one reading per burst of messages)
//   {{iso}}               now as ISO 8601 text: 2026-11-28T10:06:42.996Z
//   {{int:MIN:MAX}}       a random integer from MIN to MAX
//   {{float:MIN:MAX}}     a random number from MIN to MAX, 2 decimals ({{float:MIN:MAX:D}}: D decimals)
//   {{pick:A|B|C}}        one of the listed texts
//   {{hex:N}} {{alnum:N}} N random hex digits / letters and digits
//   {{uuid}}              a random UUID (version 4)
//
// A string that is exactly one numeric placeholder ("{{seq}}") becomes a number; inside other text
// the value is written into the string ("order-{{seq}}" → "order-17").
import { didYouMean } from '../options/suggest.js';
import { UsageError } from '../options/usage-error.js';

/** What every placeholder of one message reads: taken once per burst, except seq. */
export interface RenderContext {
  seq: number;
  conn: number;
  nowMs: number;
  nowMicros: number;
  /** nowMs as ISO 8601 text (ASCII bytes). */
  iso: Buffer;
}

export interface Placeholder {
  /** As written: '{{int:1:100}}'. */
  readonly text: string;
  /** A number: as the whole string it is written as a JSON or msgpack number. */
  readonly numeric: boolean;
  /** Most bytes its text form takes (escaped for JSON where that is longer). */
  readonly maxTextBytes: number;
  /** Writes the value as text (digits, or the string's bytes, JSON-escaped when `json`); returns the end. */
  writeText(out: Buffer, at: number, context: RenderContext, json: boolean): number;
  /** The number of a numeric placeholder. */
  value(context: RenderContext): number;
}

const ZERO = 0x30;
const MINUS = 0x2d;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const ALNUM = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
/** Digits of the largest safe integer, and its sign. */
const MAX_INTEGER_TEXT = 17;

/** An integer as ASCII digits at `at`, without making a string. */
export function writeInteger(out: Buffer, at: number, value: number): number {
  let n = value;
  if (n < 0) {
    out[at++] = MINUS;
    n = -n;
  }
  let digits = 1;
  for (let power = 10; power <= n && digits < 16; power *= 10) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    out[i] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

function integerPlaceholder(text: string, value: (context: RenderContext) => number): Placeholder {
  return {
    text,
    numeric: true,
    maxTextBytes: MAX_INTEGER_TEXT,
    writeText: (out, at, context) => writeInteger(out, at, value(context)),
    value,
  };
}

function randomCharacters(text: string, alphabet: Buffer, length: number): Placeholder {
  return {
    text,
    numeric: false,
    maxTextBytes: length,
    writeText(out, at) {
      for (let i = 0; i < length; i++) out[at + i] = alphabet[Math.floor(Math.random() * alphabet.length)]!;
      return at + length;
    },
    value: () => Number.NaN,
  };
}

/** A string whose bytes are known in both forms: raw UTF-8 (msgpack) and JSON-escaped. */
function choice(text: string, items: readonly string[]): Placeholder {
  const raw = items.map((item) => Buffer.from(item, 'utf8'));
  const json = items.map((item) => Buffer.from(JSON.stringify(item).slice(1, -1), 'utf8'));
  return {
    text,
    numeric: false,
    maxTextBytes: Math.max(...json.map((b) => b.length), ...raw.map((b) => b.length)),
    writeText(out, at, _context, asJson) {
      const bytes = (asJson ? json : raw)[Math.floor(Math.random() * items.length)]!;
      out.set(bytes, at);
      return at + bytes.length;
    },
    value: () => Number.NaN,
  };
}

const UUID_DASHES = new Set([8, 13, 18, 23]);

const uuid = (text: string): Placeholder => ({
  text,
  numeric: false,
  maxTextBytes: 36,
  writeText(out, at) {
    for (let i = 0; i < 36; i++) {
      if (UUID_DASHES.has(i)) out[at + i] = MINUS;
      else if (i === 14) out[at + i] = 0x34; // version 4
      else if (i === 19) out[at + i] = HEX[8 + Math.floor(Math.random() * 4)]!; // variant 10xx
      else out[at + i] = HEX[Math.floor(Math.random() * 16)]!;
    }
    return at + 36;
  },
  value: () => Number.NaN,
});

const isoTime = (text: string): Placeholder => ({
  text,
  numeric: false,
  maxTextBytes: 27,
  writeText(out, at, context) {
    out.set(context.iso, at);
    return at + context.iso.length;
  },
  value: () => Number.NaN,
});

function numberArg(raw: string | undefined, text: string, what: string): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${text}: ${what} must be a number, got "${raw ?? ''}"`);
  return n;
}

function countArg(raw: string | undefined, text: string): number {
  const n = numberArg(raw, text, 'the length');
  if (!Number.isInteger(n) || n < 1 || n > 4096) throw new UsageError(`${text}: the length must be a whole number from 1 to 4096`);
  return n;
}

function randomInteger(text: string, args: readonly string[]): Placeholder {
  const min = numberArg(args[0], text, 'MIN');
  const max = numberArg(args[1], text, 'MAX');
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) throw new UsageError(`${text}: needs whole numbers MIN ≤ MAX, e.g. {{int:1:100}}`);
  const span = max - min + 1;
  return integerPlaceholder(text, () => min + Math.floor(Math.random() * span));
}

/** `scaled` ÷ 10^decimals as digits with a decimal point: (523475, 2) → '5234.75'; no string is made. */
function writeFixed(out: Buffer, at: number, scaled: number, decimals: number, scale: number): number {
  let end = at;
  let n = scaled;
  if (n < 0) {
    out[end++] = MINUS;
    n = -n;
  }
  end = writeInteger(out, end, Math.floor(n / scale));
  if (decimals === 0) return end;
  out[end++] = 0x2e; // '.'
  let fraction = n % scale;
  for (let i = end + decimals - 1; i >= end; i--) {
    out[i] = ZERO + (fraction % 10);
    fraction = Math.floor(fraction / 10);
  }
  return end + decimals;
}

function randomFloat(text: string, args: readonly string[]): Placeholder {
  const min = numberArg(args[0], text, 'MIN');
  const max = numberArg(args[1], text, 'MAX');
  const decimals = args[2] === undefined ? 2 : numberArg(args[2], text, 'the decimals');
  if (max < min || !Number.isInteger(decimals) || decimals < 0 || decimals > 10) throw new UsageError(`${text}: needs MIN ≤ MAX and 0–10 decimals, e.g. {{float:0:1:3}}`);
  const scale = 10 ** decimals;
  const low = Math.round(min * scale);
  const span = Math.round(max * scale) - low;
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(low + span)) throw new UsageError(`${text}: MIN and MAX × 10^decimals must stay within ±2^53`);
  // one random integer in the scaled range, written with a decimal point (toFixed would make a string a message)
  const scaled = (): number => low + Math.floor(Math.random() * (span + 1));
  return {
    text,
    numeric: true,
    maxTextBytes: Math.max(String(Math.abs(low)).length, String(Math.abs(low + span)).length) + 3,
    writeText: (out, at) => writeFixed(out, at, scaled(), decimals, scale),
    value: () => scaled() / scale,
  };
}

const KNOWN = ['seq', 'conn', 'ts', 'ts_us', 'iso', 'int', 'float', 'pick', 'hex', 'alnum', 'uuid'];
const SYNTAX = 'seq, conn, ts, ts_us, iso, int:MIN:MAX, float:MIN:MAX[:DECIMALS], pick:A|B|…, hex:N, alnum:N, uuid';

/** The placeholder `{{name:args}}` stands for; a UsageError naming `where` when it is not one. */
export function placeholderOf(name: string, args: string | undefined, where: string): Placeholder {
  const text = `${where}: {{${name}${args === undefined ? '' : `:${args}`}}}`;
  const list = args === undefined ? [] : args.split(':');
  const noArgs = (make: () => Placeholder): Placeholder => {
    if (args !== undefined) throw new UsageError(`${text}: {{${name}}} takes no arguments`);
    return make();
  };
  switch (name) {
    case 'seq':
      return noArgs(() => integerPlaceholder(text, (c) => c.seq));
    case 'conn':
      return noArgs(() => integerPlaceholder(text, (c) => c.conn));
    case 'ts':
      return noArgs(() => integerPlaceholder(text, (c) => c.nowMs));
    case 'ts_us':
      return noArgs(() => integerPlaceholder(text, (c) => c.nowMicros));
    case 'iso':
      return noArgs(() => isoTime(text));
    case 'uuid':
      return noArgs(() => uuid(text));
    case 'int':
      return randomInteger(text, list);
    case 'float':
      return randomFloat(text, list);
    case 'pick': {
      const items = (args ?? '').split('|');
      if (args === undefined || items.length < 2) throw new UsageError(`${text}: lists at least two choices, e.g. {{pick:buy|sell}}`);
      return choice(text, items);
    }
    case 'hex':
      return randomCharacters(text, HEX, countArg(list[0], text));
    case 'alnum':
      return randomCharacters(text, ALNUM, countArg(list[0], text));
    default:
      throw new UsageError(`${where}: unknown placeholder {{${name}}}${didYouMean(name, KNOWN) || ` (known: ${SYNTAX})`}`);
  }
}

/** A string's text and placeholders in order: 'order-{{seq}}' → ['order-', placeholder]. */
export function splitPlaceholders(value: string, where: string): (string | Placeholder)[] {
  const pieces: (string | Placeholder)[] = [];
  const pattern = /\{\{\s*([A-Za-z_]+)(?::([^}]*))?\s*\}\}/g;
  let last = 0;
  for (let match = pattern.exec(value); match !== null; match = pattern.exec(value)) {
    if (match.index > last) pieces.push(value.slice(last, match.index));
    pieces.push(placeholderOf(match[1]!, match[2], where));
    last = match.index + match[0].length;
  }
  if (last < value.length) pieces.push(value.slice(last));
  return pieces;
}
