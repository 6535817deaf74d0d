// The kinds of value that describe the target: its URL (`wse-bench ws://host:5006/wse`) and the
// extra request headers of the upgrade (--header 'Name: value'). Both are checked here, so a bad
// URL or a header that would break the handshake is a usage error before anything connects.
import { UsageError } from './usage-error.js';
import type { ValueKind } from './value-kinds.js';

/** ws://host:port/path?query or wss://…: what --host, --port, --path and --tls would say. */
export interface TargetUrl {
  host: string;
  /** 80 for ws://, 443 for wss:// when the URL gives none. */
  port: number;
  /** Path and query; undefined when the URL has neither (the default WSE path is then used). */
  path: string | undefined;
  tls: boolean;
}

export function parseTargetUrl(raw: string, flag: string): TargetUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: "${raw}" is not a URL (expected ws://host:port/path or wss://…)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError(`${flag}: "${raw}" is not a WebSocket URL: use ws:// or wss://`);
  if (url.username !== '' || url.password !== '') throw new UsageError(`${flag}: credentials in the URL are not sent; use --header or --auth`);
  const tls = url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const path = url.pathname === '/' && url.search === '' ? undefined : `${url.pathname}${url.search}`;
  return { host, port: url.port === '' ? (tls ? 443 : 80) : Number(url.port), path, tls };
}

export const wsUrl: ValueKind<string> = {
  placeholder: '<ws://host:port/path>',
  parse(raw, flag) {
    parseTargetUrl(raw, flag);
    return raw;
  },
  render: String,
  schema: { type: 'string' },
};

export interface HttpHeader {
  name: string;
  value: string;
}

/** RFC 9110 token characters: what a header name may hold. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the WebSocket handshake itself sets: replacing one would break the upgrade or lie about it. */
const HANDSHAKE_HEADERS = new Set([
  'host', 'upgrade', 'connection', 'content-length', 'transfer-encoding',
  'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol',
]);

export const httpHeader: ValueKind<HttpHeader> = {
  placeholder: '<"Name: value">',
  parse(raw, flag) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`${flag} expects "Name: value", got "${raw}"`);
    const name = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    if (!TOKEN.test(name)) throw new UsageError(`${flag}: "${name}" is not a valid header name`);
    // CR or LF in a value would end the header early and let the rest be read as another one
    if (/[\r\n\0]/.test(value)) throw new UsageError(`${flag} ${name}: a header value cannot hold a line break or NUL`);
    if (HANDSHAKE_HEADERS.has(name.toLowerCase())) throw new UsageError(`${flag} ${name}: the WebSocket handshake sets this header itself`);
    return { name, value };
  },
  render: ({ name, value }) => `${name}: ${value}`,
  schema: { type: 'string' },
};
