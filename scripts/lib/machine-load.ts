// The machine's load (`uptime`) at the start and the end of a benchmark session, recorded beside
// its figures: above QUIET_LOAD they come with a warning (issue 14: a busy machine's absolute
// figures are not that machine's).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

export interface LoadReading {
  uptime: string;
  /** The 1-minute load average. */
  oneMinute: number;
}

/** A session runs a client and a server (or sink) process at once, each pinned to a core of its own. */
export const SESSION_CORES = 2;

/** Above this 1-minute load average the figures come with a warning. */
export const QUIET_LOAD = 0.5;

/** `uptime`'s line (or the load averages where there is no `uptime`) and the 1-minute load average. */
export function readLoad(): LoadReading {
  const uptime = spawnSync('uptime', { encoding: 'utf8' });
  const averages = loadavg();
  return { uptime: uptime.status === 0 ? uptime.stdout.trim() : `load average ${averages.map((x) => x.toFixed(2)).join(', ')}`, oneMinute: averages[0] ?? 0 };
}

/**
 * The section's lines about the load: a warning (and a blank line) when it was busy, and the
 * readings. `ownCores`: the cores the session itself keeps busy (a client and a server process: 2),
 * which the after reading includes; only load beyond it is someone else's (a 2-core machine whose
 * benchmark used both cores reads ~2 at the end, and was quiet).
 */
export function loadLines(before: LoadReading, after: LoadReading | undefined, ownCores: number): { warning: string[]; reading: string } {
  const busy = before.oneMinute > QUIET_LOAD || (after?.oneMinute ?? 0) > ownCores + QUIET_LOAD;
  return {
    warning: busy
      ? [`> **Warning: the machine was busy (1-minute load average above ${QUIET_LOAD}).** Absolute figures below are not this machine's; ratios of runs interleaved in the same rounds hold better, and the full run for publication belongs on a quiet machine.`, '']
      : [],
    reading: `- Load (\`uptime\`): before \`${before.uptime}\`; after \`${after?.uptime ?? 'not read'}\` (the after reading includes the run's own ${ownCores} busy cores)`,
  };
}
