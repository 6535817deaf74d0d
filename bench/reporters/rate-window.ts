// Live rates from the run's counters: the change over the last second or so, sampled whenever a
// reporter asks. The rate shown is the one the current phase moves: messages while sending,
// connections while connecting, PONGs while pinging.
import type { LiveCounters } from '../engine/live-counters.js';
import { formatCompact } from '../report/format.js';

interface Sample {
  atMs: number;
  messages: number;
  connects: number;
  pongs: number;
  errors: number;
}

/** Rates over at least this long, so a 250 ms redraw does not show jitter. */
const WINDOW_MS = 1000;

export interface LiveRates {
  messagesPerSec: number;
  connectsPerSec: number;
  pongsPerSec: number;
  /** Errors over the window (not a rate). */
  errors: number;
}

export class RateWindow {
  private readonly samples: Sample[] = [];

  constructor(private readonly live: LiveCounters) {
    this.samples.push(this.now());
  }

  /** Forgets the samples so far: the rates that follow are of what moves from now on (a new phase's own). */
  restart(): void {
    this.samples.length = 0;
    this.samples.push(this.now());
  }

  /** Rates between now and the oldest sample within the window (sample at least once a second for current rates). */
  sample(): LiveRates {
    const now = this.now();
    this.samples.push(now);
    while (this.samples.length > 2 && now.atMs - this.samples[1]!.atMs >= WINDOW_MS) this.samples.shift();
    const from = this.samples[0]!;
    const seconds = Math.max(0.001, (now.atMs - from.atMs) / 1000);
    return {
      messagesPerSec: (now.messages - from.messages) / seconds,
      connectsPerSec: (now.connects - from.connects) / seconds,
      pongsPerSec: (now.pongs - from.pongs) / seconds,
      errors: now.errors - from.errors,
    };
  }

  private now(): Sample {
    return { atMs: Date.now(), messages: this.live.messages, connects: this.live.connects, pongs: this.live.pongs, errors: this.live.errors };
  }
}

/** '612K msg/s', '2,480 conn/s', '14K pings/s', or '' when nothing moves. */
export function describeRate(rates: LiveRates): string {
  if (rates.messagesPerSec > 0) return `${formatCompact(rates.messagesPerSec)} msg/s`;
  if (rates.connectsPerSec > 0) return `${formatCompact(rates.connectsPerSec)} conn/s`;
  if (rates.pongsPerSec > 0) return `${formatCompact(rates.pongsPerSec)} pings/s`;
  return '';
}
