// What a run measures against: the embedded server (started here in its own process, with a
// generated certificate under --tls) or an external one (--host, probed first). Either way the
// run gets its URL, a token, the client's TLS settings, the source addresses to bind, a reader of
// the server's counters (over IPC from the embedded server, GET /stats from another), its
// Prometheus /metrics when it answers, and the fan-out publisher's control when it has one.
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../../core/server.js';
import type { ServerTlsFiles } from '../../adapters/server/transport.js';
import { wseUrl } from '../../core/wse/messages.js';
import type { ClientTransport } from '../../core/wse/transport.js';
import { mintToken } from '../jwt.js';
import { oneLine } from '../one-line.js';
import { largestTier, type BenchOptions } from '../options/bench-options.js';
import type { ServerDescription } from '../results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import { METRICS_PORT_OFFSET } from '../server/admin-listener.js';
import type { ServerStats } from '../server/stats.js';
import type { WseMetrics } from '../server/wse-metrics.js';
import { generateSelfSignedCertificate, writeCertificateFiles, type CertificateFiles } from '../server/tls-cert.js';
import { checkClientTls, trustServerCertificate } from './client-tls.js';
import { whyEmbeddedGone, whyExternalGone } from './liveness.js';
import { probeTcp } from './probe.js';
import { metricsReader } from './metrics-reader.js';
import { answersPublisherControl, httpPublisherClient, type PublisherClient } from './publisher-control.js';
import { planSourceAddresses } from './source-addresses.js';
import { externalStatsReader } from './stats-reader.js';

export interface Target {
  readonly description: ServerDescription;
  /** The run's options, with the embedded server's own certificate trusted under --tls. */
  readonly options: BenchOptions;
  readonly token: string;
  /** Source addresses to bind in turn, when a tier needs more ports than one address has. */
  readonly localAddresses: string[] | undefined;
  /** Why the embedded server does not run on the transport asked for, if it does not. */
  readonly note: string | undefined;
  readServerStats(): Promise<ServerStats | undefined>;
  /** Undefined while the server accepts connections; else why it is gone (asked when a tier lost them all). */
  whyGone(): Promise<string | undefined>;
  /** GET /metrics under WSE's names; undefined when it did not answer at the start (description.metrics says why). */
  readonly readServerMetrics: (() => Promise<WseMetrics>) | undefined;
  /** The fan-out publisher's control (host and port of its admin listener), when the target has one. */
  readonly publisherAt: { host: string; port: number } | undefined;
  readonly publisher: PublisherClient | undefined;
  /** Stops the embedded server and removes a generated certificate; idempotent. */
  close(): Promise<void>;
}

/** `onDied` is called if the embedded server exits before close() (never for an external server). */
export async function openTarget(options: BenchOptions, transport: ClientTransport, onDied: (description: string) => void): Promise<Target> {
  const token = await mintToken({ secret: options.secret, issuer: options.issuer, audience: options.audience, subject: options.subject });
  // --tls with the embedded server and no --cert/--key: a self-signed pair, which the client then trusts
  const generated: CertificateFiles | undefined =
    options.tls === true && options.host === undefined && options.certFile === undefined ? writeCertificateFiles(generateSelfSignedCertificate()) : undefined;
  try {
    const serverTls: ServerTlsFiles | undefined = generated ?? (options.certFile !== undefined && options.keyFile !== undefined ? { certFile: options.certFile, keyFile: options.keyFile } : undefined);
    const trusted = trustServerCertificate(options, serverTls);
    const clientTls = checkClientTls(trusted, transport);
    const peak = Math.max(options.maxConnections, largestTier(options));
    const target = { options: trusted, token, localAddresses: planSourceAddresses(options.host ?? '127.0.0.1', peak, transport.supportsLocalAddress) };
    if (options.host === undefined) return await embeddedTarget(target, serverTls, generated, onDied);
    return await externalTarget(target, options.host, externalStatsReader(options.host, options.port, clientTls));
  } catch (error) {
    generated?.remove();
    throw error;
  }
}

/** What a target is whichever server it is. */
type TargetBasics = Pick<Target, 'options' | 'token' | 'localAddresses'>;

type TargetExtras = Pick<Target, 'readServerMetrics' | 'publisherAt' | 'publisher'> & { metrics: NonNullable<ServerDescription['metrics']> | undefined };

/**
 * The target's /metrics on `metricsPort` (read once now: a failure is one line in the report, never
 * the run's end) and its publisher control, when it answers one.
 */
