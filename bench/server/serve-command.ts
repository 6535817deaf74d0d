// `wse-bench serve`: runs the embedded WSE-compatible server in this process (one worker), or as
// the primary of N worker processes. With --ipc (spawned by startEmbeddedServer or a primary) it
// reports readiness and stats over the IPC channel and exits when that channel goes away.
import { readFileSync } from 'node:fs';
import { selectServerTransport } from '../../adapters/server/index.js';
import { DEFAULT_MAX_OUTBOUND_BYTES } from '../../core/constants.js';
import { msgpackCodec } from '../msgpack-codec.js';
import { SERVE_COMMAND } from '../options/commands.js';
import { helpText } from '../options/help.js';
import { EXIT_FAILED, EXIT_OK } from '../process/exit-codes.js';
import { isIpcMessage, sendToParent } from '../process/ipc.js';
import { openAdminListener, type AdminListener } from './admin-listener.js';
import { TokenVerifier } from './auth.js';
import { printBanner } from './banner.js';
import type { ChildToParent, ParentToChild } from './ipc.js';
import { parseServeArgs, type ServeOptions } from './serve-options.js';
import { localPublisherControl } from './publisher.js';
import type { ServerStats } from './stats.js';
import { generateSelfSignedCertificate, writeCertificateFiles } from './tls-cert.js';
import { CONTROL_HEADROOM_BYTES, MAX_MESSAGE_SIZE } from './wire.js';
import { runServerPrimary } from './worker-pool.js';
import { WseServerApp } from './wse-app.js';

export async function runServeCommand(argv: string[]): Promise<number> {
  const options = parseServeArgs(argv);
  if (options.help) {
    process.stdout.write(`${helpText(SERVE_COMMAND)}\n`);
    return EXIT_OK;
  }
  try {
    prepareTls(options);
    return options.workers > 1 ? await runServerPrimary(options) : await runServerProcess(options);
  } catch (error) {
    const text = (error as Error).message.split('\n')[0] ?? String(error);
    if (options.ipc && process.connected) {
      // the parent reads the cause from this message; then let go of the channel so we can exit
      sendToParent<ChildToParent>({ type: 'failed', error: text }, () => process.disconnect());
    } else process.stderr.write(`wse-bench serve: ${text}\n`);
    return EXIT_FAILED;
  }
}

/**
 * --tls without --cert/--key: a self-signed pair in a temp directory, deleted when this process
 * exits. With files: they must be readable PEM, checked here so the failure names the file.
 */
function prepareTls(options: ServeOptions): void {
  if (!options.tls) return;
  if (options.cert === undefined || options.key === undefined) {
    const files = writeCertificateFiles(generateSelfSignedCertificate());
    process.once('exit', () => files.remove());
    options.cert = files.certFile;
    options.key = files.keyFile;
    options.certGenerated = true;
    return;
  }
  for (const [flag, file] of [['--cert', options.cert], ['--key', options.key]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${flag} ${file}: ${(error as Error).message}`);
    }
    if (!text.includes('-----BEGIN ')) throw new Error(`${flag} ${file}: not a PEM file`);
  }
}

/** One server process: listens, serves until SIGINT/SIGTERM (or the IPC parent goes away). */
async function runServerProcess(options: ServeOptions): Promise<number> {
  const { transport, note } = selectServerTransport(options.transport);
  if (note !== undefined && !options.ipc) process.stderr.write(`wse-bench serve: ${note}\n`);
  let merged: ServerStats | undefined; // pushed by a multi-worker primary
  const app: WseServerApp = new WseServerApp({
    auth: { secret: options.secret, issuer: options.issuer, audience: options.audience },
    mode: options.mode,
    rateLimit: options.rateLimit,
    maxConnections: options.maxConnections,
    transport: transport.name,
    msgpack: msgpackCodec,
    ...(options.idleTimeout !== undefined ? { idleTimeoutMs: options.idleTimeout } : {}),
    statsForHttp: () => merged ?? app.stats(),
    outboundQueueBytes: options.outboundQueue,
  });
  let listening;
  try {
    listening = await transport.listen(
      {
        host: options.host,
        port: options.port,
        maxMessageSize: MAX_MESSAGE_SIZE,
        maxOutboundBytes: transportOutboundBound(options.outboundQueue),
        reusePort: options.reusePort,
        ...(options.handshakeTimeout !== undefined ? { handshakeTimeoutMs: options.handshakeTimeout } : {}),
        ...(options.cert !== undefined && options.key !== undefined ? { tls: { certFile: options.cert, keyFile: options.key } } : {}),
      },
      app,
    );
  } catch (error) {
    app.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot listen on ${options.host}:${options.port} with ${transport.name}: ${code === 'EADDRINUSE' ? 'port in use' : (error as Error).message}`);
  }
  const server = listening;
  let admin: AdminListener | undefined;
  try {
    admin = await openAdminListener(options.host, options.metricsPort, server.port, {
      stats: () => Promise.resolve(merged ?? app.stats()),
      publisher: localPublisherControl(app.publisher),
      verifier: new TokenVerifier({ secret: options.secret, issuer: options.issuer, audience: options.audience }),
    });
  } catch (error) {
    app.dispose();
    await server.close();
    throw error;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      app.dispose();
      // whatever still holds the event loop after the close must not keep the process alive
      setTimeout(() => process.exit(EXIT_OK), 2000).unref();
      void Promise.all([server.close(), admin?.close()]).then(() => {
        if (process.connected) process.disconnect();
        resolve(EXIT_OK);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.ipc) {
      process.on('message', (message: unknown) => {
        if (!isIpcMessage<ParentToChild>(message)) return;
        if (message.type === 'stats') sendToParent<ChildToParent>({ type: 'stats', requestId: message.requestId, stats: app.stats() });
        else if (message.type === 'merged-stats') merged = message.stats;
        else if (message.type === 'publish-start') {
          sendToParent<ChildToParent>({ type: 'publish-started', requestId: message.requestId, started: app.publisher.start(message.settings) });
        } else if (message.type === 'publish-stop') {
          // a worker that was not publishing has no session to report
          sendToParent<ChildToParent>({ type: 'publish-report', requestId: message.requestId, report: app.publisher.isRunning ? (app.publisher.stop() ?? null) : null });
        } else if (message.type === 'publish-latest') {
          sendToParent<ChildToParent>({ type: 'publish-report', requestId: message.requestId, report: app.publisher.latest() ?? null });
        }
      });
      // the parent died or let go: never outlive it
      process.on('disconnect', () => {
        stop();
        setTimeout(() => process.exit(EXIT_OK), 200).unref();
      });
      sendToParent<ChildToParent>({
        type: 'ready', port: server.port, transport: transport.name, ...(note !== undefined ? { note } : {}), ...(admin !== undefined ? { metricsPort: admin.port } : {}),
      });
    } else {
      void printBanner(options, server.port, transport.name, 1, admin?.port);
    }
  });
}

/**
 * The transports' own outbound bound (ListenOptions.maxOutboundBytes) sits above the fan-out cap
 * by CONTROL_HEADROOM_BYTES: a subscriber whose queue the publisher filled to its cap still gets its
 * PONGs, and uws and Bun.serve, which close a connection at their bound, never close it for fan-out.
 */
export function transportOutboundBound(outboundQueueBytes: number): number {
  return Math.max(DEFAULT_MAX_OUTBOUND_BYTES, outboundQueueBytes + CONTROL_HEADROOM_BYTES);
}
