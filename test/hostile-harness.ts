// A raw node:net WebSocket server for the reliability tests: each connection does one wrong
// thing, chosen by its request path. `/case/<name>` picks one behaviour; `/mix/<a>,<b>,…` gives
// the n-th upgrade on that path behaviour n mod the list, so one CLI run (--path) meets them all.
// The healthy behaviour speaks enough WSE for a benchmark: server_ready, PONG to every ping,
// server_hello, counted messages. Plain HTTP requests (GET /stats) get a 404 and count for nothing.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Opcode } from '../core/constants.js';
import { FrameDecoder } from '../core/frame-decoder.js';
import type { FrameHandler } from '../core/frame-decoder.js';
import { FrameEncoder } from '../core/frame-encoder.js';
import { UpgradeRequestReader, buildHttpResponse, buildUpgradeResponse } from '../core/handshake.js';

/** What the client must report for each frame-level case: the close code it fails the connection with. */
export const MALFORMED_FRAME_CASES = {
  'frame-rsv1': 1002,
  'frame-rsv2-3': 1002,
  'frame-bad-opcode': 1002,
  'frame-masked': 1002,
  'frame-control-fragmented': 1002,
  'frame-control-too-long': 1002,
  'frame-unexpected-continuation': 1002,
  'frame-expected-continuation': 1002,
  'frame-close-bad-code': 1002,
  'frame-close-1-byte': 1002,
  'frame-invalid-utf8': 1007,
  'frame-fragmented-invalid-utf8': 1007,
  'frame-close-bad-utf8': 1007,
  'frame-too-big': 1009,
  'frame-length-2^63': 1009,
  /** One message in 16 KiB fragments that never ends: over the 1 MiB message limit. */
  'endless-fragments': 1009,
  /** One message in one-byte fragments that never ends: over the client's fragment cap first. */
  'endless-tiny-fragments': 1008,
} as const;
export type MalformedFrameCase = keyof typeof MALFORMED_FRAME_CASES;

/**
 * Floods that a client must survive without queueing without bound: after client_hello the server
 * stops reading and sends RFC 6455 pings (whose pongs the client must coalesce), or WSE heartbeats
 * (whose replies likewise), for as long as the connection is open. Not in ALL_CASES: a mixed CLI
 * run would spend its time on them.
 */
export const FLOOD_CASES = ['rfc-ping-flood', 'heartbeat-flood'] as const;

/** Cases that break the HTTP upgrade (the client must fail the connect with kind 'handshake'). */
export const HANDSHAKE_CASES = ['status-403', 'bad-accept', 'endless-headers', 'huge-headers'] as const;

export type HostileCase =
  | 'healthy'
  | (typeof HANDSHAKE_CASES)[number]
  | (typeof FLOOD_CASES)[number]
  | MalformedFrameCase
  /** A frame header promising 4 KiB, 100 bytes of it, then FIN: the client sees 1006. */
  | 'close-mid-frame'
  /** Healthy until client_hello, then never reads again: the client's writes back up. */
  | 'stop-reading'
  /** Healthy, but the first `pongsBeforeSilence` pings are the only ones answered. */
  | 'no-pong'
  /** Answers the upgrade, then sends nothing: the client's connect must time out. */
  | 'hang-before-ready'
  /** Answers the upgrade, then a frame header of length 2^63 instead of server_ready: a protocol failure. */
  | 'frame-before-ready';

export const ALL_CASES: readonly HostileCase[] = [
  'healthy',
  ...HANDSHAKE_CASES,
  ...(Object.keys(MALFORMED_FRAME_CASES) as MalformedFrameCase[]),
  'close-mid-frame',
  'stop-reading',
  'no-pong',
  'hang-before-ready',
  'frame-before-ready',
];

export interface HostileServerOptions {
  /** no-pong: pings answered before the server falls silent (1: the pre-send settle ping passes). */
  pongsBeforeSilence?: number;
}

export interface HostileServer {
  port: number;
  /** Upgrades seen per case. */
  readonly seen: Map<HostileCase, number>;
  /** Data messages (not pings, not hellos) read so far by connections of that case. */
  messagesRead(kind: HostileCase): number;
  close(): Promise<void>;
}

const encoder = new FrameEncoder('server');
const FRAGMENT = Buffer.alloc(16 * 1024, 0x61);
const ENDLESS_INTERVAL_MS = 5;
/** What an endless case writes per interval while the client keeps up (about 24–128 KB). */
const ENDLESS_BLOCKS: Record<EndlessCase | (typeof FLOOD_CASES)[number], () => Buffer> = {
  'endless-fragments': () => encoder.encode(Opcode.Continuation, FRAGMENT, false),
  'endless-tiny-fragments': () => Buffer.concat(Array.from({ length: 8192 }, () => encoder.encode(Opcode.Continuation, 'a', false))),
  'rfc-ping-flood': () => Buffer.concat(Array.from({ length: 1000 }, () => encoder.encode(Opcode.Ping, 'are you still there?', true))),
  'heartbeat-flood': () => Buffer.concat(Array.from({ length: 1000 }, () => encoder.encode(Opcode.Text, heartbeat(), true))),
};

