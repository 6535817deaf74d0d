// --live FILE: one JSON line a second while the run goes, for a dashboard or a script to follow a
// long run (tail -f): when, which test and tier, the rates and errors of the last second, and the
// round trips of the PONGs that came back in it (µs; in sending tests those are the flow-control
// pings queued behind the messages). Written synchronously: a line is whole when it is there.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LiveCounters } from '../engine/live-counters.js';
import { UsageError } from '../options/usage-error.js';
import { RateWindow } from './rate-window.js';
import type { PhaseEvent, RunReporter } from './run-events.js';

const INTERVAL_MS = 1000;

/** One line of the file. */
export interface LiveSample {
  time: string;
  elapsedSec: number;
  test: string | null;
  tier: number | null;
  phase: string | null;
  messagesPerSec: number;
  connectsPerSec: number;
  pongsPerSec: number;
  /** Errors in the last interval, and since the start. */
  errors: number;
  errorsTotal: number;
  /** Round trips of the last interval, µs; null when no PONG came back in it. */
  latencyMicros: { count: number; p50: number; p90: number; p99: number; max: number } | null;
}

export class LiveFile implements RunReporter {
  private readonly fd: number;
  private readonly startedAt = Date.now();
  private readonly rates: RateWindow;
  private readonly timer: ReturnType<typeof setInterval>;
  private current: PhaseEvent | undefined;

  constructor(
    readonly path: string,
    private readonly live: LiveCounters,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw new UsageError(`--live ${path}: ${(error as Error).message}`);
    }
    this.rates = new RateWindow(live);
    this.timer = setInterval(() => this.writeSample(), INTERVAL_MS);
    this.timer.unref();
  }

  phase(event: PhaseEvent): void {
    this.current = event;
  }

  close(): void {
    clearInterval(this.timer);
    this.writeSample();
    closeSync(this.fd);
  }

  sample(): LiveSample {
    const rates = this.rates.sample();
    const roundTrips = this.live.takeRoundTrips();
    let latencyMicros: LiveSample['latencyMicros'] = null;
    if (roundTrips !== undefined && roundTrips.totalCount > 0) {
      latencyMicros = {
        count: roundTrips.totalCount,
        p50: roundTrips.getValueAtPercentile(50),
        p90: roundTrips.getValueAtPercentile(90),
        p99: roundTrips.getValueAtPercentile(99),
        max: roundTrips.getValueAtPercentile(100),
      };
    }
    roundTrips?.destroy();
    return {
      time: new Date().toISOString(),
      elapsedSec: Math.round((Date.now() - this.startedAt) / 100) / 10,
      test: this.current?.test ?? null,
      tier: this.current?.tier ?? null,
      phase: this.current?.text ?? null,
      messagesPerSec: Math.round(rates.messagesPerSec),
      connectsPerSec: Math.round(rates.connectsPerSec),
      pongsPerSec: Math.round(rates.pongsPerSec),
      errors: rates.errors,
      errorsTotal: this.live.errors,
      latencyMicros,
    };
  }

  private writeSample(): void {
    writeSync(this.fd, `${JSON.stringify(this.sample())}\n`);
  }
}
