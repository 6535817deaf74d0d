// What a run measures against: the embedded server (started here in its own process, with a
// generated certificate under --tls) or an external one (--host, probed first). Either way the
// run gets its URL, a token, the client's TLS settings, the source addresses to bind and a
// reader of the server's counters: over IPC from the embedded server, GET /stats from another.
import { connect } from 'node:net';
import type { ServerTlsFiles } from '../../adapters/server/transport.js';
import { wseUrl } from '../../core/wse/messages.js';
import type { ClientTransport } from '../../core/wse/transport.js';
import { mintToken } from '../jwt.js';
import { oneLine } from '../one-line.js';
import { largestTier, type BenchOptions } from '../options/bench-options.js';
import type { ServerDescription } from '../results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import type { ServerStats } from '../server/stats.js';
import { generateSelfSignedCertificate, writeCertificateFiles, type CertificateFiles } from '../server/tls-cert.js';
import { checkClientTls, trustServerCertificate } from './client-tls.js';
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
      ...(tls !== undefined ? { tls } : {}),
    });
  } catch (error) {
    throw new Error(`cannot start the embedded server: ${oneLine(error)}`);
  }
  server.onUnexpectedExit(onDied);
  let closing: Promise<void> | undefined;
  return {
    ...basics,
    description: {
      embedded: true,
      url: targetUrl(server.host, server.port, options),
      transport: server.transport,
      mode: server.mode,
      rateLimit: options.rateLimit,
      workers: server.workers,
    },
    note: server.note,
    readServerStats: () => server.stats().catch(() => undefined),
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
  if (refusal !== undefined) {
    throw new Error(`cannot connect to ${host}:${options.port}: ${refusal} — is the server running? (omit --host to use the embedded server)`);
  }
  const description: ServerDescription = { embedded: false, url: targetUrl(host, options.port, options) };
  const stats = await readServerStats();
  if (stats) Object.assign(description, { transport: stats.transport, mode: stats.mode, rateLimit: stats.rateLimit, workers: stats.workers });
  return { ...basics, description, note: undefined, readServerStats, close: () => Promise.resolve() };
}

function targetUrl(host: string, port: number, options: BenchOptions): string {
  const url = wseUrl(host, port, options.path);
  return options.tls === true ? `wss:${url.slice('ws:'.length)}` : url;
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