async function targetExtras(host: string, metricsPort: number | undefined, readMetrics: boolean, token: string, drivable: boolean): Promise<TargetExtras> {
  if (metricsPort === undefined) return { readServerMetrics: undefined, publisherAt: undefined, publisher: undefined, metrics: undefined };
  const reader = metricsReader(host, metricsPort);
  let metrics: TargetExtras['metrics'];
  let readServerMetrics: TargetExtras['readServerMetrics'];
  if (readMetrics) {
    try {
      await reader.read();
      metrics = { url: reader.url };
      readServerMetrics = () => reader.read();
    } catch (error) {
      metrics = { url: reader.url, problem: oneLine(error) };
    }
  }
  const controlled = drivable || (await answersPublisherControl(host, metricsPort));
  return {
    readServerMetrics,
    metrics,
    publisherAt: controlled ? { host, port: metricsPort } : undefined,
    publisher: controlled ? httpPublisherClient(host, metricsPort, token) : undefined,
  };
}

async function embeddedTarget(basics: TargetBasics, tls: ServerTlsFiles | undefined, generated: CertificateFiles | undefined, onDied: (description: string) => void): Promise<Target> {
  const { options } = basics;
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedServer({
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
      // The server must wait for an upgrade as long as the client waits for it: with its own 10 s, a
      // connect burst it reads late (100,000 connections on 2 cores) was dropped as 'closed' while
      // the client still had --connect-timeout left (BENCHMARKS.md, 100,000 connections).
      handshakeTimeout: embeddedHandshakeTimeoutMs(options.connectTimeoutMs),
      // its metrics port is also the publisher's control: --metrics-port 0 only stops the reading
      ...(options.metricsPort !== undefined && options.metricsPort !== 0 ? { metricsPort: options.metricsPort } : {}),
      ...(tls !== undefined ? { tls } : {}),
    });
  } catch (error) {
    throw new Error(`cannot start the embedded server: ${oneLine(error)}`);
  }
  server.onUnexpectedExit(onDied);
  const death = new Promise<string>((resolve) => server.onUnexpectedExit(resolve));
  const { metrics, ...extras } = await targetExtras(server.host, server.metricsPort, options.metricsPort !== 0, basics.token, true);
  let closing: Promise<void> | undefined;
  return {
    ...basics,
    ...extras,
    description: {
      embedded: true,
      url: targetUrl(server.host, server.port, options),
      transport: server.transport,
      mode: server.mode,
      rateLimit: options.rateLimit,
      workers: server.workers,
      ...(metrics !== undefined ? { metrics } : {}),
    },
    note: server.note,
    readServerStats: () => server.stats().catch(() => undefined),
    whyGone: () => whyEmbeddedGone(server.port, death, options.connectTimeoutMs),
    close: () =>
      (closing ??= server
        .stop()
        .catch((error: unknown) => void process.stderr.write(`wse-bench: stopping the embedded server: ${oneLine(error)}\n`))
        .finally(() => generated?.remove())),
  };
}

async function externalTarget(basics: TargetBasics, host: string, readServerStats: () => Promise<ServerStats | undefined>): Promise<Target> {
  const { options } = basics;
  const refusal = await probeTcp(host, options.port, options.connectTimeoutMs);
  if (refusal !== undefined) throw new Error(`cannot connect to ${host}:${options.port}: ${refusal.cause} — ${refusal.hint}`);
  const description: ServerDescription = { embedded: false, url: targetUrl(host, options.port, options) };
  const stats = await readServerStats();
  if (stats) Object.assign(description, { transport: stats.transport, mode: stats.mode, rateLimit: stats.rateLimit, workers: stats.workers });
  const defaultPort = options.port + METRICS_PORT_OFFSET <= 65535 ? options.port + METRICS_PORT_OFFSET : undefined;
  const metricsPort = options.metricsPort === 0 ? undefined : (options.metricsPort ?? defaultPort);
  const { metrics, ...extras } = await targetExtras(host, metricsPort, true, basics.token, false);
  if (metrics !== undefined) description.metrics = metrics;
  return {
    ...basics, ...extras, description, note: undefined, readServerStats,
    whyGone: () => whyExternalGone(host, options.port, options.connectTimeoutMs),
    close: () => Promise.resolve(),
  };
}

function targetUrl(host: string, port: number, options: BenchOptions): string {
  const url = wseUrl(host, port, options.path);
  return options.tls === true ? `wss:${url.slice('ws:'.length)}` : url;
}

/** The embedded server's upgrade deadline: its default, or the client's connect timeout if longer. */
export function embeddedHandshakeTimeoutMs(connectTimeoutMs: number): number {
  return Math.max(DEFAULT_HANDSHAKE_TIMEOUT_MS, connectTimeoutMs);
}
