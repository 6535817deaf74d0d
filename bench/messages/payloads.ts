// What each sending test sends: the reference's trading message (as the original clients sent it),
// or the user's --message templates compiled for the test. A template without placeholders is one
// fixed payload again (the repeated-frame fast path); otherwise a TemplatedPayload renders each
// burst. size-matrix pads each message with a "pad" string field to the cell's size, as the
// reference pads the trading message with "data".
import { encodeFormat, paddedTradingMessage, TRADING_MESSAGE, type WireFormat } from '../../core/wse/messages.js';
import type { MsgpackCodec } from '../../core/wse/decode.js';
import { compileTemplate, type CompiledMessage, type TemplateEncoding, type TemplateValue } from './compile.js';
import { sampleContext, type MessageSettings } from './message-file.js';
import { TemplatedPayload } from './templated-payload.js';

/** One message repeated (a string is a text frame, a Buffer a binary one), or rendered messages. */
export type SendPayload = string | Buffer | TemplatedPayload;

/** Wire bytes of one message: the fixed payload's, or the mean of what a template rendered so far. */
export function payloadBytesOf(payload: SendPayload): number {
  if (payload instanceof TemplatedPayload) return Math.round(payload.meanBytes);
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

function sampleSize(message: CompiledMessage): number {
  return message.render(Buffer.allocUnsafe(message.maxBytes), 0, sampleContext());
}

function payloadOf(templates: readonly TemplateValue[], encoding: TemplateEncoding, binary: boolean, where: string): SendPayload {
  const compiled = templates.map((template) => compileTemplate(template, encoding, where));
  const only = compiled.length === 1 ? compiled[0]!.fixed : undefined;
  if (only !== undefined) return binary ? only : only.toString('utf8');
  const nominal = compiled.reduce((n, message) => n + sampleSize(message), 0) / compiled.length;
  return new TemplatedPayload(compiled, binary, nominal);
}

/** throughput: the trading message, or --message as the file and --frame say. */
export function throughputPayload(message: MessageSettings | undefined): SendPayload {
  if (message === undefined) return TRADING_MESSAGE;
  return payloadOf(message.templates, message.format, message.frame === 'binary' || message.format === 'msgpack', `--message ${message.file}`);
}

/** A field name the template does not use yet: 'pad', or 'pad_' … */
function padKey(template: { [key: string]: TemplateValue }): string {
  let key = 'pad';
  while (key in template) key += '_';
  return key;
}

/** `template` with a pad field that brings its sample size to `bytes`; undefined when it is already larger. */
function padded(template: TemplateValue, bytes: number, encoding: TemplateEncoding, where: string): TemplateValue | undefined {
  if (typeof template !== 'object' || template === null || Array.isArray(template)) return undefined;
  const key = padKey(template);
  let pad = 0;
  let candidate: TemplateValue = { ...template, [key]: '' };
  // The pad's own header can grow by a byte or two as it lengthens (msgpack str8 → str16): a few rounds settle it.
  for (let round = 0; round < 4; round++) {
    candidate = { ...template, [key]: 'x'.repeat(pad) };
    const size = sampleSize(compileTemplate(candidate, encoding, where));
    if (size === bytes) return candidate;
    pad += bytes - size;
    if (pad < 0) return undefined;
  }
  return candidate;
}

/** size-matrix's cell of `bytes`: the padded trading message, or every --message template padded; undefined when one is larger. */
export function sizedPayload(message: MessageSettings | undefined, bytes: number): SendPayload | undefined {
  if (message === undefined) return paddedTradingMessage(bytes);
  const where = `--message ${message.file}`;
  const templates: TemplateValue[] = [];
  for (const template of message.templates) {
    const grown = padded(template, bytes, message.format, where);
    if (grown === undefined) return undefined;
    templates.push(grown);
  }
  return payloadOf(templates, message.format, message.frame === 'binary' || message.format === 'msgpack', where);
}

/** format-comparison's cell: the trading message or the --message templates in `format` (JSON as text, the others binary). */
export function formatPayload(message: MessageSettings | undefined, format: WireFormat, msgpack: MsgpackCodec): SendPayload {
  if (message === undefined) return encodeFormat(JSON.parse(TRADING_MESSAGE), format, msgpack);
  return payloadOf(message.templates, format, format !== 'json', `--message ${message.file}`);
}
