// --clock ping: the server clock's offset from ours, estimated from WSE ping round trips before a
// tier. A PONG carries the server's time (server_timestamp, ms); the sample with the shortest round
// trip bounds the offset best (NTP's choice): offset = server time − the round trip's midpoint,
// within ± (half that round trip + half a millisecond, the PONG's resolution).
import type { BenchConnection, PhaseHandler } from '../engine/connection.js';
import { IDLE_PHASE } from '../engine/connection.js';
import { PhaseWaiter } from '../engine/phase-waiter.js';
import { epochMicros } from './tick.js';

const SERVER_TIMESTAMP = '"server_timestamp":';
const SERVER_TIMESTAMP_BYTES = Buffer.from(SERVER_TIMESTAMP, 'latin1');

export interface ClockOffset {
  /** Server clock − this machine's clock, µs. */
  offsetMicros: number;
  /** How far off the estimate may be, µs. */
  uncertaintyMicros: number;
  samples: number;
}

export class ClockOffsetEstimator {
  private best: ClockOffset | undefined;
  private bestRttMicros = Number.POSITIVE_INFINITY;
  private samples = 0;
  private pendingServerMs = Number.NaN;
  private pendingArrivalMicros = 0;

  /** A message's bytes arrived (the raw hook, before the session matches a PONG to its ping). */
  noteMessage(data: Buffer | string, arrivalMicros: number): void {
    const at = typeof data === 'string' ? data.indexOf(SERVER_TIMESTAMP) : data.indexOf(SERVER_TIMESTAMP_BYTES);
    if (at === -1) return;
    const text = typeof data === 'string' ? data.slice(at + SERVER_TIMESTAMP.length, at + SERVER_TIMESTAMP.length + 24) : data.toString('latin1', at + SERVER_TIMESTAMP.length, at + SERVER_TIMESTAMP.length + 24);
    const serverMs = Number.parseFloat(text);
    if (!Number.isFinite(serverMs) || serverMs <= 0) return;
    this.pendingServerMs = serverMs;
    this.pendingArrivalMicros = arrivalMicros;
  }

  /** The session matched that PONG to its ping, which went out `rttMicros` before it arrived. */
  notePong(rttMicros: number): void {
    const serverMs = this.pendingServerMs;
    this.pendingServerMs = Number.NaN;
    if (Number.isNaN(serverMs)) return;
    this.samples++;
    if (rttMicros >= this.bestRttMicros) return;
    this.bestRttMicros = rttMicros;
    const midpoint = this.pendingArrivalMicros - rttMicros / 2;
    // the server's ms stamp covers a whole millisecond: take its middle
    this.best = { offsetMicros: serverMs * 1000 + 500 - midpoint, uncertaintyMicros: rttMicros / 2 + 500, samples: 0 };
  }

  get estimate(): ClockOffset | undefined {
    return this.best === undefined ? undefined : { ...this.best, samples: this.samples };
  }
}

/** Connections that probe the clock, and sequential pings each: the best of ~80 round trips. */
const PROBE_CONNECTIONS = 16;
const PROBE_PINGS = 5;
const PROBE_STALL_MS = 5_000;

/** Before a tier: a few sequential pings on a few connections, their PONGs' server time read from the bytes. */
export async function estimateClockOffset(connections: readonly BenchConnection[], signal: AbortSignal): Promise<ClockOffset | undefined> {
  const estimator = new ClockOffsetEstimator();
  const probing = connections.filter((c) => c.open && c.session !== undefined).slice(0, PROBE_CONNECTIONS);
  const waiter = new PhaseWaiter(probing.length * PROBE_PINGS, signal, PROBE_STALL_MS);
  const probe: PhaseHandler = {
    onRawMessage(_connection, data) {
      estimator.noteMessage(data, epochMicros());
      return false;
    },
    onPong(connection, rttMicros) {
      estimator.notePong(rttMicros);
      waiter.progress();
      if (--connection.pingsLeft > 0 && connection.open) connection.session?.sendPing();
    },
    onClosed(connection) {
      waiter.progress(Math.max(0, connection.pingsLeft));
      connection.pingsLeft = 0;
    },
  };
  for (const c of probing) {
    c.phase = probe;
    c.pingsLeft = PROBE_PINGS;
    c.session!.sendPing();
  }
  await waiter.wait();
  for (const c of probing) c.phase = IDLE_PHASE;
  return estimator.estimate;
}
