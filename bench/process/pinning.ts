// Keeping a server and its clients off each other's cores with taskset: the server on the last
// core, the clients on the others, so that neither steals the other's CPU mid-measurement.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface CorePinning {
  /** taskset -c list for the server: the last core. */
  server: string;
  /** taskset -c list for the clients: every other core. */
  clients: string;
}

let probed: CorePinning | null | undefined;

/** The pinning this machine allows: undefined without taskset or with a single core. */
export function corePinning(): CorePinning | undefined {
  if (probed === undefined) {
    const count = cpus().length;
    probed = count >= 2 && spawnSync('taskset', ['-V']).status === 0 ? { server: String(count - 1), clients: count === 2 ? '0' : `0-${count - 2}` } : null;
  }
  return probed ?? undefined;
}

/** The command and arguments that run `binary args` on `cores` (unchanged when `cores` is undefined). */
export function pinnedCommand(cores: string | undefined, binary: string, args: readonly string[]): [string, string[]] {
  return cores === undefined ? [binary, [...args]] : ['taskset', ['-c', cores, binary, ...args]];
}
