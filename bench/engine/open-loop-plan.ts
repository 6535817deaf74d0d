// From the open-loop options to one phase's plan: the per-connection rate, how many messages the
// timetable holds, how often a latency probe follows a message, and the flow-control window.
import type { SendPayload } from '../messages/payloads.js';
import type { OpenLoopOptions } from '../options/bench-options.js';
import type { LatencySummary, OpenLoopResult } from '../results.js';
import type { OpenLoopPlan } from './open-loop-phase.js';

/**
 * Latency probes per second per connection (at most): enough samples for p99.9 in a few seconds
 * at 100 connections, few enough that the pings (each its own write and PONG) do not become most
 * of the work: at 100 msg/s every other message is probed, at 1,000 msg/s every 20th.
 */
export const PROBES_PER_SEC_PER_CONNECTION = 50;
/** A probe follows at least every this many payload bytes, so large messages are each sampled. */
const MAX_PROBE_SPAN_BYTES = 64 * 1024;
/**
 * Unanswered probes a sending connection may have: ≥ 160 ms of traffic at the probe rate. Beyond
 * it the client holds back (a stalled server stops it, as TCP would), and due messages wait.
 */
export const DATA_PROBE_WINDOW = 8;
/**
 * ping-latency: pings go out when due, not after the previous PONG, up to this many unanswered;
 * then they wait, and a late ping's corrected latency counts from when it was due.
 */
export const PING_PROBE_WINDOW = 4;
/** A step achieved less than this share of its requested rate: the rate was not sustained. */
export const SUSTAINED_SHARE = 0.95;

/** Per-connection rates to run, in order: the ramp's steps, or the one --rate / --total-rate. */
export function ratesPerConnection(open: OpenLoopOptions, connections: number, processes = 1): number[] {
  if (open.ramp !== undefined) return open.ramp;
  const rate = open.rate ?? 0;
  // Each of the tier's client processes (--procs, of every --shard) holds about 1/processes of its
  // connections and this share of the rate.
  return [open.per === 'total' ? rate / Math.max(1, connections * processes) : rate];
}

export function dataPlan(payload: SendPayload, payloadBytes: number, ratePerConnection: number, durationSec: number): OpenLoopPlan {
  const byRate = Math.max(1, Math.round(ratePerConnection / PROBES_PER_SEC_PER_CONNECTION));
  const byBytes = Math.max(1, Math.floor(MAX_PROBE_SPAN_BYTES / Math.max(1, payloadBytes)));
  return {
    payload,
    ratePerConnection,
    messagesPerConnection: Math.max(1, Math.round(ratePerConnection * durationSec)),
    probeEvery: Math.min(byRate, byBytes),
    probeWindow: DATA_PROBE_WINDOW,
  };
}

export function pingPlan(ratePerConnection: number, pings: number): OpenLoopPlan {
  return { payload: undefined, ratePerConnection, messagesPerConnection: Math.max(1, pings), probeEvery: 1, probeWindow: PING_PROBE_WINDOW };
}

/** '200/s per conn' — the row label of a ramp step. */
export function rateLabel(ratePerConnection: number): string {
  const rounded = ratePerConnection >= 100 ? Math.round(ratePerConnection) : Number(ratePerConnection.toPrecision(3));
  return `${rounded}/s per conn`;
}

/** Whether a step met the SLO; the reason when it did not. */
export function judgeSlo(
  sloMs: number,
  corrected: LatencySummary | null,
  requestedPerSec: number,
  achievedPerSec: number,
  complete: boolean,
): { withinSlo: boolean; reason?: string } {
  if (!complete) return { withinSlo: false, reason: 'not every latency probe came back' };
  if (achievedPerSec < requestedPerSec * SUSTAINED_SHARE) {
    return { withinSlo: false, reason: `achieved ${Math.round(achievedPerSec)} of ${Math.round(requestedPerSec)} msg/s requested` };
  }
  if (corrected === null) return { withinSlo: false, reason: 'no latency samples' };
  if (corrected.p99 >= sloMs * 1000) {
    return { withinSlo: false, reason: `corrected p99 ${(corrected.p99 / 1000).toFixed(1)} ms ≥ SLO ${sloMs} ms` };
  }
  return { withinSlo: true };
}

/** Adds the SLO verdict to a step's result when --slo-ms was given. */
export function withSlo(result: OpenLoopResult, sloMs: number | undefined, complete: boolean): { result: OpenLoopResult; reason?: string } {
  if (sloMs === undefined) return { result };
  const verdict = judgeSlo(sloMs, result.corrected, result.requestedPerSec, result.achievedPerSec, complete);
  const judged: OpenLoopResult = { ...result, sloMs, withinSlo: verdict.withinSlo };
  return verdict.reason === undefined ? { result: judged } : { result: judged, reason: verdict.reason };
}
