// The ceiling's sending end: C plain node:net connections, each writing one pre-built buffer of
// masked frames as fast as the socket accepts it (write while write() returns true, else wait for
// 'drain'), until the deadline. No framing work happens while writing.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface FloodClientOptions {
  host: string;
  port: number;
  connections: number;
  /** Seconds of writing in total (warm-up + measured), counted from the first write. */
  writeSec: number;
  /** The bytes each write() hands to the socket; written unchanged, never copied. */
  burst: Buffer;
}

export interface FloodClientReport {
  connections: number;
  /** Bytes handed to socket.write(); every one of them must reach the sink. */
  bytesWritten: number;
  writeCalls: number;
  /** First write → every socket closed, in seconds. */
  elapsedSec: number;
  /** Client process CPU time (user + system) over elapsedSec, as a share of one core. */
  cpuShare: number;
  /** The part of cpuShare spent in the kernel (system time). */
  systemShare: number;
}

/** One connection's write loop; state lives here, not in per-write closures. */
class FloodConnection {
  bytesWritten = 0;
  writeCalls = 0;
  private writing = false;
  private readonly pump = (): void => {
    const { socket, burst } = this;
    while (this.writing) {
      this.writeCalls++;
      this.bytesWritten += burst.length;
      if (!socket.write(burst)) return; // resumed by 'drain'
    }
  };

  constructor(
    readonly socket: Socket,
    private readonly burst: Buffer,
  ) {
    socket.on('drain', this.pump);
  }

  start(): void {
    this.writing = true;
    this.pump();
  }

  /** Stop writing and half-close; resolves when the socket has fully closed. */
  finish(): Promise<void> {
    this.writing = false;
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}

function openConnection(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (error: Error): void => reject(error);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

export async function runFloodClient(options: FloodClientOptions): Promise<FloodClientReport> {
  const sockets: Socket[] = [];
  let writeError: Error | undefined;
  try {
    const opened = await Promise.allSettled(
      Array.from({ length: options.connections }, () => openConnection(options.host, options.port)),
    );
    for (const result of opened) if (result.status === 'fulfilled') sockets.push(result.value);
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed) throw new Error(`ceiling client: ${opened.length - sockets.length} of ${opened.length} connects failed: ${String((failed as PromiseRejectedResult).reason)}`);
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    throw error;
  }

  const flows = sockets.map((socket) => new FloodConnection(socket, options.burst));
  for (const socket of sockets) socket.on('error', (error) => { writeError ??= error; });

  const startNs = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  for (const flow of flows) flow.start();
  await new Promise((resolve) => setTimeout(resolve, options.writeSec * 1000));
  await Promise.all(flows.map((flow) => flow.finish()));
  const elapsedSec = Number(process.hrtime.bigint() - startNs) / 1e9;
  const cpu = process.cpuUsage(startCpu);
  if (writeError) throw new Error(`ceiling client: socket error while writing: ${writeError.message}`);

  let bytesWritten = 0;
  let writeCalls = 0;
  for (const flow of flows) {
    bytesWritten += flow.bytesWritten;
    writeCalls += flow.writeCalls;
  }
  return {
    connections: flows.length,
    bytesWritten,
    writeCalls,
    elapsedSec,
    cpuShare: (cpu.user + cpu.system) / 1e6 / elapsedSec,
    systemShare: cpu.system / 1e6 / elapsedSec,
  };
}
