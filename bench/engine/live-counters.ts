// What the engine counts as it happens, for the reporters that follow a run while it goes (the
// progress line, --live): messages written, connections opened or failed, PONGs with their round
// trips, errors. Plain increments on the hot path; the reporters sample them. A --procs worker
// sends what it counted since its last report to the launcher, which adds it to its own.
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, recordMicros } from '../stats/histogram.js';

/** Counts since the previous report of a worker; the round trips as an encoded histogram. */
export interface LiveDelta {
  messages: number;
  connects: number;
  connectFailures: number;
  pongs: number;
  errors: number;
  roundTrips?: string;
}

export class LiveCounters {
  messages = 0;
  connects = 0;
  connectFailures = 0;
  pongs = 0;
  /** Failed connects, server error frames and unexpected closes: the report's Errors column, live. */
  errors = 0;
  /** Round trips (µs) since the last takeRoundTrips(); kept only when a reporter reads them (--live). */
  private roundTrips: Histogram | undefined;
  private reported: LiveDelta = { messages: 0, connects: 0, connectFailures: 0, pongs: 0, errors: 0 };

  constructor(keepRoundTrips = false) {
    if (keepRoundTrips) this.roundTrips = createLatencyHistogram();
  }

  pong(rttMicros: number): void {
    this.pongs++;
    if (this.roundTrips !== undefined) recordMicros(this.roundTrips, rttMicros);
  }

  connectFailed(): void {
    this.connectFailures++;
    this.errors++;
  }

  /** The round trips since the previous call, and a fresh histogram for the next interval. */
  takeRoundTrips(): Histogram | undefined {
    const taken = this.roundTrips;
    if (taken !== undefined) this.roundTrips = createLatencyHistogram();
    return taken;
  }

  /** What changed since the previous delta (a worker's report to its launcher). */
  takeDelta(): LiveDelta {
    const last = this.reported;
    const delta: LiveDelta = {
      messages: this.messages - last.messages,
      connects: this.connects - last.connects,
      connectFailures: this.connectFailures - last.connectFailures,
      pongs: this.pongs - last.pongs,
      errors: this.errors - last.errors,
    };
    this.reported = { messages: this.messages, connects: this.connects, connectFailures: this.connectFailures, pongs: this.pongs, errors: this.errors };
    const roundTrips = this.takeRoundTrips();
    if (roundTrips !== undefined && roundTrips.totalCount > 0) delta.roundTrips = encodeHistogram(roundTrips);
    roundTrips?.destroy();
    return delta;
  }

  /** Adds a worker's delta. */
  absorb(delta: LiveDelta): void {
    this.messages += delta.messages;
    this.connects += delta.connects;
    this.connectFailures += delta.connectFailures;
    this.pongs += delta.pongs;
    this.errors += delta.errors;
    if (delta.roundTrips !== undefined && this.roundTrips !== undefined) {
      const part = decodeHistogram(delta.roundTrips);
      this.roundTrips.add(part);
      part.destroy();
    }
  }
}
