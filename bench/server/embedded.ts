// Starts the embedded server as a separate process (`<runtime> dist/bench.js serve … --ipc`),
// never in the client's event loop, and reads its counters over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerTlsFiles } from '../../adapters/server/transport.js';
import { isChildToParent, type ParentToChild } from './ipc.js';
import { serveArgv, type ServeOptions } from './serve-options.js';
import type { ServerStats } from './stats.js';
import type { ServedTransportName, ServerMode } from '../options/choices.js';

/** The serve flags the benchmark sets (the same meaning as `serve`'s), plus how to launch it. */
export interface EmbeddedServerOptions
  extends Pick<ServeOptions, 'host' | 'secret' | 'issuer' | 'audience' | 'mode' | 'transport' | 'workers' | 'maxConnections' | 'rateLimit'> {
  /** 0 = any free port. */
  port: number;
  /** Serve wss:// with these PEM files. */
  tls?: ServerTlsFiles;
  /** Path of dist/bench.js to run as `<runtime> <script> serve …`; default process.argv[1]. */
  script?: string;
  /** Extra serve flags (internal ones such as --handshake-timeout, for tests). */
  extraArgs?: string[];
  /** How long to wait for the server to listen. Default 20 s. */
  readyTimeoutMs?: number;
}

export interface EmbeddedServer {
  readonly host: string;
  readonly port: number;
  readonly transport: ServedTransportName;
  readonly mode: ServerMode;
  readonly workers: number;
  /** Why the requested transport was not used (auto fell back), if so. */
  readonly note: string | undefined;
  /** The server process id (the primary when there are several workers). */
  readonly pid: number;
  /** Exact merged counters of all workers, over IPC. */
  stats(): Promise<ServerStats>;
  /** Idempotent; stops the whole process tree. */
  stop(): Promise<void>;
  /** Called if the server exits unexpectedly (crash, killed). */
  onUnexpectedExit(listener: (description: string) => void): void;
}

const STATS_TIMEOUT_MS = 10_000;

export function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const script = options.script ?? process.argv[1];
  if (script === undefined) return Promise.reject(new Error('startEmbeddedServer: no script to run'));
  const args = [
    script, 'serve',
    ...serveArgv({
      host: options.host, port: options.port, secret: options.secret, issuer: options.issuer, audience: options.audience,
      mode: options.mode, transport: options.transport, workers: options.workers, maxConnections: options.maxConnections,
      rateLimit: options.rateLimit, cert: options.tls?.certFile, key: options.tls?.keyFile,
    }),
    ...(options.extraArgs ?? []),
    '--ipc',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-2000);
  });
  return new Promise<EmbeddedServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the embedded server did not start within ${options.readyTimeoutMs ?? 20_000} ms${stderrTail ? `: ${lastLine(stderrTail)}` : ''}`));
    }, options.readyTimeoutMs ?? 20_000);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`the embedded server exited before it was ready (${describeExit(code, signal)})${stderrTail ? `: ${lastLine(stderrTail)}` : ''}`));
    };
    child.once('exit', onEarlyExit);
    const onMessage = (message: unknown): void => {
      if (!isChildToParent(message)) return;
      if (message.type === 'failed') {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.kill('SIGKILL');
        reject(new Error(message.error));
      } else if (message.type === 'ready') {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.off('message', onMessage);
        resolve(new EmbeddedServerProcess(child, options, message.port, message.transport, message.note));
      }
    };
    child.on('message', onMessage);
  });
}

class EmbeddedServerProcess implements EmbeddedServer {
  readonly host: string;
  readonly mode: ServerMode;
  readonly workers: number;
  private stopping: Promise<void> | undefined;
  private exited = false;
  private nextRequestId = 0;
  private readonly pending = new Map<number, { resolve: (stats: ServerStats) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exitListeners: ((description: string) => void)[] = [];

  constructor(
    private readonly child: ChildProcess,
    options: EmbeddedServerOptions,
    readonly port: number,
    readonly transport: ServedTransportName,
    readonly note: string | undefined,
  ) {
    this.host = options.host;
    this.mode = options.mode;
    this.workers = options.workers;
    child.on('message', (message: unknown) => {
      if (!isChildToParent(message) || message.type !== 'stats') return;
      const entry = this.pending.get(message.requestId);
      if (entry === undefined) return;
      this.pending.delete(message.requestId);
      clearTimeout(entry.timer);
      entry.resolve(message.stats);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      const description = describeExit(code, signal);
      for (const entry of this.pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(new Error(`the embedded server ${description}`));
      }
      this.pending.clear();
      if (this.stopping === undefined) for (const listener of this.exitListeners) listener(description);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stats(): Promise<ServerStats> {
    if (this.exited || !this.child.connected) return Promise.reject(new Error('the embedded server is not running'));
    return new Promise((resolve, reject) => {
      const requestId = ++this.nextRequestId;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`the embedded server did not answer a stats request within ${STATS_TIMEOUT_MS} ms`));
      }, STATS_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      const request: ParentToChild = { type: 'stats', requestId };
      this.child.send(request);
    });
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const force = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      this.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      // SIGTERM: the server (and a multi-worker primary, which stops its workers) shuts down cleanly
      this.child.kill('SIGTERM');
    });
    return this.stopping;
  }

  onUnexpectedExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
