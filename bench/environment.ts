// The machine and runtime a run was measured on; recorded in every RunResult.
import { readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { bunVersion } from '../adapters/runtime.js';
import type { Environment } from './results.js';

/** The soft open-files limit (ulimit -n) from /proc/self/limits; undefined off Linux. */
export function readOpenFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === undefined) return undefined;
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    return undefined;
  }
}

export function describeEnvironment(): Environment {
  const bun = bunVersion();
  const cpuList = cpus();
  const environment: Environment = {
    runtime: bun !== undefined ? 'bun' : 'node',
    runtimeVersion: bun ?? process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    totalMemoryBytes: totalmem(),
    hostname: hostname(),
  };
  const fdLimit = readOpenFilesLimit();
  if (fdLimit !== undefined) environment.fdLimit = fdLimit;
  return environment;
}
