// --message FILE: the user's own messages, read and checked before the run. A .json file holds
// one message object or an array of them (sent in turn); a .msgpack/.mpk file holds the same
// values in MessagePack (its strings may carry the same {{placeholders}}). Every message must be
// a WSE message the server counts as data: an object with a fixed type `t` (or `type`) that is not
// ping or pong, which WSE answers or counts apart and would break the delivery barrier.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { msgpackCodec } from '../msgpack-codec.js';
import type { MessageFrame } from '../options/choices.js';
import { UsageError } from '../options/usage-error.js';
import { compileTemplate, type TemplateValue } from './compile.js';
import type { RenderContext } from './placeholders.js';

/** WSE's largest inbound message (WSE-PROTOCOL.md): bigger ones close the connection with 1009. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const MSGPACK_EXTENSIONS = new Set(['.msgpack', '.mpk', '.mp']);

export type MessageFileFormat = 'json' | 'msgpack';

/** --message and --frame as a run's settings; plain data, so worker processes receive it over IPC. */
export interface MessageSettings {
  file: string;
  format: MessageFileFormat;
  /** JSON in text or binary frames; msgpack is always binary. */
  frame: MessageFrame;
  templates: TemplateValue[];
}

/** The render context of a check: the first message of connection 0, now. */
export function sampleContext(): RenderContext {
  const nowMs = Date.now();
  return { seq: 1, conn: 0, nowMs, nowMicros: nowMs * 1000, iso: Buffer.from(new Date(nowMs).toISOString(), 'latin1') };
}

function asTemplate(value: unknown, where: string): TemplateValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`${where}: ${value} is not a JSON number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => asTemplate(item, where));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asTemplate(item, where)]));
  }
  throw new UsageError(`${where}: holds a value JSON has no form for (${describe(value)}); a template holds maps, arrays, strings, numbers, booleans and null`);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Map) return 'a map with non-string keys';
  return typeof value === 'object' ? (value?.constructor?.name ?? 'an object') : typeof value;
}

function checkMessage(message: TemplateValue, where: string): void {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new UsageError(`${where}: a WSE message is a JSON object`);
  const type = message['t'] ?? message['type'];
  if (typeof type !== 'string') throw new UsageError(`${where}: has no message type "t" (WSE counts a message without one as bad)`);
  if (type.includes('{{')) throw new UsageError(`${where}: the type "t" must be fixed, not a placeholder`);
  if (/^(ping|pong)$/i.test(type)) {
    throw new UsageError(`${where}: type "${type}" is WSE's own ping/PONG: the server answers or counts it apart, which breaks the delivery barrier; use another type`);
  }
  const compiled = compileTemplate(message, 'json', where);
  const size = compiled.render(Buffer.allocUnsafe(compiled.maxBytes), 0, sampleContext());
  if (size > MAX_MESSAGE_BYTES) throw new UsageError(`${where}: ${size} bytes, over WSE's 1 MiB message limit`);
}

/** Reads and checks `file`; every problem is one UsageError naming the file (and the message). */
export function loadMessageFile(file: string, frame: MessageFrame | undefined, read: (path: string) => Buffer = readFileSync): MessageSettings {
  let bytes: Buffer;
  try {
    bytes = read(file);
  } catch (error) {
    throw new UsageError(`--message ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const format: MessageFileFormat = MSGPACK_EXTENSIONS.has(extname(file).toLowerCase()) ? 'msgpack' : 'json';
  let parsed: unknown;
  try {
    parsed = format === 'json' ? JSON.parse(bytes.toString('utf8')) : msgpackCodec.decode(bytes);
  } catch (error) {
    throw new UsageError(`--message ${file}: not valid ${format === 'json' ? 'JSON' : 'MessagePack'} (${(error as Error).message.split('\n')[0]})`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new UsageError(`--message ${file}: the array holds no message`);
  const templates = list.map((item, i) => {
    const where = `--message ${file}${Array.isArray(parsed) ? ` [${i}]` : ''}`;
    const template = asTemplate(item, where);
    checkMessage(template, where);
    return template;
  });
  if (format === 'msgpack' && frame === 'text') throw new UsageError(`--frame text: ${file} is MessagePack, which WSE reads from binary frames only (M: + msgpack)`);
  return { file, format, frame: frame ?? (format === 'msgpack' ? 'binary' : 'text'), templates };
}
