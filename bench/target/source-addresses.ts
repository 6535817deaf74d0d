// Which source addresses the client binds in turn. To one server address and port, each
// connection needs its own source port, and a source address has only the kernel's ephemeral
// range of them (net.ipv4.ip_local_port_range: 32768-60999 by default, 28,232 ports); past that a
// connect fails with EADDRNOTAVAIL. To a loopback target the client spreads its connections over
// 127.0.0.1, .2, … (all of 127/8 reaches the loopback interface), as many as the largest tier needs.
import { readLocalPortRange } from '../preflight.js';

/** Linux's default range, assumed where /proc cannot be read. */
const DEFAULT_PORT_RANGE: [number, number] = [32768, 60999];
/**
 * The share of an address's ephemeral ports planned for: other sockets on the machine (other
 * programs, connections still in TIME_WAIT) take ports from the same range of 127.0.0.1.
 */
const PLANNED_PORT_SHARE = 0.9;
/** 127.0.0.1 … 127.0.0.254. */
const MAX_LOOPBACK_ADDRESSES = 254;

/** Connections planned per source address with this ephemeral port range. */
export function connectionsPerSourceAddress(portRange: [number, number] | undefined): number {
  const [low, high] = portRange ?? DEFAULT_PORT_RANGE;
  return Math.max(1, Math.floor((high - low + 1) * PLANNED_PORT_SHARE));
}

/**
 * Source addresses to bind in turn for `peakConnections` to `host`, or undefined when one is enough
 * (or the target is not on loopback, or the transport cannot bind: then the OS chooses).
 */
export function planSourceAddresses(
  host: string,
  peakConnections: number,
  supportsLocalAddress: boolean,
  portRange: [number, number] | undefined = readLocalPortRange(),
): string[] | undefined {
  const perAddress = connectionsPerSourceAddress(portRange);
  if (!host.startsWith('127.') || peakConnections <= perAddress || !supportsLocalAddress) return undefined;
  const count = Math.min(MAX_LOOPBACK_ADDRESSES, Math.ceil(peakConnections / perAddress));
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}
