// Whether the target accepts a TCP connection, and if not why and what the user should check:
// asked once before a --host run starts, and again when a tier lost every connection (target/
// liveness.ts), so that a dead server ends the run instead of being measured as a slow one.
import { connect } from 'node:net';

export interface TcpRefusal {
  /** 'connection refused', 'host not found', 'no answer within 10000 ms'. */
  cause: string;
  /** What to check: 'is the server running?', 'check the host name'. */
  hint: string;
}

const SERVER_HINT = 'is the server running? (omit --host to use the embedded server)';
const NETWORK_HINT = 'is the host reachable and the port open to this machine?';

/** What each OS error means for the user, by its errno code. */
const REFUSALS: Record<string, TcpRefusal> = {
  ECONNREFUSED: { cause: 'connection refused', hint: SERVER_HINT },
  ENOTFOUND: { cause: 'host not found', hint: 'check the host name given to --host' },
  EAI_AGAIN: { cause: 'the host name could not be resolved (DNS lookup failed)', hint: 'check the host name given to --host and the DNS resolver' },
  EHOSTUNREACH: { cause: 'host unreachable', hint: NETWORK_HINT },
  ENETUNREACH: { cause: 'network unreachable', hint: NETWORK_HINT },
  ETIMEDOUT: { cause: 'connection timed out', hint: NETWORK_HINT },
};

/** Undefined when a TCP connection to host:port succeeds; else why not and what to check. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<TcpRefusal | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (refusal: TcpRefusal | undefined): void => {
      socket.destroy();
      resolve(refusal);
    };
    socket.setTimeout(timeoutMs, () => finish({ cause: `no answer within ${timeoutMs} ms`, hint: NETWORK_HINT }));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(REFUSALS[error.code ?? ''] ?? { cause: error.message, hint: SERVER_HINT }));
  });
}