function heartbeat(): string {
  return JSON.stringify({ c: 'WSE', t: 'ping', p: { server_time: new Date().toISOString() } });
}

export function serverReady(connectionId: number): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    c: 'WSE',
    t: 'server_ready',
    id: `hostile-${connectionId}`,
    ts: now,
    seq: 1,
    p: {
      message: 'Connection established (hostile harness)',
      details: { version: 1, features: {}, connection_id: String(connectionId), server_time: now, user_id: 'bench-user' },
    },
    v: 1,
  });
}

function pong(clientTimestamp: unknown): string {
  const now = Date.now();
  const echoed = typeof clientTimestamp === 'number' ? clientTimestamp : 0;
  return JSON.stringify({ c: 'WSE', t: 'PONG', p: { client_timestamp: echoed, server_timestamp: now, latency: 0 }, v: 1 });
}

/** The bytes of each malformed frame, as a server (unmasked unless the case is the mask) sends them. */
type EndlessCase = 'endless-fragments' | 'endless-tiny-fragments';

export function malformedFrame(kind: Exclude<MalformedFrameCase, EndlessCase>): Buffer {
  switch (kind) {
    case 'frame-rsv1':
      return Buffer.from([0xc1, 0x02, 0x68, 0x69]);
    case 'frame-rsv2-3':
      return Buffer.from([0xa1, 0x02, 0x68, 0x69]);
    case 'frame-bad-opcode':
      return Buffer.from([0x83, 0x00]);
    case 'frame-masked':
      return Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]);
    case 'frame-control-fragmented':
      return Buffer.from([0x09, 0x00]);
    case 'frame-control-too-long':
      return Buffer.concat([Buffer.from([0x89, 0x7e, 0x00, 0x7e]), Buffer.alloc(126)]);
    case 'frame-unexpected-continuation':
      return Buffer.from([0x80, 0x01, 0x61]);
    case 'frame-expected-continuation':
      return Buffer.from([0x01, 0x01, 0x61, 0x81, 0x01, 0x62]);
    case 'frame-close-bad-code':
      return Buffer.from([0x88, 0x02, 0x03, 0xed]); // 1005 may not be sent
    case 'frame-close-1-byte':
      return Buffer.from([0x88, 0x01, 0x03]);
    case 'frame-invalid-utf8':
      return Buffer.from([0x81, 0x02, 0xc3, 0x28]);
    case 'frame-fragmented-invalid-utf8':
      return Buffer.from([0x01, 0x01, 0x61, 0x80, 0x02, 0xed, 0xa0]); // a surrogate, then FIN
    case 'frame-close-bad-utf8':
      return Buffer.from([0x88, 0x04, 0x03, 0xe8, 0xff, 0xfe]);
    case 'frame-too-big':
      // A header announcing 2 MiB (the client's limit is 1 MiB); no payload follows.
      return Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 0x20, 0, 0]);
    case 'frame-length-2^63':
      return Buffer.from([0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  }
}

/** Per-connection state of a healthy-speaking connection. */
class WseSide implements FrameHandler {
  private readonly decoder = new FrameDecoder(this, { role: 'server', maxMessageSize: 16 * 1024 * 1024 });
  private pongsLeft: number;
  private endless: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly behaviour: HostileCase,
    private readonly harness: HarnessState,
  ) {
    this.pongsLeft = behaviour === 'no-pong' ? harness.pongsBeforeSilence : Number.POSITIVE_INFINITY;
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.once('close', () => clearInterval(this.endless));
  }

  push(rest: Buffer): void {
    if (rest.length > 0) this.decoder.push(rest);
  }

  onMessage(payload: Buffer, isBinary: boolean): void {
    let message: { t?: unknown; p?: { timestamp?: unknown } } | undefined;
    try {
      message = isBinary ? undefined : (JSON.parse(payload.toString('utf8')) as typeof message);
    } catch {
      message = undefined;
    }
    const type = message?.t;
    if (type === 'client_hello') {
      this.write(JSON.stringify({ c: 'WSE', t: 'server_hello', p: { server_version: 'hostile', protocol_version: 1 }, v: 1 }));
      this.afterHello();
    } else if (type === 'ping') {
      if (this.pongsLeft-- > 0) this.write(pong(message?.p?.timestamp));
    } else {
      this.harness.messagesRead.set(this.behaviour, (this.harness.messagesRead.get(this.behaviour) ?? 0) + 1);
    }
  }

  onPing(payload: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(encoder.encode(Opcode.Pong, payload, true));
  }

  onPong(): void {}

  onClose(code: number): void {
    if (!this.socket.destroyed) this.socket.end(code === 1005 ? encoder.encodeClose() : encoder.encodeClose(code, ''));
  }

  onError(): void {
    this.socket.destroy();
  }

  private write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(encoder.encode(Opcode.Text, text, true));
  }

  /** The wrong thing happens once the client has said hello, i.e. counts as established. */
  private afterHello(): void {
    const socket = this.socket;
    const kind = this.behaviour;
    if (kind === 'stop-reading') {
      socket.pause();
      socket.removeAllListeners('data');
    } else if (kind === 'close-mid-frame') {
      socket.end(Buffer.concat([Buffer.from([0x82, 0x7e, 0x10, 0x00]), Buffer.alloc(100)]));
    } else if (kind in ENDLESS_BLOCKS) {
      const endless = kind as keyof typeof ENDLESS_BLOCKS;
      if (endless === 'endless-fragments' || endless === 'endless-tiny-fragments') socket.write(encoder.encode(Opcode.Binary, 'a', false));
      else {
        // the floods never read again: their answers pile up on the client's side
        socket.pause();
        socket.removeAllListeners('data');
      }
      const block = ENDLESS_BLOCKS[endless]();
      this.endless = setInterval(() => {
        if (!socket.destroyed && socket.writableLength < 1024 * 1024) socket.write(block);
      }, ENDLESS_INTERVAL_MS);
    } else if (kind in MALFORMED_FRAME_CASES) {
      socket.write(malformedFrame(kind as Exclude<MalformedFrameCase, EndlessCase>));
    }
  }
}

