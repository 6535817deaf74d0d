// One benchmark run: preflight, target (embedded server or --host), token, the selected tests,
// one RunResult, the report. SIGINT and a dying server end the current tier early (partial);
// whatever finished is still reported.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadClientTransport } from '../adapters/client/index.js';
import { wseUrl } from '../core/wse/messages.js';
import type { ClientTransport } from '../core/wse/transport.js';
import { describeEnvironment } from './environment.js';
import { mintToken } from './jwt.js';
import { msgpackCodec } from './msgpack-codec.js';
import type { BenchOptions } from './options.js';
import { preflightWarnings, readSystemLimits } from './preflight.js';
import { StderrProgress } from './progress.js';
import { renderReport } from './report/index.js';
import { renderText } from './report/text.js';
import { RESULTS_SCHEMA_VERSION, type RunResult, type ServerDescription, type TestResult } from './results.js';
import { startEmbeddedServer, type EmbeddedServer } from './server/embedded.js';
import type { ServerStats } from './server/stats.js';
import type { TestContext } from './tests/context.js';
import { TEST_RUNNERS } from './tests/index.js';
import { CLIENT_NAME, VERSION } from './version.js';

export const EXIT_OK = 0;
export const EXIT_NOTHING_MEASURED = 1;
export const EXIT_INTERRUPTED = 130;

/** Connections one source address can hold to one destination before its ephemeral ports run out. */
const CONNECTIONS_PER_SOURCE_ADDRESS = 60_000;
const STATS_TIMEOUT_MS = 1_000;

/** A failure that ends the run before anything was measured: printed as its one-line message. */
class RunAbort extends Error {}

/** Why the run stopped early, set by SIGINT or by the server dying. */
interface Interruption {
  reason: string | undefined;
  sigint: boolean;
}

export async function runBenchmark(options: BenchOptions): Promise<number> {
  const progress = StderrProgress.forStderr(options.progress);
  const controller = new AbortController();
  const interruption: Interruption = { reason: undefined, sigint: false };
  let server: EmbeddedServer | undefined;
  const onSigint = () => {
    if (interruption.sigint) {
      // Second Ctrl-C: the user does not want to wait for the tier to wind down.
      process.stderr.write('\ninterrupted again: stopping now\n');
      void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(EXIT_INTERRUPTED));
      return;
    }
    interruption.sigint = true;
    interruption.reason ??= 'interrupted by SIGINT';
    progress.endLine();
    process.stderr.write('interrupted: finishing the current tier (Ctrl-C again to stop at once)\n');
    controller.abort(new Error(interruption.reason));
  };
  process.on('SIGINT', onSigint);

  try {
    runPreflight(options, progress);
    const transport = loadTransport(options);
    const startedAt = new Date().toISOString();
    let host: string;
    let port: number;
    let serverDescription: ServerDescription;
    let readServerStats: () => Promise<ServerStats | undefined>;

    if (options.host === undefined) {
      server = await startServer(options);
      host = server.host;
      port = server.port;
      server.onUnexpectedExit((description: string) => {
        interruption.reason ??= `embedded server died: ${description}`;
        progress.warn(interruption.reason);
        controller.abort(new Error(interruption.reason));
      });
      if (server.note !== undefined) progress.warn(server.note);
      const embedded = server;
      readServerStats = () => embedded.stats().catch(() => undefined);
      serverDescription = {
        embedded: true,
        url: wseUrl(host, port, options.path),
        transport: server.transport,
        mode: server.mode,
        rateLimit: options.rateLimit,
        workers: server.workers,
      };
    } else {
      host = options.host;
      port = options.port;
      const refusal = await probeTcp(host, port, options.connectTimeoutMs);
      if (refusal !== undefined) {
        throw new RunAbort(`cannot connect to ${host}:${port}: ${refusal} — is the server running? (omit --host to use the embedded server)`);
      }
      readServerStats = externalStatsReader(host, port);
      serverDescription = { embedded: false, url: wseUrl(host, port, options.path) };
      const stats = await readServerStats();
      if (stats) Object.assign(serverDescription, { transport: stats.transport, mode: stats.mode, rateLimit: stats.rateLimit, workers: stats.workers });
    }

    const token = await mintToken({ secret: options.secret, issuer: options.issuer, audience: options.audience, subject: options.subject });
    const baseContext: Omit<TestContext, 'options'> = {
      transport,
      url: serverDescription.url,
      token,
      msgpack: msgpackCodec,
      clientVersion: VERSION,
      readServerStats,
      progress,
      signal: controller.signal,
      localAddresses: sourceAddresses(host, options, transport),
      barrier: () => Promise.resolve(),
    };

    const tests: TestResult[] = [];
    for (const test of options.tests) {
      if (controller.signal.aborted) break;
      const tiers = options.tiersByTest?.[test] ?? options.tiers;
      try {
        tests.push(await TEST_RUNNERS[test]({ ...baseContext, options: { ...options, tiers } }));
      } catch (error) {
        progress.warn(`${test} failed: ${oneLine(error)}`);
      }
    }
    progress.endLine();

    const run: RunResult = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: CLIENT_NAME, version: VERSION },
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: describeEnvironment(),
      transport: options.transport,
      procs: options.procs,
      server: serverDescription,
      options: { ...options },
      tests,
    };
    if (interruption.reason !== undefined) run.partial = interruption.reason;

    const nothing = nothingMeasured(tests);
    if (nothing !== undefined && !interruption.sigint) throw new RunAbort(`nothing could be measured: ${nothing}`);
    writeReports(run, options);
    return interruption.sigint ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (error) {
    progress.endLine();
    process.stderr.write(`wse-bench: ${oneLine(error)}\n`);
    return interruption.sigint ? EXIT_INTERRUPTED : EXIT_NOTHING_MEASURED;
  } finally {
    process.off('SIGINT', onSigint);
    if (server) await server.stop().catch((error: unknown) => process.stderr.write(`wse-bench: stopping the embedded server: ${oneLine(error)}\n`));
  }
}

