// The ceiling's receiving end: a plain node:net server that reads and discards, counting bytes.
// No WebSocket parsing — it stands for the cheapest possible server, so the client side is the limit.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface CeilingSinkOptions {
  host: string;
  port: number;
  /** Bytes before this many seconds after the first byte are warm-up and are not measured. */
  warmupSec: number;
}

/** What the sink saw. The measured window runs from the end of warm-up to the last byte received. */
export interface CeilingSinkReport {
  connections: number;
  totalBytes: number;
  measuredBytes: number;
  measuredSec: number;
  /** Sink process CPU time (user + system) over the measured window, as a share of one core. */
  cpuShare: number;
  /** The part of cpuShare spent in the kernel (system time): on loopback, mostly copying. */
  systemShare: number;
}

export class CeilingSink {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private acceptedConnections = 0;
  private expectedConnections = Infinity;
  private onAllClosed: (() => void) | undefined;
  private totalBytes = 0;
  private firstByteSeen = false;
  private firstByteNs = 0n;
  private startCpu: NodeJS.CpuUsage | undefined;
  private markBytes = 0;
  private markNs = 0n;
  private markCpu: NodeJS.CpuUsage | undefined;
  private lastByteNs = 0n;
  private warmupTimer: NodeJS.Timeout | undefined;
  private readonly countBytes = (chunk: Buffer): void => {
    this.totalBytes += chunk.length;
    this.lastByteNs = process.hrtime.bigint();
    if (!this.firstByteSeen) this.onFirstByte();
  };

  constructor(private readonly options: CeilingSinkOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Resolves once `connections` sockets have been accepted and all of them have closed. */
  whenAllClosed(connections: number): Promise<void> {
    this.expectedConnections = connections;
    return new Promise((resolve) => {
      this.onAllClosed = resolve;
      this.checkAllClosed();
    });
  }

  report(): CeilingSinkReport {
    // No mark means the run ended inside warm-up: measure the whole run instead of nothing.
    const measuredFromNs = this.markCpu === undefined ? this.firstByteNs : this.markNs;
    const measuredSec = Number(this.lastByteNs - measuredFromNs) / 1e9;
    const cpu = process.cpuUsage(this.markCpu ?? this.startCpu);
    return {
      connections: this.acceptedConnections,
      totalBytes: this.totalBytes,
      measuredBytes: this.totalBytes - this.markBytes,
      measuredSec,
      cpuShare: measuredSec > 0 ? (cpu.user + cpu.system) / 1e6 / measuredSec : 0,
      systemShare: measuredSec > 0 ? cpu.system / 1e6 / measuredSec : 0,
    };
  }

  close(): Promise<void> {
    clearTimeout(this.warmupTimer);
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private checkAllClosed(): void {
    if (this.onAllClosed && this.acceptedConnections >= this.expectedConnections && this.sockets.size === 0) {
      const resolve = this.onAllClosed;
      this.onAllClosed = undefined;
      resolve();
    }
  }

  private onFirstByte(): void {
    this.firstByteSeen = true;
    this.firstByteNs = process.hrtime.bigint();
    this.startCpu = process.cpuUsage();
    this.warmupTimer = setTimeout(() => {
      this.markNs = process.hrtime.bigint();
      this.markBytes = this.totalBytes;
      this.markCpu = process.cpuUsage();
    }, this.options.warmupSec * 1000);
  }

  private accept(socket: Socket): void {
    this.acceptedConnections++;
    this.sockets.add(socket);
    socket.on('data', this.countBytes);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.checkAllClosed();
    });
  }
}
