// --rate, --total-rate, --ramp and --slo-ms → OpenLoopOptions, refusing the combinations that
// cannot work (one line each, exit 2 through UsageError).
import type { OpenLoopOptions } from './bench-options.js';
import type { TestName } from './choices.js';
import { UsageError } from './usage-error.js';

/** The open-loop options as given (none of them has a default). */
export interface OpenLoopFlags {
  rate?: number;
  totalRate?: number;
  ramp?: number[];
  sloMs?: number;
}

/** The tests that can send on a timetable. */
export const OPEN_LOOP_TESTS: readonly TestName[] = ['throughput', 'size-matrix', 'ping-latency'];

export function openLoopFromFlags({ rate, totalRate, ramp, sloMs }: OpenLoopFlags, tests: readonly TestName[]): OpenLoopOptions | undefined {
  const flag = rate !== undefined ? '--rate' : totalRate !== undefined ? '--total-rate' : ramp !== undefined ? '--ramp' : undefined;
  if (flag === undefined) {
    if (sloMs !== undefined) throw new UsageError('--slo-ms judges an open-loop run: add --rate, --total-rate or --ramp');
    return undefined;
  }
  if (rate !== undefined && totalRate !== undefined) throw new UsageError('--rate (per connection) and --total-rate (all connections) exclude each other');
  if (ramp !== undefined && (rate !== undefined || totalRate !== undefined)) {
    throw new UsageError(`--ramp sets the rates itself; drop ${rate !== undefined ? '--rate' : '--total-rate'}`);
  }
  if (ramp !== undefined && sloMs === undefined) throw new UsageError('--ramp needs --slo-ms <ms>: the p99 bound each step must stay under');
  if (ramp !== undefined) {
    for (let i = 1; i < ramp.length; i++) {
      if (ramp[i]! <= ramp[i - 1]!) throw new UsageError(`--ramp rates must rise: ${ramp[i]} follows ${ramp[i - 1]}`);
    }
  }
  const unsupported = tests.filter((t) => !OPEN_LOOP_TESTS.includes(t));
  if (unsupported.length > 0) {
    throw new UsageError(`${flag} applies to ${OPEN_LOOP_TESTS.join(', ')} only; choose them with --test (not ${unsupported.join(', ')})`);
  }
  const options: OpenLoopOptions = { per: totalRate !== undefined ? 'total' : 'connection' };
  if (rate !== undefined || totalRate !== undefined) options.rate = rate ?? totalRate;
  if (ramp !== undefined) options.ramp = ramp;
  if (sloMs !== undefined) options.sloMs = sloMs;
  return options;
}
