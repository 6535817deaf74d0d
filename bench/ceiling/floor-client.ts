// The raw-client floor for the latency and connection targets: the least any JavaScript client can
// spend against a given WSE server. Plain net sockets write a pre-built upgrade request, a pre-built
// client_hello and pre-built ping frames (fixed masks), and read only frame lengths and the word
// PONG: no handshake checks, no JSON, no per-message objects. What it measures is the server plus
// the socket syscalls, which every client pays; a client can come close to it, not beat it.
// Same shape as the benchmark: connections opened in batches (each batch settles before the next),
// then every connection sends `pings` sequential pings (the next after the previous PONG).
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientHello, pingMessage } from '../../core/wse/messages.js';
import { buildMaskedTextFrames } from './frames.js';

export interface FloorOptions {
  host: string;
  port: number;
  /** Path and query of the WSE endpoint, e.g. /wse?compression=false&protocol_version=1. */
  path: string;
  token: string;
  connections: number;
  batchSize: number;
  pings: number;
  timeoutMs: number;
  /** Opened, pinged and closed before anything is timed (the benchmark's --warmup). */
  warmupConnections: number;
}

export interface FloorReport {
  connections: number;
  established: number;
  failed: number;
  /** Established ÷ wall time from the first dial to the last batch settled. */
  connectRatePerSec: number;
  pings: number;
  pongs: number;
  /** Round-trip percentiles in µs (0 when no ping was made). */
  rttP50Micros: number;
  rttP99Micros: number;
  /** Process CPU time ÷ wall time over each phase. */
  connectCpuShare: number;
  pingCpuShare: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('"PONG"');
const SERVER_READY = Buffer.from('"server_ready"');

/** One connection's reader: HTTP head, then frames; counts PONGs after server_ready. */
class FloorConnection {
  private pending: Buffer | undefined;
  private headDone = false;
  ready = false;
  /** Between its first ping and its last PONG (or its end). */
  pinging = false;
  pingsLeft = 0;
  sentAt = 0;

