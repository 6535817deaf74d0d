// The line `wse-bench serve` prints when it listens: the URL, what serves it and a token to connect
// with (the self-signed certificate too, for --ca).
import { mintToken } from '../jwt.js';
import type { ServeOptions } from './serve-options.js';

export async function printBanner(options: ServeOptions, port: number, transport: string, workers: number, metricsPort: number | undefined): Promise<void> {
  const token = await mintToken({ secret: options.secret, issuer: options.issuer, audience: options.audience, subject: 'bench-user' });
  const metrics = metricsPort === undefined ? '' : ` metrics=http://${options.host}:${metricsPort}/metrics`;
  process.stdout.write(
    `wse-bench serve: ${options.tls ? 'wss' : 'ws'}://${options.host}:${port}/wse transport=${transport} mode=${options.mode} workers=${workers} ` +
      `rate-limit=${options.rateLimit}${metrics}${options.certGenerated === true ? ` self-signed-cert=${options.cert}` : ''} token=${token}\n`,
  );
}
