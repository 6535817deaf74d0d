// `wse-bench serve`'s settings, from its declared options (options/commands.ts), and the flags that
// hand them to a child serve process (a worker of a multi-process server, or the embedded server).
import type { ServedTransportName } from '../options/choices.js';
import { SERVE_COMMAND, SERVE_OPTIONS } from '../options/commands.js';
import type { GivenValues, ValuesOf } from '../options/option.js';
import { parseCommandLine, withDefaults } from '../options/parse.js';
import { renderFlags } from '../options/render.js';
import { UsageError } from '../options/usage-error.js';

export type ServeSettings = GivenValues<typeof SERVE_OPTIONS>;

export type ServeOptions = ValuesOf<typeof SERVE_OPTIONS> & {
  /** Set when cert/key were generated (--tls alone): the banner names the certificate for --ca. */
  certGenerated?: boolean;
};

export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const options: ServeOptions = withDefaults(SERVE_OPTIONS, parseCommandLine(SERVE_COMMAND, argv).given);
  if ((options.cert === undefined) !== (options.key === undefined)) throw new UsageError('--cert and --key go together');
  // --cert/--key imply --tls; --tls alone serves a generated self-signed pair
  if (options.cert !== undefined) options.tls = true;
  return options;
}

/** The flags of a serve child process with these settings. */
export function serveArgv(settings: ServeSettings): string[] {
  return renderFlags(SERVE_OPTIONS, settings);
}

/** One worker process of a multi-process server: the primary's settings on `port`, over IPC. */
export function workerServeArgv(options: ServeOptions, port: number, transport: ServedTransportName): string[] {
  return serveArgv({
    host: options.host,
    port,
    secret: options.secret,
    issuer: options.issuer,
    audience: options.audience,
    mode: options.mode,
    transport,
    maxConnections: options.maxConnections,
    rateLimit: options.rateLimit,
    outboundQueue: options.outboundQueue,
    // the primary answers /metrics and drives the workers' publishers for all of them
    metricsPort: 0,
    // workers get the files, never --tls alone: they must all serve the primary's one certificate
    cert: options.cert,
    key: options.key,
    handshakeTimeout: options.handshakeTimeout,
    idleTimeout: options.idleTimeout,
    ipc: true,
  });
}
