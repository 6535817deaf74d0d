// The HTTP/1.1 upgrade of RFC 6455 §4, for both roles. Everything here works on bytes and
// strings only (no sockets), so each rule can be tested by feeding it input split anywhere.
import * as nodeCrypto from 'node:crypto';
import { WEBSOCKET_GUID } from './constants.js';
import { sharedRandomPool } from './random-pool.js';

/** Largest request or response head (status line + headers) accepted by default. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const WEBSOCKET_KEY = /^[A-Za-z0-9+/]{22}==$/; // decodes to exactly 16 bytes
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: .*)?$/;

const REASON_PHRASES: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1). */
export function generateWebSocketKey(): string {
  return sharedRandomPool.base64(16);
}

// The one-shot hash where the runtime has it (Node ≥ 20.12, Bun): measured 1.3 → 0.35 µs a key
// under Node 20 against createHash().update().digest(), and a connection storm checks one a connection.
const oneShotHash = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). Keys are base64: ASCII. */
export function computeAcceptKey(key: string): string {
  const input = key + WEBSOCKET_GUID;
  return oneShotHash !== undefined ? oneShotHash('sha1', input, 'base64') : nodeCrypto.createHash('sha1').update(input, 'latin1').digest('base64');
}

/** Whether a comma-separated header value contains `token` (case-insensitive). */
export function headerHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Reading a head incrementally

export type HeadReadResult =
  | { readonly state: 'incomplete' }
  | { readonly state: 'too-large' }
  | { readonly state: 'malformed'; readonly reason: string }
  /**
   * `rest` holds the bytes after the blank line: they belong to whatever follows (frames). It may
   * be a view of the chunk pushed last: valid only as long as that chunk is.
   */
  | { readonly state: 'complete'; readonly head: string; readonly rest: Buffer };

const INCOMPLETE = { state: 'incomplete' } as const;
const TOO_LARGE: HeadReadResult = { state: 'too-large' };

/**
 * Collects chunks until the blank line that ends an HTTP head. The first line is checked as
 * it arrives, so binary garbage is refused at once instead of after the size limit.
 */
export class HttpHeadReader {
  private buffered: Buffer = Buffer.alloc(0);
  private firstLineDone = false;
  private finished = false;

  constructor(private readonly maxBytes: number = DEFAULT_MAX_HEADER_BYTES) {}

  push(chunk: Buffer): HeadReadResult {
    if (this.finished) throw new Error('HttpHeadReader: push after the head was complete');
    const scanFrom = Math.max(0, this.buffered.length - 3);
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.firstLineDone) {
      const problem = this.checkFirstLine(this.buffered);
      if (problem !== undefined) return this.finish({ state: 'malformed', reason: problem });
    }
    const end = this.buffered.indexOf(HEAD_END, scanFrom);
    if (end === -1) {
      if (this.buffered.length > this.maxBytes) return this.finish(TOO_LARGE);
      // Kept past this call: a copy, since the caller may reuse the chunk's memory (a read buffer).
      if (this.buffered === chunk) this.buffered = Buffer.from(chunk);
      return INCOMPLETE;
    }
    const headLength = end + HEAD_END.length;
    if (headLength > this.maxBytes) return this.finish(TOO_LARGE);
    const head = this.buffered.toString('latin1', 0, end);
    const rest = this.buffered.subarray(headLength);
    return this.finish({ state: 'complete', head, rest });
  }

  private finish(result: HeadReadResult): HeadReadResult {
    this.finished = true;
    this.buffered = Buffer.alloc(0);
    return result;
  }

  /** The start line may hold visible ASCII, spaces, tabs and obs-text; CR only before LF. */
  private checkFirstLine(bytes: Buffer): string | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === 0x0d) {
        if (i + 1 === bytes.length) return undefined;
        if (bytes[i + 1] !== 0x0a) return 'bare CR in the start line';
        if (i === 0) return 'empty start line';
        this.firstLineDone = true;
        return undefined;
      }
      if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) {
        return `control byte 0x${byte.toString(16).padStart(2, '0')} in the start line`;
      }
    }
    return undefined;
  }
}

