// Merging what several client processes spent during one tier. The rule:
// - CPU time (user, system) and RSS are summed: together they are what the client cost;
// - wall time is the common window (earliest start → latest end), and cpuCores = summed CPU ÷ that
//   window, so two processes each using a full core show 2.0 cores;
// - event-loop utilisation is averaged over the processes that measured it: each process has one
//   loop, and the mean says how busy a typical loop was (the busiest one is in `workers`).
import type { ProcessUsage } from '../results.js';

export function mergeProcessUsage(parts: readonly ProcessUsage[], commonWallMicros: number): ProcessUsage {
  let cpuUserMicros = 0;
  let cpuSystemMicros = 0;
  let rssBytes = 0;
  let eluSum = 0;
  let eluCount = 0;
  for (const part of parts) {
    cpuUserMicros += part.cpuUserMicros;
    cpuSystemMicros += part.cpuSystemMicros;
    rssBytes += part.rssBytes;
    if (part.eventLoopMeasured !== false) {
      eluSum += part.eventLoopUtilization;
      eluCount++;
    }
  }
  const wallMicros = Math.max(1, commonWallMicros, ...parts.map((p) => p.wallMicros));
  return {
    eventLoopUtilization: eluCount > 0 ? eluSum / eluCount : 0,
    eventLoopMeasured: eluCount > 0,
    cpuUserMicros,
    cpuSystemMicros,
    cpuCores: (cpuUserMicros + cpuSystemMicros) / wallMicros,
    rssBytes,
    wallMicros,
  };
}

/** How loaded one process was: the larger of its event-loop utilisation and its CPU share. */
export function processLoad(usage: ProcessUsage): number {
  return Math.max(usage.eventLoopMeasured === false ? 0 : usage.eventLoopUtilization, usage.cpuCores);
}

/** The most loaded process: the saturation verdict of a merged tier is this one's. */
export function busiestProcess(parts: readonly ProcessUsage[]): ProcessUsage | undefined {
  let busiest: ProcessUsage | undefined;
  for (const part of parts) if (busiest === undefined || processLoad(part) > processLoad(busiest)) busiest = part;
  return busiest;
}
