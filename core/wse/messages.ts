// What the client sends to a WSE server, built as strings (or Buffers for the binary formats).
// The builders concatenate instead of calling JSON.stringify where the shape is fixed.
import { deflateSync } from 'node:zlib';
import type { MsgpackCodec } from './decode.js';

export const DEFAULT_WSE_PATH = '/wse?compression=false&protocol_version=1';

export function wseUrl(host: string, port: number, path: string = DEFAULT_WSE_PATH): string {
  // An IPv6 literal needs brackets inside a URL.
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `ws://${hostPart}:${port}${path.startsWith('/') ? path : `/${path}`}`;
}

export function clientHello(clientVersion: string): string {
  return `{"t":"client_hello","p":{"client_version":${JSON.stringify(clientVersion)},"protocol_version":1}}`;
}

// The last ping built: thousands of pings a second share each millisecond's text.
let lastPingMs = Number.NaN;
let lastPing = '';

/** WSE reads p.timestamp; client_timestamp is what the original TS client sent, so both go out. */
export function pingMessage(nowMs: number): string {
  const ms = Math.trunc(nowMs);
  if (ms !== lastPingMs) {
    lastPing = `{"t":"ping","p":{"timestamp":${ms},"client_timestamp":${ms}}}`;
    lastPingMs = ms;
  }
  return lastPing;
}

/**
 * The answer to the server's heartbeat `{"c":"WSE","t":"ping"}`. `serverTimeMs` is the server's
 * `server_time` converted to ms; 0 when the heartbeat carried none.
 */
export function heartbeatReply(nowMs: number, serverTimeMs = 0): string {
  const server = Number.isFinite(serverTimeMs) ? Math.trunc(serverTimeMs) : 0;
  return `{"c":"WSE","t":"PONG","p":{"client_timestamp":${Math.trunc(nowMs)},"server_timestamp":${server}}}`;
}

/** The throughput test's payload, byte for byte as the original clients sent it. */
export const TRADING_MESSAGE =
  '{"t":"trade_update","p":{"symbol":"ES","side":"buy","price":5234.75,"qty":2,"ts":"2026-02-23T14:30:00.123Z","account":"acc_01HQ3","tags":["momentum","breakout"],"score":0.87}}';

/** The size matrix's smallest cell uses this short form (the full message is already ~175 B). */
export const SHORT_TRADING_MESSAGE = '{"t":"trade_update","p":{"s":"ES","px":5234.75,"q":2}}';

// `,"data":""` added inside p.
const DATA_FIELD_OVERHEAD = 10;

/** Smallest size paddedTradingMessage can build. */
export const MIN_PADDED_SIZE = SHORT_TRADING_MESSAGE.length + DATA_FIELD_OVERHEAD;

/**
 * The trading message with a `data` string field in `p`, so that the JSON is exactly `bytes`
 * long (ASCII, so bytes = characters). Sizes too small for the full message use the short form.
 */
export function paddedTradingMessage(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < MIN_PADDED_SIZE) {
    throw new RangeError(`a padded trading message needs at least ${MIN_PADDED_SIZE} bytes, got ${bytes}`);
  }
  const base = bytes >= TRADING_MESSAGE.length + DATA_FIELD_OVERHEAD ? TRADING_MESSAGE : SHORT_TRADING_MESSAGE;
  const padding = 'x'.repeat(bytes - base.length - DATA_FIELD_OVERHEAD);
  // Both forms end with `}}`: the field goes before the closing brace of p.
  return `${base.slice(0, -2)},"data":"${padding}"}}`;
}

export type WireFormat = 'json' | 'msgpack' | 'zlib';

const MSGPACK_PREFIX = Buffer.from('M:', 'latin1');
const ZLIB_PREFIX = Buffer.from('C:', 'latin1');

/**
 * One message in one of WSE's formats: JSON text, `M:` + MessagePack (binary), or
 * `C:` + zlib-deflated JSON (binary). The msgpack codec is passed in: core imports no packages.
 */
export function encodeFormat(obj: unknown, format: WireFormat, msgpack?: MsgpackCodec): string | Buffer {
  switch (format) {
    case 'json':
      return JSON.stringify(obj);
    case 'msgpack':
      if (msgpack === undefined) throw new Error('encodeFormat: the msgpack format needs a MsgpackCodec');
      return Buffer.concat([MSGPACK_PREFIX, msgpack.encode(obj)]);
    case 'zlib':
      return Buffer.concat([ZLIB_PREFIX, deflateSync(JSON.stringify(obj))]);
  }
}
