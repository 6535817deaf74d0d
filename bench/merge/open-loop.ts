// Merging the open-loop results of one tier measured by several clients (worker processes, or
// runs merged later): histograms merged through their HDR encodings, rates summed.
import { judgeSlo } from '../engine/open-loop-plan.js';
import type { OpenLoopResult } from '../results.js';
import { mergeLatencySummaries } from '../stats/histogram.js';

export function mergeOpenLoopResults(parts: readonly (OpenLoopResult | undefined)[]): OpenLoopResult | undefined {
  const present = parts.filter((p): p is OpenLoopResult => p !== undefined);
  const first = present[0];
  if (first === undefined) return undefined;
  // every part has both (possibly null, when its probes all went unanswered): never undefined
  const corrected = mergeLatencySummaries(present.map((p) => p.corrected)) ?? null;
  const uncorrected = mergeLatencySummaries(present.map((p) => p.uncorrected)) ?? null;
  const merged: OpenLoopResult = {
    requestedPerSec: present.reduce((n, p) => n + p.requestedPerSec, 0),
    requestedPerConnectionPerSec: first.requestedPerConnectionPerSec,
    // The workers ran the same timetable over the same window (phase barriers), so rates add up.
    achievedPerSec: present.reduce((n, p) => n + p.achievedPerSec, 0),
    probeEvery: first.probeEvery,
    behindAtScheduleEnd: present.reduce((n, p) => n + p.behindAtScheduleEnd, 0),
    corrected,
    uncorrected,
  };
  if (first.sloMs !== undefined) {
    // A missing part (a worker died) leaves the step unproven.
    const verdict = judgeSlo(first.sloMs, corrected, merged.requestedPerSec, merged.achievedPerSec, present.length === parts.length);
    merged.sloMs = first.sloMs;
    merged.withinSlo = verdict.withinSlo;
  }
  return merged;
}