  constructor(
    readonly socket: Socket,
    private readonly onReady: (c: FloorConnection) => void,
    private readonly onPong: (c: FloorConnection) => void,
    private readonly onFail: (c: FloorConnection, why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (!this.headDone) {
      const end = data.indexOf(HEAD_END);
      if (end === -1) {
        this.pending = data;
        return;
      }
      if (data.toString('latin1', 9, 12) !== '101') {
        this.onFail(this, `upgrade refused: ${data.toString('latin1', 0, data.indexOf('\r\n'))}`);
        return;
      }
      this.headDone = true;
      data = data.subarray(end + HEAD_END.length);
    }
    let at = 0;
    while (data.length - at >= 2) {
      const length7 = data[at + 1]! & 0x7f;
      const headerSize = length7 < 126 ? 2 : length7 === 126 ? 4 : 10;
      if (data.length - at < headerSize) break;
      const length = length7 < 126 ? length7 : length7 === 126 ? data.readUInt16BE(at + 2) : data.readUInt32BE(at + 6);
      const end = at + headerSize + length;
      if (end > data.length) break;
      if (!this.ready) {
        // The first frame is server_ready (WSE-PROTOCOL.md): say hello and count as established.
        // Anything else (an AUTH_FAILED error, say) fails the connection.
        const word = data.indexOf(SERVER_READY, at + headerSize);
        if (word === -1 || word >= end) {
          this.onFail(this, 'the first frame was not server_ready');
          return;
        }
        this.ready = true;
        this.onReady(this);
      } else {
        const word = data.indexOf(PONG, at + headerSize);
        if (word !== -1 && word < end) this.onPong(this);
      }
      at = end;
    }
    if (at < data.length) this.pending = data.subarray(at);
  }
}

export async function runFloorClient(options: FloorOptions): Promise<FloorReport> {
  const request = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: access_token=${options.token}\r\n\r\n`,
    'latin1',
  );
  const hello = buildMaskedTextFrames(Buffer.from(clientHello('wse-bench-floor/1')), 1);
  const ping = buildMaskedTextFrames(Buffer.from(pingMessage(0)), 1);
  const open: FloorConnection[] = [];
  const rtts: number[] = [];
  let failed = 0;
  let pongs = 0;
  let pingsOutstanding = 0;
  let pingsDone: (() => void) | undefined;

  const dialOne = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) failed++;
        resolve();
      };
      const socket = connect({ host: options.host, port: options.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        settle(false);
      }, options.timeoutMs);
      const connection = new FloorConnection(
        socket,
        (c) => {
          c.socket.write(hello);
          open.push(c);
          settle(true);
        },
        (c) => {
          rtts.push((performance.now() - c.sentAt) * 1000);
          pongs++;
          if (c.pingsLeft > 0) {
            c.pingsLeft--;
            c.sentAt = performance.now();
            c.socket.write(ping);
          } else if (c.pinging) {
            c.pinging = false;
            if (--pingsOutstanding === 0) pingsDone?.();
          }
        },
        (c) => {
          c.socket.destroy();
          settle(false);
        },
      );
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => connection.push(chunk));
      socket.on('error', () => settle(false));
      socket.on('close', () => {
        settle(false);
        // A connection lost mid-ping will not answer: stop waiting for it.
        if (connection.pinging) {
          connection.pinging = false;
          if (--pingsOutstanding === 0) pingsDone?.();
        }
      });
    });

  const openAll = async (count: number): Promise<void> => {
    for (let next = 0; next < count; ) {
      const end = Math.min(count, next + options.batchSize);
      const batch: Promise<void>[] = [];
      for (; next < end; next++) batch.push(dialOne());
      await Promise.all(batch);
    }
  };
  const pingRound = async (pings: number): Promise<void> => {
    if (pings === 0 || open.length === 0) return;
    const allDone = new Promise<void>((resolve) => (pingsDone = resolve));
    pingsOutstanding = open.length;
    for (const c of open) {
      c.pinging = true;
      c.pingsLeft = pings - 1;
      c.sentAt = performance.now();
      c.socket.write(ping);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs + pings * 1000)));
    await Promise.race([allDone, timeout]);
    clearTimeout(timer);
  };
  const settleMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  // Untimed warm-up, as the benchmark's --warmup: connections opened, pinged 5 times and closed.
  if (options.warmupConnections > 0) {
    await openAll(options.warmupConnections);
    await settleMs(100);
    await pingRound(5);
    for (const c of open) c.socket.destroy();
    open.length = 0;
    rtts.length = 0;
    pongs = 0;
    failed = 0;
    await settleMs(200);
  }

  let cpu = process.cpuUsage();
  const started = performance.now();
  await openAll(options.connections);
  const connectMs = performance.now() - started;
  const connectCpu = process.cpuUsage(cpu);

  // Let the server's answer to client_hello (server_hello) arrive, then one untimed round of the
  // same pings warms the ping path further, as the benchmark's earlier tests warm its own.
  await settleMs(200);
  await pingRound(options.pings);
  rtts.length = 0;
  pongs = 0;
  cpu = process.cpuUsage();
  const pingStarted = performance.now();
  await pingRound(options.pings);
  const pingMs = performance.now() - pingStarted;
  const pingCpu = process.cpuUsage(cpu);
  for (const c of open) c.socket.destroy();

  rtts.sort((a, b) => a - b);
  const at = (q: number): number => (rtts.length === 0 ? 0 : rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))]!);
  return {
    connections: options.connections,
    established: open.length,
    failed,
    connectRatePerSec: connectMs > 0 ? open.length / (connectMs / 1000) : 0,
    pings: options.pings > 0 ? open.length * options.pings : 0,
    pongs,
    rttP50Micros: at(0.5),
    rttP99Micros: at(0.99),
    connectCpuShare: (connectCpu.user + connectCpu.system) / 1000 / Math.max(1, connectMs),
    pingCpuShare: (pingCpu.user + pingCpu.system) / 1000 / Math.max(1, pingMs),
  };
}
