// Starts the embedded server as a separate process (`<runtime> dist/bench.js serve … --ipc`),
// never in the client's event loop, and reads its counters over IPC.
import type { ServerTlsFiles } from '../../adapters/server/transport.js';
import type { ServedTransportName, ServerMode } from '../options/choices.js';
import { environmentWithSecret } from '../options/layers.js';
import { ChildHandle } from '../process/child.js';
import type { ChildToParent, ParentToChild } from './ipc.js';
import { serveArgv, type ServeOptions } from './serve-options.js';
import type { ServerStats } from './stats.js';

/** The serve flags the benchmark sets (the same meaning as `serve`'s), plus how to launch it. */
export interface EmbeddedServerOptions
  extends Pick<ServeOptions, 'host' | 'secret' | 'issuer' | 'audience' | 'mode' | 'transport' | 'workers' | 'maxConnections' | 'rateLimit'>,
    Partial<Pick<ServeOptions, 'outboundQueue' | 'metricsPort' | 'handshakeTimeout'>> {
  /** 0 = any free port. */
  port: number;
  /** Serve wss:// with these PEM files. */
  tls?: ServerTlsFiles;
  /** Path of dist/bench.js to run as `<runtime> <script> serve …`; default process.argv[1]. */
  script?: string;
  /** Extra serve flags (internal ones such as --handshake-timeout, for tests). */
  extraArgs?: string[];
  /** taskset -c list to run the server on (compare --pin); default any core. */
  cores?: string;
  /** The runtime to run it under, and flags for that runtime (--cpu-prof); default this process's. */
  binary?: string;
  runtimeArgs?: string[];
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
  /** Where GET /metrics and the fan-out publisher's control answer (admin-listener.ts); undefined with --metrics-port 0. */
  readonly metricsPort: number | undefined;
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
const READY_TIMEOUT_MS = 20_000;
/** After SIGTERM the server (and a multi-worker primary's workers) gets this long to exit. */
const STOP_GRACE_MS = 3_000;

type ServerProcess = ChildHandle<ChildToParent, ParentToChild>;

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const script = options.script ?? process.argv[1];
  if (script === undefined) throw new Error('startEmbeddedServer: no script to run');
  const args = [
    ...(options.runtimeArgs ?? []),
    script, 'serve',
    ...serveArgv({
      host: options.host, port: options.port, issuer: options.issuer, audience: options.audience,
      mode: options.mode, transport: options.transport, workers: options.workers, maxConnections: options.maxConnections,
      rateLimit: options.rateLimit, cert: options.tls?.certFile, key: options.tls?.keyFile,
      outboundQueue: options.outboundQueue, metricsPort: options.metricsPort, handshakeTimeout: options.handshakeTimeout,
    }),
    ...(options.extraArgs ?? []),
    '--ipc',
  ];
  const child: ServerProcess = ChildHandle.spawn(args, 'the embedded server', {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: environmentWithSecret(options.secret),
    ...(options.cores !== undefined ? { cores: options.cores } : {}),
    ...(options.binary !== undefined ? { binary: options.binary } : {}),
  });
  const ready = await child.waitUntilReady((message) => {
    if (message.type === 'failed') throw new Error(message.error);
    return message.type === 'ready' ? message : undefined;
  }, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  return new EmbeddedServerProcess(child, options, ready.port, ready.transport, ready.note, ready.metricsPort);
}

class EmbeddedServerProcess implements EmbeddedServer {
  readonly host: string;
  readonly mode: ServerMode;
  readonly workers: number;
  private stopping: Promise<void> | undefined;
  private nextRequestId = 0;
  private readonly pending = new Map<number, { resolve: (stats: ServerStats) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exitListeners: ((description: string) => void)[] = [];

  constructor(
    private readonly child: ServerProcess,
    options: EmbeddedServerOptions,
    readonly port: number,
    readonly transport: ServedTransportName,
    readonly note: string | undefined,
    readonly metricsPort: number | undefined,
  ) {
    this.host = options.host;
    this.mode = options.mode;
    this.workers = options.workers;
    child.onMessage((message) => {
      if (message.type !== 'stats') return;
      const entry = this.pending.get(message.requestId);
      if (entry === undefined) return;
      this.pending.delete(message.requestId);
      clearTimeout(entry.timer);
      entry.resolve(message.stats);
    });
    child.onExit((description) => {
      for (const entry of this.pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(new Error(`the embedded server ${description}`));
      }
      this.pending.clear();
      if (this.stopping === undefined) for (const listener of this.exitListeners) listener(description);
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  stats(): Promise<ServerStats> {
    if (!this.child.alive || !this.child.child.connected) return Promise.reject(new Error('the embedded server is not running'));
    return new Promise((resolve, reject) => {
      const requestId = ++this.nextRequestId;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`the embedded server did not answer a stats request within ${STATS_TIMEOUT_MS} ms`));
      }, STATS_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      this.child.send({ type: 'stats', requestId });
    });
  }

  stop(): Promise<void> {
    // SIGTERM: the server (and a multi-worker primary, which stops its workers) shuts down cleanly
    this.stopping ??= this.child.stop(() => this.child.kill('SIGTERM'), STOP_GRACE_MS);
    return this.stopping;
  }

  onUnexpectedExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }
}
