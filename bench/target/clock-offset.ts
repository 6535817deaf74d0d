// This machine's clock against the target's, from WSE PONGs: a PONG carries the server's
// server_timestamp (ms, Date.now() there), so one ping gives the server's time at some instant
// between the ping's send (t0) and the PONG's arrival (t1), both on our clock. The offset is
// server time minus the midpoint, within ± half the round trip and half the timestamp's 1 ms step;
// of several pings the one with the shortest round trip bounds it best (NTP's rule). Shards that
// measure against the same target can then be compared with each other: their offsets' difference
// is their clocks' skew (merge reports it).
import { pingMessage } from '../../core/wse/messages.js';
import type { WseMessage } from '../../core/wse/decode.js';
import { WseSession, type WseConnectOptions, type WseSessionListener } from '../../core/wse/session.js';
import { epochNowMs } from '../engine/pool.js';
import type { ClockOffset } from '../results.js';

/** Pings sent one after another: the shortest of 8 round trips is rarely disturbed by a GC pause or a busy server. */
const SAMPLES = 8;
/** A PONG later than this ends the measurement: the target is not answering pings. */
const PONG_TIMEOUT_MS = 2_000;
/** server_timestamp is whole milliseconds: the true time lies up to 1 ms after it. */
const TIMESTAMP_STEP_MS = 1;

/** One ping's bound on the offset. */
export interface OffsetSample {
  sentAtMs: number;
  receivedAtMs: number;
  serverTimestampMs: number;
}

/** The offset from the sample with the shortest round trip; undefined without samples. */
export function offsetFromSamples(samples: readonly OffsetSample[]): ClockOffset | undefined {
  let best: OffsetSample | undefined;
  for (const s of samples) if (best === undefined || s.receivedAtMs - s.sentAtMs < best.receivedAtMs - best.sentAtMs) best = s;
  if (best === undefined) return undefined;
  const midpoint = (best.sentAtMs + best.receivedAtMs) / 2;
  const roundTripMs = best.receivedAtMs - best.sentAtMs;
  return {
    offsetMs: best.serverTimestampMs + TIMESTAMP_STEP_MS / 2 - midpoint,
    uncertaintyMs: roundTripMs / 2 + TIMESTAMP_STEP_MS / 2,
    samples: samples.length,
  };
}

/** Waits for PONGs that the session does not match to a ping of its own (we send ours with send()). */
class PongCatcher implements WseSessionListener {
  private waiting: ((timestampMs: number | undefined) => void) | undefined;

  nextPong(): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(undefined), PONG_TIMEOUT_MS);
      this.waiting = (timestampMs) => {
        clearTimeout(timer);
        resolve(timestampMs);
      };
    });
  }

  onMessage(message: WseMessage | undefined): void {
    if (message === undefined || message.t.toLowerCase() !== 'pong') return;
    const payload = message.p;
    const timestamp = typeof payload === 'object' && payload !== null ? Reflect.get(payload, 'server_timestamp') : undefined;
    // A PONG without a usable server_timestamp still ends the wait: the server cannot tell its time.
    this.settle(typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp > 0 ? timestamp : Number.NaN);
  }

  onPong(): void {}
  onServerError(): void {}
  onRateLimitWarning(): void {}
  onClose(): void {
    this.settle(undefined);
  }

  private settle(timestampMs: number | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(timestampMs);
  }
}

/** The offset, or why it could not be measured (one line). */
export async function measureClockOffset(connect: WseConnectOptions): Promise<ClockOffset | string> {
  const catcher = new PongCatcher();
  let session: WseSession;
  try {
    session = await WseSession.connect(connect, catcher);
  } catch (error) {
    return `cannot connect to measure the clock offset: ${error instanceof Error ? error.message : String(error)}`;
  }
  const samples: OffsetSample[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const pong = catcher.nextPong();
      const sentAtMs = epochNowMs();
      session.send(pingMessage(Date.now()));
      const serverTimestampMs = await pong;
      const receivedAtMs = epochNowMs();
      if (serverTimestampMs === undefined) return samples.length === 0 ? 'the target answered no ping within 2 s' : describe(samples);
      if (Number.isNaN(serverTimestampMs)) return 'the target\'s PONG carries no server_timestamp';
      samples.push({ sentAtMs, receivedAtMs, serverTimestampMs });
    }
    return describe(samples);
  } finally {
    session.close();
  }
}

function describe(samples: readonly OffsetSample[]): ClockOffset | string {
  return offsetFromSamples(samples) ?? 'no PONG came back';
}
