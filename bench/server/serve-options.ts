// `wse-bench serve`'s settings, from its declared options (options/commands.ts), and the flags that
// hand them to a child serve process (a worker of a multi-process server, or the embedded server).
import type { ServedTransportName } from '../options/choices.js';
import { SERVE_COMMAND, SERVE_OPTIONS } from '../options/commands.js';
import { SECRET } from '../options/declarations.js';
import { parseLayered, processEnvironment, type SettingsEnvironment } from '../options/layers.js';
import type { GivenValues, ValuesOf } from '../options/option.js';
import { withDefaults } from '../options/parse.js';
import { renderFlags } from '../options/render.js';
import { UsageError } from '../options/usage-error.js';

export type ServeSettings = GivenValues<typeof SERVE_OPTIONS>;

export type ServeOptions = ValuesOf<typeof SERVE_OPTIONS> & {
  /** Set when cert/key were generated (--tls alone): the banner names the certificate for --ca. */
  certGenerated?: boolean;
};

/** The command line, and from the environment only the secret (WSE_BENCH_SECRET), which a parent passes that way. */
export function parseServeArgs(argv: readonly string[], environment: SettingsEnvironment = processEnvironment()): ServeOptions {
  const options: ServeOptions = withDefaults(SERVE_OPTIONS, parseLayered(SERVE_COMMAND, argv, environment, undefined, [SECRET]).given);
  if ((options.cert === undefined) !== (options.key === undefined)) throw new UsageError('--cert and --key go together');
  // --cert/--key imply --tls; --tls alone serves a generated self-signed pair
  if (options.cert !== undefined) options.tls = true;
  return options;
}

/** The flags of a serve child process with these settings, but the secret: it goes in the environment (environmentWithSecret). */
export function serveArgv(settings: ServeSettings): string[] {
  return renderFlags(SERVE_OPTIONS, { ...settings, secret: undefined });
}

/** One worker process of a multi-process server: the primary's settings on `port`, over IPC. */
export function workerServeArgv(options: ServeOptions, port: number, transport: ServedTransportName): string[] {
  return serveArgv({
    host: options.host,
    port,
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
