// Whether the target is still there after a tier lost every connection (engine/connection-loss.ts):
// a new TCP connection is tried. For the embedded server a refused one waits a moment for the
// process's exit, so that the run says how the server died and not only that it refuses connections.
import { probeTcp } from './probe.js';

/** How long a refused probe waits for the embedded server's exit to be reported. */
const EXIT_REPORT_WAIT_MS = 2_000;

/** Undefined when host:port accepts a TCP connection; else why the server is taken to be gone. */
export async function whyExternalGone(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  const refusal = await probeTcp(host, port, timeoutMs);
  return refusal === undefined ? undefined : `${host}:${port} refuses new connections (${refusal.cause})`;
}

/** The same for the embedded server on 127.0.0.1:port; `death` resolves with its exit's description. */
export async function whyEmbeddedGone(port: number, death: Promise<string>, timeoutMs: number): Promise<string | undefined> {
  const refusal = await probeTcp('127.0.0.1', port, timeoutMs);
  if (refusal === undefined) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exit = await Promise.race([death, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), EXIT_REPORT_WAIT_MS)))]);
  clearTimeout(timer);
  return exit !== undefined ? `embedded server died: ${exit}` : `the embedded server refuses new connections (${refusal.cause})`;
}
