// The client's TLS settings for a wss:// target: --tls, --ca, --insecure, and the embedded
// server's own certificate, which the client trusts unless --ca or --insecure says otherwise.
import { readFileSync } from 'node:fs';
import { webTlsRefusal } from '../../adapters/client/web.js';
import type { ServerTlsFiles } from '../../adapters/server/transport.js';
import type { ClientTlsOptions } from '../../core/tls.js';
import type { ClientTransport } from '../../core/wse/transport.js';
import { oneLine } from '../one-line.js';
import type { BenchOptions } from '../options/bench-options.js';

/** The dial's TLS settings from --tls, --ca and --insecure; undefined without --tls. Reads the CA file. */
export function clientTlsOptions(options: BenchOptions): ClientTlsOptions | undefined {
  if (options.tls !== true) return undefined;
  if (options.insecure === true) return { rejectUnauthorized: false };
  if (options.caFile !== undefined) return { ca: readFileSync(options.caFile, 'utf8') };
  return {};
}

/** The embedded server's own certificate is trusted unless --ca or --insecure says otherwise. */
export function trustServerCertificate(options: BenchOptions, serverTls: ServerTlsFiles | undefined): BenchOptions {
  if (serverTls === undefined || options.caFile !== undefined || options.insecure === true) return options;
  return { ...options, caFile: serverTls.certFile };
}

/** Reads --ca now (so a bad file ends the run with its name) and refuses what the transport cannot do. */
export function checkClientTls(options: BenchOptions, transport: ClientTransport): ClientTlsOptions | undefined {
  let tls: ClientTlsOptions | undefined;
  try {
    tls = clientTlsOptions(options);
  } catch (error) {
    throw new Error(`--ca ${options.caFile}: ${oneLine(error)}`);
  }
  const refusal = tls !== undefined && transport.name === 'web' ? webTlsRefusal(tls) : undefined;
  if (refusal !== undefined) throw new Error(`--transport web with --tls: ${refusal}`);
  return tls;
}
