// --start-at <unix ms>: the first tier's measured phase starts at that wall-clock time, so runs on
// several machines measure together (and `merge` can line them up; it reports the skew it saw).
import { performance } from 'node:perf_hooks';

/** Waits until the wall clock reaches `epochMs`, or the run is aborted. */
export function sleepUntilEpoch(epochMs: number, signal: AbortSignal): Promise<void> {
  const delay = epochMs - (performance.timeOrigin + performance.now());
  if (delay <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, delay);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The barrier of a single-process run: resolves at once, except the first 'start', which waits
 * for --start-at when it is given.
 */
export function singleProcessBarrier(startAtEpochMs: number | undefined, signal: AbortSignal): (phase: string) => Promise<void> {
  let pending = startAtEpochMs;
  return (phase) => {
    if (phase !== 'start' || pending === undefined) return Promise.resolve();
    const at = pending;
    pending = undefined;
    return sleepUntilEpoch(at, signal);
  };
}
