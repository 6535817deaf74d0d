// A --message template compiled once into the bytes it sends: static byte runs and placeholder
// slots, in JSON (text or binary frames) or in MessagePack (`M:` + msgpack). Rendering a message is
// copying the runs and writing each slot's value straight into the caller's buffer: no object, no
// JSON.stringify, no msgpack encoder per message. Only the zlib format (format-comparison) must
// deflate each rendered message, as a real client would.
import { deflateSync } from 'node:zlib';
import { MAX_NUMBER_BYTES, containerHeader, encodeScalar, stringHeaderSize, writeNumber, writeStringHeader } from './msgpack-writer.js';
import { splitPlaceholders, type Placeholder, type RenderContext } from './placeholders.js';

/** A template as read from its file: JSON's values (a msgpack file is limited to them). */
export type TemplateValue = null | boolean | number | string | TemplateValue[] | { [key: string]: TemplateValue };

/** How a compiled message is encoded: JSON text, `M:` + msgpack, `C:` + zlib-deflated JSON. */
export type TemplateEncoding = 'json' | 'msgpack' | 'zlib';

export interface CompiledMessage {
  /** The most bytes one rendered message can take. */
  readonly maxBytes: number;
  /** The message's bytes when it has no placeholder: the sender can repeat them as they are. */
  readonly fixed: Buffer | undefined;
  /** Writes one message at `out[at]`; returns where it ends. */
  render(out: Buffer, at: number, context: RenderContext): number;
}

const MSGPACK_PREFIX = Buffer.from('M:', 'latin1');
const ZLIB_PREFIX = Buffer.from('C:', 'latin1');

/** Writes a dynamic part; returns where it ends. */
interface Slot {
  readonly maxBytes: number;
  write(out: Buffer, at: number, context: RenderContext): number;
}

/** A message as static byte runs around its slots: statics[i] comes before slots[i], the last static after the last slot. */
interface Parts {
  statics: Buffer[];
  slots: Slot[];
}

class PartList {
  private readonly statics: Buffer[] = [];
  private readonly slots: Slot[] = [];
  private pending: Buffer[] = [];

  bytes(data: Buffer | string): void {
    this.pending.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  slot(slot: Slot): void {
    this.flush();
    this.slots.push(slot);
  }

  finish(): Parts {
    this.flush();
    return { statics: this.statics, slots: this.slots };
  }

  /** The static bytes before the next slot (or the end) become one run, possibly empty. */
  private flush(): void {
    this.statics.push(Buffer.concat(this.pending));
    this.pending = [];
  }
}

/** Runs below this many bytes are copied by a loop: TypedArray.set's call costs more (measured ~15 vs ~9 ns for 8 bytes). */
const LOOP_COPY_MAX = 24;

function copyRun(out: Buffer, at: number, run: Buffer): number {
  const n = run.length;
  if (n < LOOP_COPY_MAX) {
    for (let i = 0; i < n; i++) out[at + i] = run[i]!;
  } else {
    out.set(run, at);
  }
  return at + n;
}

function isObject(value: TemplateValue): value is { [key: string]: TemplateValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number placeholder written as a JSON number. */
function jsonNumber(placeholder: Placeholder): Slot {
  return { maxBytes: placeholder.maxTextBytes, write: (out, at, context) => placeholder.writeText(out, at, context, true) };
}

/** Text and placeholders inside one JSON string (the quotes are static). */
function jsonStringPieces(pieces: readonly (string | Placeholder)[], list: PartList): void {
  list.bytes('"');
  for (const piece of pieces) {
    if (typeof piece === 'string') list.bytes(JSON.stringify(piece).slice(1, -1));
    else list.slot({ maxBytes: piece.maxTextBytes, write: (out, at, context) => piece.writeText(out, at, context, true) });
  }
  list.bytes('"');
}

function compileJson(value: TemplateValue, list: PartList, where: string): void {
  if (typeof value === 'string') {
    const pieces = splitPlaceholders(value, where);
    const only = pieces.length === 1 ? pieces[0] : undefined;
    if (only !== undefined && typeof only !== 'string' && only.numeric) list.slot(jsonNumber(only));
    else if (pieces.every((piece) => typeof piece === 'string')) list.bytes(JSON.stringify(value));
    else jsonStringPieces(pieces, list);
  } else if (Array.isArray(value)) {
    list.bytes('[');
    value.forEach((item, i) => {
      if (i > 0) list.bytes(',');
      compileJson(item, list, where);
    });
    list.bytes(']');
  } else if (isObject(value)) {
    list.bytes('{');
    Object.entries(value).forEach(([key, item], i) => {
      list.bytes(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      compileJson(item, list, where);
    });
    list.bytes('}');
  } else {
    list.bytes(JSON.stringify(value));
  }
}

/** A string with placeholders in msgpack: its text rendered first, then its header and bytes. */
function msgpackString(pieces: readonly (string | Placeholder)[]): Slot {
  const parts = pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece));
  const textBytes = parts.reduce((n, part) => n + (Buffer.isBuffer(part) ? part.length : part.maxTextBytes), 0);
  const scratch = Buffer.allocUnsafe(textBytes);
  return {
    maxBytes: stringHeaderSize(textBytes) + textBytes,
    write(out, at, context) {
      let length = 0;
      for (const part of parts) {
        if (Buffer.isBuffer(part)) {
          scratch.set(part, length);
          length += part.length;
        } else {
          length = part.writeText(scratch, length, context, false);
        }
      }
      const start = writeStringHeader(out, at, length);
      scratch.copy(out, start, 0, length);
      return start + length;
    },
  };
}

function compileMsgpack(value: TemplateValue, list: PartList, where: string): void {
  if (typeof value === 'string') {
    const pieces = splitPlaceholders(value, where);
    const only = pieces.length === 1 ? pieces[0] : undefined;
    if (only !== undefined && typeof only !== 'string' && only.numeric) {
      list.slot({ maxBytes: MAX_NUMBER_BYTES, write: (out, at, context) => writeNumber(out, at, only.value(context)) });
    } else if (pieces.every((piece) => typeof piece === 'string')) {
      list.bytes(encodeScalar(value));
    } else {
      list.slot(msgpackString(pieces));
    }
  } else if (Array.isArray(value)) {
    list.bytes(containerHeader('array', value.length));
    for (const item of value) compileMsgpack(item, list, where);
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    list.bytes(containerHeader('map', entries.length));
    for (const [key, item] of entries) {
      list.bytes(encodeScalar(key));
      compileMsgpack(item, list, where);
    }
  } else {
    list.bytes(encodeScalar(value));
  }
}

class PartsMessage implements CompiledMessage {
  readonly maxBytes: number;
  readonly fixed: Buffer | undefined;
  private readonly statics: readonly Buffer[];
  private readonly slots: readonly Slot[];

