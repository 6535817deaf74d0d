// Every failure the core reports is built here, with a fixed code string, so that callers,
// reports and tests can count failures by kind without parsing messages.

/** A frame-level violation. The connection is failed with `closeCode` (RFC 6455 §7.1.7). */
export class WebSocketProtocolError extends Error {
  override readonly name = 'WebSocketProtocolError';
  constructor(
    /** Fixed identifier, e.g. 'WS_ERR_INVALID_OPCODE'. */
    readonly code: string,
    /** The close code the connection is failed with: 1002, 1007, 1008 or 1009. */
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Why a connection could not be established: the benchmark counts failures by this. */
export type ConnectFailureKind =
  | 'refused' // ECONNREFUSED: nothing listens there
  | 'timeout' // no TCP connect / upgrade / server_ready within the time allowed
  | 'reset' // ECONNRESET / EPIPE during connect or handshake
  | 'fd-limit' // EMFILE / ENFILE: the process ran out of file descriptors (ulimit -n)
  | 'address-unavailable' // EADDRNOTAVAIL / EADDRINUSE: out of ephemeral ports for that source address
  | 'dns' // ENOTFOUND / EAI_AGAIN
  | 'tls' // the TLS handshake failed (wss://): untrusted or mismatched certificate, protocol mismatch
  | 'handshake' // the HTTP upgrade failed: non-101 status, bad Sec-WebSocket-Accept, oversized headers
  | 'auth' // WSE refused the token (AUTH_REQUIRED / AUTH_FAILED, close 4401)
  | 'server-full' // closed right after the upgrade without server_ready (over max_connections)
  | 'closed' // closed during the handshake for another reason
  | 'protocol' // a framing violation during the handshake
  | 'other';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly kind: ConnectFailureKind,
    message: string,
    /** The errno code where the failure came from the OS (ECONNREFUSED, EMFILE…). */
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** Maps an OS error code from net.connect to the failure kind the benchmark reports. */
export function connectFailureKindOf(errno: string | undefined): ConnectFailureKind {
  switch (errno) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EMFILE':
    case 'ENFILE':
      return 'fd-limit';
    case 'EADDRNOTAVAIL':
    case 'EADDRINUSE':
      return 'address-unavailable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    default:
      return 'other';
  }
}

/**
 * Every frame-level violation the decoder reports, with the close code it fails the connection
 * with. The code strings follow the ones ws uses, so failures read the same in both clients.
 */
export const FRAME_ERROR_CLOSE_CODES = {
  WS_ERR_UNEXPECTED_RSV_1: 1002,
  WS_ERR_UNEXPECTED_RSV_2_3: 1002,
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_CONTINUATION: 1002,
  WS_ERR_EXPECTED_CONTINUATION: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WS_ERR_INVALID_UTF8: 1007,
  /** More data frames in one message than allowed (ws's name and code for the same rule). */
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
} as const;
export type FrameErrorCode = keyof typeof FRAME_ERROR_CLOSE_CODES;

/** Builds the protocol error for `code`, with its fixed close code. */
export function frameError(code: FrameErrorCode, message: string): WebSocketProtocolError {
  return new WebSocketProtocolError(code, FRAME_ERROR_CLOSE_CODES[code], message);
}
