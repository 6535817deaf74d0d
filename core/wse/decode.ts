// Inbound WSE message decoding, shared by the client session and the embedded server:
// JSON (text or binary frames, legacy `WSE{` / `S{` / `U{` prefixes), `M:` msgpack (codec
// injected: core imports no packages), `C:` zlib, `E:` encrypted (counted, not decoded).
import { inflateSync } from 'node:zlib';
import { scanMsgpackDepth } from './msgpack-depth.js';

export interface MsgpackCodec {
  encode(value: unknown): Buffer;
  decode(data: Buffer): unknown;
}

export type PayloadKind = 'json' | 'msgpack' | 'zlib' | 'encrypted';

export interface WseMessage {
  c?: string;
  t: string;
  p?: unknown;
  id?: string;
  ts?: string;
  seq?: number;
  v?: number;
}

export type DecodeResult =
  | { ok: true; kind: PayloadKind; message: WseMessage | undefined } // undefined for 'encrypted'
  | { ok: false; kind: PayloadKind | 'unknown'; reason: string };

export interface DecodeOptions {
  msgpack?: MsgpackCodec;
  /** Largest inflated `C:` payload; over it the message is bad. Default 1 MiB. */
  maxInflatedBytes?: number;
  /** Deepest msgpack nesting accepted (WSE: 64). */
  maxMsgpackDepth?: number;
}

export const DEFAULT_MAX_INFLATED_BYTES = 1024 * 1024;
export const DEFAULT_MAX_MSGPACK_DEPTH = 64;

const COLON = 0x3a;
const LETTER_M = 0x4d;
const LETTER_C = 0x43;
const LETTER_E = 0x45;

export function decodeWseMessage(data: Buffer | string, isBinary: boolean, options: DecodeOptions): DecodeResult {
  if (typeof data === 'string') return decodeJsonText(data, 'json');
  if (isBinary && data.length >= 2 && data[1] === COLON) {
    switch (data[0]) {
      case LETTER_M:
        return decodeMsgpack(data, options);
      case LETTER_C:
        return decodeZlib(data, options);
      case LETTER_E:
        return { ok: true, kind: 'encrypted', message: undefined };
    }
  }
  return decodeJsonText(data.toString('utf8'), 'json');
}

// The first bytes of a PONG as WSE writes it (WSE-PROTOCOL.md) and as the short form without "c";
// "pong" is matched case-insensitively (every letter byte | 0x20).
const PONG_PREFIXES: readonly Buffer[] = [Buffer.from('{"c":"WSE","t":"pong"', 'latin1'), Buffer.from('{"t":"pong"', 'latin1')];
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const LOWER_CASE = 0x20;

/**
 * Whether `data` (a text message's bytes) is a PONG in the form WSE writes it: one of the prefixes
 * above, then `,` or `}`, and a closing brace at the end. A client that only counts PONGs reads
 * nothing else of one, so it is recognised without being parsed: JSON.parse of the PONG was the
 * largest JavaScript cost of a ping round trip in the client's CPU profile (8.5 % of its busy
 * time, Node 20, 100 connections). Any other shape goes through decodeWseMessage.
 */
export function isPongText(data: Buffer): boolean {
  const length = data.length;
  if (length < 12 || data[length - 1] !== CLOSE_BRACE) return false;
  for (const prefix of PONG_PREFIXES) {
    const end = prefix.length;
    if (length <= end) continue;
    // Exact but for the four letters of pong (end - 5 … end - 2), whose case may differ.
    let i = 0;
    for (; i < end - 5; i++) if (data[i] !== prefix[i]) break;
    if (i < end - 5) continue;
    for (; i < end - 1; i++) if ((data[i]! | LOWER_CASE) !== prefix[i]) break;
    if (i < end - 1 || data[i] !== prefix[i]) continue;
    const next = data[end];
    return next === COMMA || next === CLOSE_BRACE;
  }
  return false;
}

function decodeMsgpack(data: Buffer, options: DecodeOptions): DecodeResult {
  const codec = options.msgpack;
  if (codec === undefined) return { ok: false, kind: 'msgpack', reason: 'msgpack: no codec configured' };
  const scan = scanMsgpackDepth(data, 2, options.maxMsgpackDepth ?? DEFAULT_MAX_MSGPACK_DEPTH);
  if (!scan.ok) return { ok: false, kind: 'msgpack', reason: scan.reason };
  let value: unknown;
  try {
    value = codec.decode(data.subarray(2));
  } catch (error) {
    return { ok: false, kind: 'msgpack', reason: `msgpack: ${(error as Error).message}` };
  }
  return toMessage(value, 'msgpack');
}

function decodeZlib(data: Buffer, options: DecodeOptions): DecodeResult {
  const cap = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  let text: string;
  try {
    // maxOutputLength makes zlib stop (RangeError) instead of allocating past the cap
    text = inflateSync(data.subarray(2), { maxOutputLength: cap }).toString('utf8');
  } catch (error) {
    const over = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
    return { ok: false, kind: 'zlib', reason: over ? `zlib: inflated size over ${cap} bytes` : `zlib: ${(error as Error).message}` };
  }
  return decodeJsonText(text, 'zlib');
}

function decodeJsonText(text: string, kind: 'json' | 'zlib'): DecodeResult {
  let start = 0;
  // legacy category prefixes before the JSON object
  if (text.startsWith('WSE{')) start = 3;
  else if (text.startsWith('S{') || text.startsWith('U{')) start = 1;
  let value: unknown;
  try {
    value = JSON.parse(start === 0 ? text : text.slice(start));
  } catch {
    return { ok: false, kind, reason: 'json: not valid JSON' };
  }
  return toMessage(value, kind);
}

/** Accepts a plain object with a string `t` (or legacy `type`); `payload` means `p`. */
function toMessage(value: unknown, kind: 'json' | 'msgpack' | 'zlib'): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind, reason: 'message is not an object' };
  }
  const record = value as Record<string, unknown>;
  if (typeof record['t'] !== 'string') {
    if (typeof record['type'] !== 'string') return { ok: false, kind, reason: 'message has no type (t)' };
    record['t'] = record['type'];
  }
  if (record['p'] === undefined && record['payload'] !== undefined) record['p'] = record['payload'];
  return { ok: true, kind, message: record as unknown as WseMessage };
}