  constructor({ statics, slots }: Parts) {
    this.statics = statics;
    this.slots = slots;
    this.maxBytes = statics.reduce((n, run) => n + run.length, 0) + slots.reduce((n, slot) => n + slot.maxBytes, 0);
    this.fixed = slots.length === 0 ? statics[0] : undefined;
  }

  render(out: Buffer, at: number, context: RenderContext): number {
    const statics = this.statics;
    const slots = this.slots;
    let end = copyRun(out, at, statics[0]!);
    for (let i = 0; i < slots.length; i++) end = copyRun(out, slots[i]!.write(out, end, context), statics[i + 1]!);
    return end;
  }
}

/** zlib's worst case for incompressible input: a few bytes per 16 KB block plus its header. */
function deflateBound(bytes: number): number {
  return bytes + (bytes >>> 10) + 64;
}

/** `C:` + deflate of the rendered JSON, each message compressed as it is sent (or once, when fixed). */
class DeflatedMessage implements CompiledMessage {
  readonly maxBytes: number;
  readonly fixed: Buffer | undefined;
  private readonly scratch: Buffer;

  constructor(private readonly json: CompiledMessage) {
    this.maxBytes = 2 + deflateBound(json.maxBytes);
    this.scratch = Buffer.allocUnsafe(json.maxBytes);
    this.fixed = json.fixed === undefined ? undefined : Buffer.concat([ZLIB_PREFIX, deflateSync(json.fixed)]);
  }

  render(out: Buffer, at: number, context: RenderContext): number {
    const length = this.json.render(this.scratch, 0, context);
    const deflated = deflateSync(this.scratch.subarray(0, length));
    out.set(ZLIB_PREFIX, at);
    out.set(deflated, at + 2);
    return at + 2 + deflated.length;
  }
}

/** Compiles one message template; a bad placeholder is a UsageError naming `where`. */
export function compileTemplate(value: TemplateValue, encoding: TemplateEncoding, where: string): CompiledMessage {
  const list = new PartList();
  if (encoding === 'msgpack') {
    list.bytes(MSGPACK_PREFIX);
    compileMsgpack(value, list, where);
    return new PartsMessage(list.finish());
  }
  compileJson(value, list, where);
  const json = new PartsMessage(list.finish());
  return encoding === 'zlib' ? new DeflatedMessage(json) : json;
}
