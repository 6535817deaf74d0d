// Flags of `wse-bench serve`.

export interface ServeOptions {
  host: string;
  port: number;
  secret: string;
  issuer: string;
  audience: string;
  mode: 'wse' | 'sink';
  transport: 'auto' | 'uws' | 'bun' | 'core';
  workers: number;
  maxConnections: number;
  rateLimit: 'off' | 'wse';
  /** Serve wss://: with certFile/keyFile, or a generated self-signed pair when they are absent. */
  tls: boolean;
  certFile: string | undefined;
  keyFile: string | undefined;
  /** Set when certFile/keyFile were generated (--tls alone): the banner names the certificate for --ca. */
  certGenerated?: boolean;
  /** Internal: spawned by startEmbeddedServer; report over the IPC channel. */
  ipc: boolean;
  /** Internal: a worker of a multi-process server, sharing the port with SO_REUSEPORT. */
  reusePort: boolean;
  /** Internal: handshake timeout (ms), for tests. */
  handshakeTimeoutMs: number | undefined;
  /** Internal: idle timeout (ms), for tests. */
  idleTimeoutMs: number | undefined;
  help: boolean;
}

export const SERVE_USAGE = `Usage: wse-bench serve [options]   run the embedded WSE-compatible server in the foreground
  --host <addr>              listen address (127.0.0.1)
  --port <n>                 port, 0 = any free port (5006)
  --secret <s>               HS256 JWT secret (bench-secret-key-for-testing-only)
  --issuer <s>               JWT issuer (wse-bench)
  --audience <s>             JWT audience (wse-bench)
  --mode wse|sink            parse every message like WSE, or only count frames (wse)
  --transport auto|uws|bun|core   WebSocket server (auto: core, the fastest measured; uws: uWebSockets.js where a build loads; bun: Bun.serve under Bun)
  --workers <n>              server processes sharing the port (1)
  --max-connections <n>      connections over this are closed right after the upgrade (100000)
  --rate-limit off|wse       WSE's per-connection token bucket: 100000 capacity, 10000/s (off)
  --tls                      serve wss:// (with a generated self-signed certificate unless --cert/--key)
  --cert <file> --key <file> PEM certificate and key to serve wss:// with (implies --tls)
  --help                     this text`;

export class ServeUsageError extends Error {}

export function parseServeArgs(argv: string[]): ServeOptions {
  const options: ServeOptions = {
    host: '127.0.0.1',
    port: 5006,
    secret: 'bench-secret-key-for-testing-only',
    issuer: 'wse-bench',
    audience: 'wse-bench',
    mode: 'wse',
    transport: 'auto',
    workers: 1,
    maxConnections: 100_000,
    rateLimit: 'off',
    tls: false,
    certFile: undefined,
    keyFile: undefined,
    ipc: false,
    reusePort: false,
    handshakeTimeoutMs: undefined,
    idleTimeoutMs: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new ServeUsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--help': case '-h': options.help = true; break;
      case '--ipc': options.ipc = true; break;
      case '--reuse-port': options.reusePort = true; break;
      case '--host': options.host = value(); break;
      case '--port': options.port = integer(flag, value(), 0, 65535); break;
      case '--secret': options.secret = nonEmpty(flag, value()); break;
      case '--issuer': options.issuer = nonEmpty(flag, value()); break;
      case '--audience': options.audience = nonEmpty(flag, value()); break;
      case '--mode': options.mode = oneOf(flag, value(), ['wse', 'sink'] as const); break;
      case '--transport': options.transport = oneOf(flag, value(), ['auto', 'uws', 'bun', 'core'] as const); break;
      case '--workers': options.workers = integer(flag, value(), 1, 256); break;
      case '--max-connections': options.maxConnections = integer(flag, value(), 1, 10_000_000); break;
      case '--rate-limit': options.rateLimit = oneOf(flag, value(), ['off', 'wse'] as const); break;
      case '--tls': options.tls = true; break;
      case '--cert': options.certFile = nonEmpty(flag, value()); options.tls = true; break;
      case '--key': options.keyFile = nonEmpty(flag, value()); options.tls = true; break;
      case '--handshake-timeout': options.handshakeTimeoutMs = integer(flag, value(), 1, 3_600_000); break;
      case '--idle-timeout': options.idleTimeoutMs = integer(flag, value(), 1, 3_600_000); break;
      default: throw new ServeUsageError(`unknown option ${arg}`);
    }
  }
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new ServeUsageError('--cert and --key go together');
  }
  return options;
}

/** The flags that reproduce `options` (for spawning worker processes). */
export function serveArgsOf(options: ServeOptions, port: number): string[] {
  const args = ['--host', options.host, '--port', String(port), '--secret', options.secret, '--issuer', options.issuer,
    '--audience', options.audience, '--mode', options.mode, '--transport', options.transport,
    '--max-connections', String(options.maxConnections), '--rate-limit', options.rateLimit];
  if (options.handshakeTimeoutMs !== undefined) args.push('--handshake-timeout', String(options.handshakeTimeoutMs));
  if (options.idleTimeoutMs !== undefined) args.push('--idle-timeout', String(options.idleTimeoutMs));
  // workers get files, never --tls alone: they must all serve the primary's one certificate
  if (options.certFile !== undefined && options.keyFile !== undefined) args.push('--cert', options.certFile, '--key', options.keyFile);
  return args;
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new ServeUsageError(`${flag}: expected an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new ServeUsageError(`${flag}: ${n} is outside ${min}…${max}`);
  return n;
}

function nonEmpty(flag: string, text: string): string {
  if (text === '') throw new ServeUsageError(`${flag}: must not be empty`);
  return text;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ServeUsageError(`${flag}: expected ${allowed.join('|')}, got '${text}'`);
  return text as T;
}
