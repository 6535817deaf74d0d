// What this process spent during a tier: event-loop utilisation, CPU time, RSS and wall time.
import { performance } from 'node:perf_hooks';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { ProcessUsage } from '../results.js';

/** Started at the beginning of a measured phase; stop() returns the deltas since then. */
export class ProcessUsageMeter {
  private readonly elu: EventLoopUtilization;
  private readonly cpu: NodeJS.CpuUsage;
  private readonly startedAt: number;
  private readonly rssAtStart: number;

  constructor() {
    this.elu = performance.eventLoopUtilization();
    this.cpu = process.cpuUsage();
    this.startedAt = performance.now();
    this.rssAtStart = residentSetBytes() ?? 0;
  }

  stop(): ProcessUsage {
    const wallMicros = Math.max(1, (performance.now() - this.startedAt) * 1000);
    const cpu = process.cpuUsage(this.cpu);
    const elu = performance.eventLoopUtilization(this.elu);
    // Bun implements the call but reports zero idle and zero active time.
    const eventLoopMeasured = elu.idle + elu.active > 0 || wallMicros < 1000;
    return {
      eventLoopUtilization: eventLoopMeasured ? elu.utilization : 0,
      eventLoopMeasured,
      cpuUserMicros: cpu.user,
      cpuSystemMicros: cpu.system,
      cpuCores: (cpu.user + cpu.system) / wallMicros,
      rssBytes: residentSetBytes() ?? this.rssAtStart,
      wallMicros,
    };
  }
}

/**
 * RSS, or undefined when it cannot be read: Node reads it from /proc/self/stat, which needs a free
 * file descriptor, so it throws EMFILE exactly when a tier has filled the fd table.
 */
function residentSetBytes(): number | undefined {
  try {
    return process.memoryUsage.rss();
  } catch {
    return undefined;
  }
}
