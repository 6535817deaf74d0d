// Before a run: compare the OS limits with what the requested tiers need and say what to change.
// Advice only, on stderr; it never fails the run.
import { readFileSync } from 'node:fs';
import { readOpenFilesLimit } from './environment.js';
import { largestTier, type BenchOptions } from './options/bench-options.js';

export interface SystemLimits {
  openFiles: number | undefined;
  somaxconn: number | undefined;
  /** Ephemeral ports for one source address (ip_local_port_range high − low + 1). */
  ephemeralPorts: number | undefined;
  portRange: [number, number] | undefined;
}

function readNumbers(path: string): number[] | undefined {
  try {
    const numbers = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return numbers.every(Number.isFinite) ? numbers : undefined;
  } catch {
    return undefined;
  }
}

/** net.ipv4.ip_local_port_range: the ephemeral ports a source address has; undefined off Linux. */
export function readLocalPortRange(): [number, number] | undefined {
  const range = readNumbers('/proc/sys/net/ipv4/ip_local_port_range');
  return range && range.length >= 2 ? [range[0]!, range[1]!] : undefined;
}

export function readSystemLimits(): SystemLimits {
  const portRange = readLocalPortRange();
  return {
    openFiles: readOpenFilesLimit(),
    somaxconn: readNumbers('/proc/sys/net/core/somaxconn')?.[0],
    ephemeralPorts: portRange ? portRange[1] - portRange[0] + 1 : undefined,
    portRange,
  };
}

export interface PreflightDemand {
  /** Largest number of connections one tier opens at once. */
  peakConnections: number;
  /** Connections opened concurrently (the batch size). */
  batchSize: number;
  /** The embedded server runs on this machine, so this machine's accept backlog (somaxconn) matters. */
  embeddedServer: boolean;
}

/** The warnings for this demand under these limits; empty when nothing will be hit. */
export function preflightWarnings(limits: SystemLimits, demand: PreflightDemand): string[] {
  const warnings: string[] = [];
  // Each connection costs the client one fd; a few dozen more go to the runtime itself.
  const fdsNeeded = demand.peakConnections + 64;
  if (limits.openFiles !== undefined && fdsNeeded > limits.openFiles) {
    warnings.push(
      `ulimit -n is ${limits.openFiles} but ${demand.peakConnections} connections need about ${fdsNeeded} file descriptors: ` +
        `raise it (ulimit -n ${nextPowerOfTen(fdsNeeded)}) or tiers will fail with fd-limit`,
    );
  }
  if (limits.somaxconn !== undefined && demand.embeddedServer && demand.batchSize > limits.somaxconn) {
    warnings.push(
      `net.core.somaxconn is ${limits.somaxconn}, below the batch size ${demand.batchSize}: connects may time out; ` +
        `raise it (sysctl -w net.core.somaxconn=${nextPowerOfTen(demand.batchSize)}) or lower --batch-size`,
    );
  }
  if (limits.ephemeralPorts !== undefined && limits.portRange && demand.peakConnections > limits.ephemeralPorts) {
    warnings.push(
      `net.ipv4.ip_local_port_range ${limits.portRange[0]}-${limits.portRange[1]} gives ${limits.ephemeralPorts} ports per source address, ` +
        `fewer than ${demand.peakConnections} connections: widen it (sysctl -w net.ipv4.ip_local_port_range="1024 65535"); ` +
        'to 127.0.0.1 the client also binds 127.0.0.2, .3, … in turn',
    );
  }
  return warnings;
}

function nextPowerOfTen(n: number): number {
  let limit = 1024;
  while (limit < n) limit *= 10;
  return limit;
}

/** What a run with these options asks of the machine. */
export function demandOf(options: BenchOptions): PreflightDemand {
  const limitPeak = options.tests.includes('connection-limit') ? options.maxConnections : 0;
  return { peakConnections: Math.max(limitPeak, largestTier(options)), batchSize: options.batchSize, embeddedServer: options.host === undefined };
}
