// One benchmark run: preflight, target (embedded server or --host), token, the selected tests,
// one RunResult, the report. SIGINT and a dying server end the current tier early (partial);
// whatever finished is still reported.
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { loadClientTransport } from '../adapters/client/index.js';
import { webTlsRefusal } from '../adapters/client/web.js';
import type { ServerTlsFiles } from '../adapters/server/transport.js';
import type { ClientTlsOptions } from '../core/tls.js';
import { wseUrl } from '../core/wse/messages.js';
import type { ClientTransport } from '../core/wse/transport.js';
import { describeEnvironment } from './environment.js';
import { runTestsInWorkers } from './launcher/launcher.js';
import { singleProcessBarrier } from './launcher/start-at.js';
import { mintToken } from './jwt.js';
import { msgpackCodec } from './msgpack-codec.js';
import { preflightWarnings, readSystemLimits } from './preflight.js';
import { StderrProgress } from './progress.js';
import { renderReport } from './report/index.js';
import { writeSvgDirectory } from './report/svg/directory.js';
import { renderText } from './report/text.js';
import { RESULTS_SCHEMA_VERSION, type RunResult, type ServerDescription, type TestResult } from './results.js';
import { startEmbeddedServer, type EmbeddedServer } from './server/embedded.js';
import { generateSelfSignedCertificate, writeCertificateFiles, type CertificateFiles } from './server/tls-cert.js';
import { clientTlsOptions } from './engine/pool.js';
import type { ServerStats } from './server/stats.js';
import type { TestContext } from './engine/context.js';
import { TEST_RUNNERS } from './scenarios/index.js';
import { warmUp } from './engine/warm-up.js';
import { CLIENT_NAME, VERSION } from './version.js';
import type { BenchOptions } from './options/bench-options.js';

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
  let generatedCert: CertificateFiles | undefined;
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
    // --tls with the embedded server and no --cert/--key: a self-signed pair, which the client then trusts
    if (options.tls === true && options.host === undefined && options.certFile === undefined) {
      generatedCert = writeCertificateFiles(generateSelfSignedCertificate());
    }
    const serverTls: ServerTlsFiles | undefined = generatedCert ?? (options.certFile !== undefined && options.keyFile !== undefined ? { certFile: options.certFile, keyFile: options.keyFile } : undefined);
    const testOptions = trustEmbeddedCertificate(options, serverTls);
    const clientTls = checkClientTls(testOptions, transport);
    const startedAt = new Date().toISOString();
    let host: string;
    let port: number;
    let serverDescription: ServerDescription;
    let readServerStats: () => Promise<ServerStats | undefined>;

    if (options.host === undefined) {
      server = await startServer(options, serverTls);
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
        url: targetUrl(host, port, options),
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
      readServerStats = externalStatsReader(host, port, clientTls);
      serverDescription = { embedded: false, url: targetUrl(host, port, options) };
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
      barrier: singleProcessBarrier(options.startAtEpochMs, controller.signal),
    };

    let tests: TestResult[] = [];
    if (options.procs > 1 || options.procsSeries !== undefined) {
      // --procs: worker processes run the tests; the launcher merges their results.
      const launched = await runTestsInWorkers(testOptions, { ...baseContext, serverWorkers: serverDescription.workers ?? 1 });
      tests = launched.tests;
      if (launched.partial !== undefined) interruption.reason ??= launched.partial;
    } else {
      await warmUp({ ...baseContext, options: testOptions });
      for (const test of options.tests) {
        if (controller.signal.aborted) break;
        const tiers = options.tiersByTest?.[test] ?? options.tiers;
        try {
          tests.push(await TEST_RUNNERS[test]({ ...baseContext, options: { ...testOptions, tiers } }));
        } catch (error) {
          progress.warn(`${test} failed: ${oneLine(error)}`);
        }
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
    generatedCert?.remove();
  }
}

function targetUrl(host: string, port: number, options: BenchOptions): string {
  const url = wseUrl(host, port, options.path);
  return options.tls === true ? `wss:${url.slice('ws:'.length)}` : url;
}

/** The embedded server's own certificate is trusted unless --ca or --insecure says otherwise. */
function trustEmbeddedCertificate(options: BenchOptions, serverTls: ServerTlsFiles | undefined): BenchOptions {
  if (serverTls === undefined || options.caFile !== undefined || options.insecure === true) return options;
  return { ...options, caFile: serverTls.certFile };
}

/** Reads --ca now (so a bad file ends the run with its name) and refuses what the transport cannot do. */
function checkClientTls(options: BenchOptions, transport: ClientTransport): ClientTlsOptions | undefined {
  let tls: ClientTlsOptions | undefined;
  try {
    tls = clientTlsOptions(options);
  } catch (error) {
    throw new RunAbort(`--ca ${options.caFile}: ${oneLine(error)}`);
  }
  const refusal = tls !== undefined && transport.name === 'web' ? webTlsRefusal(tls) : undefined;
  if (refusal !== undefined) throw new RunAbort(`--transport web with --tls: ${refusal}`);
  return tls;
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

async function startServer(options: BenchOptions, tls: ServerTlsFiles | undefined): Promise<EmbeddedServer> {
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
      ...(tls !== undefined ? { tls } : {}),
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

/** GET http(s)://host:port/stats; after one failure the server is taken to have no stats endpoint. */
function externalStatsReader(host: string, port: number, tls: ClientTlsOptions | undefined): () => Promise<ServerStats | undefined> {
  let available = true;
  return async () => {
    if (!available) return undefined;
    try {
      let body: Partial<ServerStats>;
      if (tls !== undefined) body = (await getJsonOverTls(host, port, '/stats', tls)) as Partial<ServerStats>;
      else {
        const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/stats`, { signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        body = (await response.json()) as Partial<ServerStats>;
      }
      if (typeof body !== 'object' || body === null || typeof body.counters !== 'object') throw new Error('not WSE-bench stats');
      return body as ServerStats;
    } catch {
      available = false;
      return undefined;
    }
  };
}

/** fetch cannot take a CA or --insecure on Node, so https GETs of /stats go through node:https. */
function getJsonOverTls(host: string, port: number, path: string, tls: ClientTlsOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host, port, path, method: 'GET', timeout: STATS_TIMEOUT_MS, rejectUnauthorized: tls.rejectUnauthorized ?? true, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`));
        else {
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error as Error);
          }
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${STATS_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
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
  if (options.svgDir !== undefined) {
    const written = writeSvgDirectory(options.svgDir, [run]);
    process.stderr.write(`wrote ${written.length - 1} chart(s) and index.md to ${options.svgDir}\n`);
  }
}

export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