/** Splits the header lines (everything after the start line) into lower-cased names. */
function parseHeaderLines(lines: readonly string[]): Record<string, string> | string {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return `header line without a name: ${JSON.stringify(line.slice(0, 60))}`;
    const name = line.slice(0, colon);
    if (!HEADER_NAME.test(name)) return `invalid header name ${JSON.stringify(name.slice(0, 60))}`;
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return `invalid byte in header ${name}`;
    const key = name.toLowerCase();
    const previous = headers[key];
    headers[key] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return headers;
}

// ---------------------------------------------------------------------------------------------
// Client role

export interface UpgradeRequestSpec {
  /** Host header value: host, plus ':port' when it is not the scheme's default. */
  host: string;
  /** Path and query, e.g. '/wse?compression=false'. */
  path: string;
  key: string;
  /** Extra headers (Cookie, Authorization…). Their values must not contain CR or LF. */
  headers?: Record<string, string>;
}

export function buildUpgradeRequest(spec: UpgradeRequestSpec): string {
  let text =
    `GET ${spec.path} HTTP/1.1\r\n` +
    `Host: ${spec.host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${spec.key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n';
  if (spec.headers !== undefined) {
    for (const [name, value] of Object.entries(spec.headers)) {
      if (!HEADER_NAME.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
      if (/[\r\n\0]/.test(value)) throw new TypeError(`invalid value for header ${name}`);
      text += `${name}: ${value}\r\n`;
    }
  }
  return text + '\r\n';
}

export type UpgradeResponseResult =
  | { readonly state: 'incomplete' }
  | { readonly state: 'rejected'; readonly message: string; readonly statusCode?: number }
  | { readonly state: 'accepted'; readonly headers: Record<string, string>; readonly rest: Buffer };

/** Reads and checks the server's answer to one upgrade request (RFC 6455 §4.1, client steps 1–6). */
export class UpgradeResponseReader {
  private readonly reader: HttpHeadReader;

  constructor(
    private readonly key: string,
    maxBytes: number = DEFAULT_MAX_HEADER_BYTES,
  ) {
    this.reader = new HttpHeadReader(maxBytes);
  }

  push(chunk: Buffer): UpgradeResponseResult {
    const read = this.reader.push(chunk);
    switch (read.state) {
      case 'incomplete':
        return INCOMPLETE;
      case 'too-large':
        return { state: 'rejected', message: 'upgrade response headers exceed the size limit' };
      case 'malformed':
        return { state: 'rejected', message: `malformed upgrade response: ${read.reason}` };
      case 'complete':
        return this.check(read.head, read.rest);
    }
  }

  private check(head: string, rest: Buffer): UpgradeResponseResult {
    const lines = head.split('\r\n');
    const statusLine = lines[0]!;
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) return { state: 'rejected', message: `malformed status line "${statusLine}"` };
    const statusCode = Number(status[3]);
    if (statusCode !== 101) {
      return { state: 'rejected', statusCode, message: `unexpected server response "${statusLine}"` };
    }
    const headers = parseHeaderLines(lines);
    if (typeof headers === 'string') return { state: 'rejected', message: `malformed upgrade response: ${headers}` };
    if (!headerHasToken(headers['upgrade'], 'websocket')) {
      return { state: 'rejected', message: `101 response without "Upgrade: websocket" (got ${JSON.stringify(headers['upgrade'] ?? '')})` };
    }
    if (!headerHasToken(headers['connection'], 'upgrade')) {
      return { state: 'rejected', message: `101 response without "Connection: Upgrade" (got ${JSON.stringify(headers['connection'] ?? '')})` };
    }
    const accept = headers['sec-websocket-accept'];
    if (accept !== computeAcceptKey(this.key)) {
      return { state: 'rejected', message: `wrong Sec-WebSocket-Accept ${JSON.stringify(accept ?? '')}` };
    }
    // We offer no extension and no subprotocol, so the server may not pick one (§4.1 steps 5, 6).
    if (headers['sec-websocket-extensions'] !== undefined) {
      return { state: 'rejected', message: `server chose an extension we did not offer: ${headers['sec-websocket-extensions']}` };
    }
    if (headers['sec-websocket-protocol'] !== undefined) {
      return { state: 'rejected', message: `server chose a subprotocol we did not offer: ${headers['sec-websocket-protocol']}` };
    }
    return { state: 'accepted', headers, rest };
  }
}

// ---------------------------------------------------------------------------------------------
// Server role

export interface ParsedRequestHead {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  /** e.g. '1.1' */
  httpVersion: string;
  /** Names in lower case; repeated headers joined with ', '. */
  headers: Record<string, string>;
}

export type UpgradeRequestResult =
  | { readonly state: 'incomplete' }
  /** Answer with this status and close. */
  | {
      readonly state: 'rejected';
      readonly status: number;
      readonly reason: string;
      readonly headers?: Record<string, string>;
    }
  /** A plain HTTP request, not an attempt to upgrade (e.g. GET /stats). */
  | { readonly state: 'http'; readonly request: ParsedRequestHead }
  /** A valid upgrade: answer with buildUpgradeResponse(key); `rest` is frame data. */
  | { readonly state: 'upgrade'; readonly request: ParsedRequestHead; readonly key: string; readonly rest: Buffer };

function reject(status: number, reason: string, headers?: Record<string, string>): UpgradeRequestResult {
  return headers === undefined ? { state: 'rejected', status, reason } : { state: 'rejected', status, reason, headers };
}

/** Reads one request and decides: upgrade, plain HTTP, or a rejection with its status (RFC 6455 §4.2.1). */
export class UpgradeRequestReader {
  private readonly reader: HttpHeadReader;

  constructor(maxBytes: number = DEFAULT_MAX_HEADER_BYTES) {
    this.reader = new HttpHeadReader(maxBytes);
  }

  push(chunk: Buffer): UpgradeRequestResult {
    const read = this.reader.push(chunk);
    switch (read.state) {
      case 'incomplete':
        return INCOMPLETE;
      case 'too-large':
        return reject(431, 'request headers exceed the size limit');
      case 'malformed':
        return reject(400, `malformed request: ${read.reason}`);
      case 'complete':
        return this.check(read.head, read.rest);
    }
  }

  private check(head: string, rest: Buffer): UpgradeRequestResult {
    const lines = head.split('\r\n');
    const requestLine = REQUEST_LINE.exec(lines[0]!);
    if (requestLine === null) return reject(400, 'malformed request line');
    const headers = parseHeaderLines(lines);
    if (typeof headers === 'string') return reject(400, `malformed request: ${headers}`);
    const request: ParsedRequestHead = {
      method: requestLine[1]!,
      url: requestLine[2]!,
      httpVersion: `${requestLine[3]}.${requestLine[4]}`,
      headers,
    };
    if (!headerHasToken(headers['upgrade'], 'websocket')) return { state: 'http', request };

    if (request.method !== 'GET') return reject(405, 'the upgrade must be a GET request', { Allow: 'GET' });
    const major = Number(requestLine[3]);
    if (major < 1 || (major === 1 && Number(requestLine[4]) < 1)) return reject(400, 'the upgrade needs HTTP/1.1 or later');
    if (headers['host'] === undefined) return reject(400, 'missing Host header');
    if (!headerHasToken(headers['connection'], 'upgrade')) return reject(400, 'missing "Connection: Upgrade"');
    if (headers['sec-websocket-version'] !== '13') {
      return reject(426, 'unsupported Sec-WebSocket-Version (only 13 is supported)', { 'Sec-WebSocket-Version': '13' });
    }
    const key = headers['sec-websocket-key'];
    if (key === undefined) return reject(400, 'missing Sec-WebSocket-Key');
    if (!WEBSOCKET_KEY.test(key)) return reject(400, 'Sec-WebSocket-Key is not 16 bytes of base64');
    return { state: 'upgrade', request, key, rest };
  }
}

/** The 101 answer to a valid upgrade request. */
export function buildUpgradeResponse(key: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`
  );
}

/** A complete HTTP/1.1 response after which the connection is closed. */
export function buildHttpResponse(status: number, headers: Record<string, string> = {}, body = ''): string {
  let text = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Unknown'}\r\nConnection: close\r\n`;
  let hasContentType = false;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'connection') continue; // ours are authoritative
    if (lower === 'content-type') hasContentType = true;
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid response header ${JSON.stringify(name)}`);
    text += `${name}: ${value}\r\n`;
  }
  if (!hasContentType && body.length > 0) text += 'Content-Type: text/plain; charset=utf-8\r\n';
  return `${text}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