interface HarnessState {
  pongsBeforeSilence: number;
  messagesRead: Map<HostileCase, number>;
}

function caseOf(path: string, mixCounters: Map<string, number>): HostileCase {
  const pathname = path.split('?')[0] ?? '';
  const single = /^\/case\/([^/]+)$/.exec(pathname);
  if (single !== null) return checkCase(decodeURIComponent(single[1]!));
  const mix = /^\/mix\/([^/]+)$/.exec(pathname);
  if (mix !== null) {
    const list = decodeURIComponent(mix[1]!).split(',').map(checkCase);
    const n = mixCounters.get(pathname) ?? 0;
    mixCounters.set(pathname, n + 1);
    return list[n % list.length]!;
  }
  return 'healthy';
}

function checkCase(name: string): HostileCase {
  if (![...ALL_CASES, ...FLOOD_CASES].includes(name as HostileCase)) throw new Error(`unknown hostile case ${name}`);
  return name as HostileCase;
}

function answerUpgrade(socket: Socket, key: string, kind: HostileCase): boolean {
  switch (kind) {
    case 'status-403':
      socket.end(buildHttpResponse(403, {}, 'forbidden'));
      return false;
    case 'bad-accept':
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n');
      return false;
    case 'huge-headers': {
      const line = `X-Filler: ${'x'.repeat(1014)}\r\n`;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\n${line.repeat(1024)}\r\n`);
      return false;
    }
    case 'endless-headers': {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n');
      const timer = setInterval(() => {
        if (socket.destroyed) clearInterval(timer);
        else socket.write(`X-More: ${'y'.repeat(500)}\r\n`);
      }, 2);
      socket.once('close', () => clearInterval(timer));
      return false;
    }
    default:
      socket.write(buildUpgradeResponse(key));
      return true;
  }
}

/** Starts the harness on 127.0.0.1 and an ephemeral port. */
export async function startHostileServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const mixCounters = new Map<string, number>();
  const seen = new Map<HostileCase, number>();
  const state: HarnessState = { pongsBeforeSilence: options.pongsBeforeSilence ?? 1, messagesRead: new Map() };
  let nextId = 1;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new UpgradeRequestReader(64 * 1024);
    const onHead = (chunk: Buffer): void => {
      const result = reader.push(chunk);
      if (result.state === 'incomplete') return;
      socket.off('data', onHead);
      if (result.state === 'rejected') {
        socket.end(buildHttpResponse(result.status));
        return;
      }
      if (result.state === 'http') {
        socket.end(buildHttpResponse(404, {}, 'not here'));
        return;
      }
      let kind: HostileCase;
      try {
        kind = caseOf(result.request.url, mixCounters);
      } catch (error) {
        socket.end(buildHttpResponse(400, {}, (error as Error).message));
        return;
      }
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      if (!answerUpgrade(socket, result.key, kind)) return;
      if (kind === 'hang-before-ready') return;
      if (kind === 'frame-before-ready') {
        socket.write(malformedFrame('frame-length-2^63'));
        return;
      }
      const side = new WseSide(socket, kind, state);
      socket.write(encoder.encode(Opcode.Text, serverReady(nextId++), true));
      side.push(result.rest);
    };
    socket.on('data', onHead);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    messagesRead: (kind) => state.messagesRead.get(kind) ?? 0,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
