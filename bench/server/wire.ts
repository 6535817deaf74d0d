// The server→client WSE messages, built exactly as WSE sends them (WSE-PROTOCOL.md).
import { sharedRandomPool } from '../../core/random-pool.js';

export const WSE_SERVER_VERSION = '2.0.0-wse-bench';
export const MAX_MESSAGE_SIZE = 1024 * 1024;
export const PING_INTERVAL_MS = 25_000;
export const RATE_LIMIT_CAPACITY = 100_000;
export const RATE_LIMIT_REFILL_PER_SEC = 10_000;
/**
 * WSE's max_outbound_queue_bytes for fan-out: a slow subscriber's queue holds at most this much
 * before its messages are dropped. 256 KiB keeps 1,000 slow subscribers under 256 MB of queue and
 * a tier's final drain (every subscriber reading its queue out) under a second or two.
 */
export const DEFAULT_OUTBOUND_QUEUE_BYTES = 256 * 1024;
/** Room above the fan-out cap for the answers a subscriber still gets (PONGs, heartbeats, errors). */
export const CONTROL_HEADROOM_BYTES = 64 * 1024;

/** UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, version 7, variant 10, random rest. */
export function uuidV7(nowMs: number): string {
  // Random bytes come from core's pool, each used once: one randomBytes(16) call per server_ready
  // and server_hello was a visible share of the server's time in a connection storm.
  const bytes = Buffer.allocUnsafe(16);
  sharedRandomPool.fill(bytes, 0, 16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function features(rateLimited: boolean): Record<string, boolean> {
  return { compression: true, msgpack: true, encryption: false, batching: false, rate_limiting: rateLimited };
}

export function serverReady(connectionId: string, userId: string, rateLimited: boolean, nowMs: number): Record<string, unknown> {
  const iso = new Date(nowMs).toISOString();
  return {
    c: 'WSE',
    t: 'server_ready',
    id: uuidV7(nowMs),
    ts: iso,
    seq: 1,
    p: {
      message: 'Connection established (Rust transport)',
      details: { version: 1, features: features(rateLimited), connection_id: connectionId, server_time: iso, user_id: userId },
    },
    v: 1,
  };
}

export function serverHello(connectionId: string, clientProtocolVersion: number, rateLimited: boolean, nowMs: number): Record<string, unknown> {
  return {
    c: 'WSE',
    t: 'server_hello',
    p: {
      server_version: WSE_SERVER_VERSION,
      protocol_version: Math.min(clientProtocolVersion, 1),
      features: features(rateLimited),
      limits: { max_message_size: MAX_MESSAGE_SIZE, rate_limit_capacity: RATE_LIMIT_CAPACITY, rate_limit_refill: RATE_LIMIT_REFILL_PER_SEC },
      ping_interval: PING_INTERVAL_MS,
      connection_id: connectionId,
      server_time: new Date(nowMs).toISOString(),
    },
    v: 1,
  };
}

/** The PONG as a JSON string, written without JSON.stringify of an object (hot path). */
export function pongText(clientTimestamp: number, nowMs: number): string {
  const latency = clientTimestamp > 0 ? Math.max(0, nowMs - clientTimestamp) : 0;
  return `{"c":"WSE","t":"PONG","p":{"client_timestamp":${clientTimestamp},"server_timestamp":${nowMs},"latency":${latency}},"v":1}`;
}

export function authErrorText(code: 'AUTH_REQUIRED' | 'AUTH_FAILED', message: string, nowMs: number): string {
  return JSON.stringify({ c: 'WSE', t: 'error', p: { code, message, timestamp: new Date(nowMs).toISOString() }, v: 1 });
}

export const RATE_LIMITED_TEXT = '{"c":"WSE","t":"error","p":{"code":"RATE_LIMITED","message":"Rate limit exceeded","retry_after":1.0},"v":1}';

export function rateLimitWarningText(usedFraction: number): string {
  return JSON.stringify({
    c: 'WSE',
    t: 'rate_limit_warning',
    p: { message: 'Approaching rate limit', usage: Math.round(usedFraction * 1000) / 1000, capacity: RATE_LIMIT_CAPACITY, refill_rate: RATE_LIMIT_REFILL_PER_SEC },
    v: 1,
  });
}

export function heartbeatText(nowMs: number): string {
  return `{"c":"WSE","t":"ping","p":{"server_time":"${new Date(nowMs).toISOString()}"}}`;
}