function runPreflight(options: BenchOptions, progress: StderrProgress): void {
  const allTiers = options.tests.flatMap((t) => options.tiersByTest?.[t] ?? options.tiers);
  const limitPeak = options.tests.includes('connection-limit') ? options.maxConnections : 0;
  const demand = {
    peakConnections: Math.max(limitPeak, ...allTiers),
    batchSize: options.batchSize,
    embeddedServer: options.host === undefined,
  };
  for (const warning of preflightWarnings(readSystemLimits(), demand)) progress.warn(warning);
}

function loadTransport(options: BenchOptions): ClientTransport {
  try {
    return loadClientTransport(options.transport);
  } catch (error) {
    throw new RunAbort(`--transport ${options.transport}: ${oneLine(error)}`);
  }
}

async function startServer(options: BenchOptions): Promise<EmbeddedServer> {
  try {
    return await startEmbeddedServer({
      host: '127.0.0.1',
      port: 0,
      secret: options.secret,
      issuer: options.issuer,
      audience: options.audience,
      mode: options.serverMode,
      transport: options.serverTransport,
      workers: options.serverWorkers,
      maxConnections: options.maxConnections,
      rateLimit: options.rateLimit,
    });
  } catch (error) {
    throw new RunAbort(`cannot start the embedded server: ${oneLine(error)}`);
  }
}

/** Undefined when a TCP connection succeeds; else why not ('connection refused', …). */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const causes: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', EHOSTUNREACH: 'host unreachable', ETIMEDOUT: 'connection timed out' };
      finish(causes[error.code ?? ''] ?? error.message);
    });
  });
}

/** GET http://host:port/stats; after one failure the server is taken to have no stats endpoint. */
function externalStatsReader(host: string, port: number): () => Promise<ServerStats | undefined> {
  let available = true;
  return async () => {
    if (!available) return undefined;
    try {
      const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/stats`, { signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as Partial<ServerStats>;
      if (typeof body !== 'object' || body === null || typeof body.counters !== 'object') throw new Error('not WSE-bench stats');
      return body as ServerStats;
    } catch {
      available = false;
      return undefined;
    }
  };
}

/** Past ~60K connections to one loopback address, bind 127.0.0.1, .2, … in turn. */
function sourceAddresses(host: string, options: BenchOptions, transport: ClientTransport): string[] | undefined {
  const peak = Math.max(options.maxConnections, ...options.tests.flatMap((t) => options.tiersByTest?.[t] ?? options.tiers));
  if (!host.startsWith('127.') || peak <= CONNECTIONS_PER_SOURCE_ADDRESS || !transport.supportsLocalAddress) return undefined;
  const count = Math.min(254, Math.ceil(peak / CONNECTIONS_PER_SOURCE_ADDRESS));
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/** Undefined when some test measured something; else the most telling reason it did not. */
function nothingMeasured(tests: TestResult[]): string | undefined {
  const tiers = tests.flatMap((t) => t.tiers);
  if (tiers.some((t) => t.connectionCounts.established > 0)) return undefined;
  if (tiers.length === 0) return 'no test produced a result';
  const byKind = new Map<string, number>();
  for (const tier of tiers) {
    for (const [kind, n] of Object.entries(tier.connectionCounts.failedByKind)) byKind.set(kind, (byKind.get(kind) ?? 0) + (n ?? 0));
  }
  const [kind] = [...byKind.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['unknown'];
  const hint = kind === 'auth' ? ' (check --secret, --issuer and --audience)' : '';
  return `every connection failed (mostly: ${kind})${hint}`;
}

function writeReports(run: RunResult, options: BenchOptions): void {
  if (options.outFile !== undefined) {
    process.stdout.write(renderText(run));
    writeFileSync(options.outFile, renderReport(run, options.output));
    process.stderr.write(`wrote ${options.output} report to ${options.outFile}\n`);
  } else {
    process.stdout.write(renderReport(run, options.output));
  }
}

export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
