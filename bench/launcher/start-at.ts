// --start-at <unix ms>: the wall-clock time a run's timetable starts from (timetable.ts), so runs
// on several machines measure together (and `merge` can line them up; it reports the skew it saw).
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
