// RFC 6455 constants. Imports nothing, so every other module may import it.

/** Appended to Sec-WebSocket-Key before hashing (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  /** WSE: authentication failed. */
  WseAuthFailed: 4401,
} as const;

/** Largest control-frame payload (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Default limit for a reassembled message: WSE refuses inbound messages over 1 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

/**
 * Default limit on the data frames one message may arrive in (its first frame and every
 * continuation, empty ones included), as ws has since its fix for fragment floods: a message of
 * DEFAULT_MAX_MESSAGE_SIZE in 64-byte fragments, the smallest Autobahn|Testsuite sends, passes.
 * Coalescing bounds the memory of a fragmented message; this bounds the work spent on it.
 */
export const DEFAULT_MAX_FRAGMENTS = DEFAULT_MAX_MESSAGE_SIZE / 64;

/**
 * Default bound on a connection's outbound bytes queued in user space: above it the server role
 * stops reading from the peer (TCP backpressure) and both roles answer only the latest ping
 * (RFC 6455 §5.5.3). A benchmark's send loop stays below it (it waits for a drain from 256 KB).
 */
export const DEFAULT_MAX_OUTBOUND_BYTES = 1024 * 1024;

export type Role = 'client' | 'server';
