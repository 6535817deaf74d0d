// What a run will do, tier by tier, with a rough duration for each: the progress line's position
// ("[3/7] throughput") and its time left. Durations come from the settings (send phases, cells,
// holds) plus connecting at a typical rate; the estimate only has to be of the right size.
import { largestTier, tiersOf, type BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';

/** Connections a second the estimate assumes while opening and closing a tier. */
const CONNECTS_PER_SEC = 3000;
/** Settling, the PONG barrier and closing around every measured phase, s. */
const PHASE_OVERHEAD_SEC = 0.5;

interface PlannedTier {
  test: TestName;
  tier: number;
  seconds: number;
}

function connecting(connections: number): number {
  return connections / CONNECTS_PER_SEC;
}

/** Rough seconds one tier of `test` takes. */
function tierSeconds(options: BenchOptions, test: TestName, connections: number): number {
  const open = options.openLoop;
  const steps = open?.ramp?.length ?? 1;
  const base = connecting(connections) + PHASE_OVERHEAD_SEC;
  switch (test) {
    case 'connection-storm':
      return base;
    case 'ping-latency': {
      const perPing = open?.rate !== undefined ? 1 / open.rate : Math.max(0.001, connections * 5e-6);
      return base + steps * options.pings * perPing;
    }
    case 'throughput':
      return base + steps * (options.durationSec + PHASE_OVERHEAD_SEC);
    case 'size-matrix':
      return base + steps * options.sizes.length * (options.cellDurationSec + PHASE_OVERHEAD_SEC);
    case 'format-comparison':
      return base + options.formats.length * (options.cellDurationSec + PHASE_OVERHEAD_SEC);
    case 'sustained-hold':
      return base + options.holdSec;
    case 'fanout':
      return base + (options.fanoutSizes?.length ?? 1) * (options.durationSec + PHASE_OVERHEAD_SEC);
    case 'connection-limit': {
      // probes double from the start to the cap; bisection is not foreseen
      let seconds = 0;
      for (let target = options.limitStartConnections ?? 1000; ; target *= 2) {
        const probe = Math.min(target, options.maxConnections);
        seconds += connecting(probe) + (options.limitHoldSec ?? 3) + PHASE_OVERHEAD_SEC;
        if (probe >= options.maxConnections) break;
      }
      return seconds;
    }
  }
}

export class RunPlan {
  readonly tests: readonly TestName[];
  private readonly tiers: PlannedTier[] = [];
  private current = 0;
  private currentSince = Date.now();

  constructor(options: BenchOptions) {
    this.tests = options.tests;
    const rounds = options.procsSeries?.length ?? 1;
    const warmUp = options.warmupConnections > 0 ? connecting(Math.min(options.warmupConnections, largestTier(options))) + PHASE_OVERHEAD_SEC : 0;
    for (const test of options.tests) {
      const tiers = test === 'connection-limit' ? [options.maxConnections] : tiersOf(options, test);
      for (let round = 0; round < (test === 'connection-limit' ? 1 : rounds); round++) {
        for (const tier of tiers) this.tiers.push({ test, tier, seconds: tierSeconds(options, test, tier) + (this.tiers.length === 0 ? warmUp : 0) });
      }
    }
  }

  /** '3/7': the test's place among the run's tests; 'start' before the first (the warm-up). */
  position(test: TestName): string {
    const index = this.tests.indexOf(test);
    return index < 0 ? 'start' : `${index + 1}/${this.tests.length}`;
  }

  /** A phase of `test` (at `tier` connections) started: the plan moves to that tier. */
  enter(test: TestName, tier: number | undefined): void {
    const from = this.current;
    let found = -1;
    for (let i = from; i < this.tiers.length && found < 0; i++) {
      const planned = this.tiers[i]!;
      if (planned.test === test && (tier === undefined || test === 'connection-limit' || planned.tier === tier)) found = i;
    }
    if (found < 0 || found === from) return;
    this.current = found;
    this.currentSince = Date.now();
  }

  /**
   * Estimated seconds until the run ends; `currentAtLeast`: what the current tier is known to still
   * need (its timed phase's remaining seconds), as connecting on a loaded machine outlasts the estimate.
   */
  secondsLeft(currentAtLeast = 0): number {
    let left = 0;
    for (let i = this.current + 1; i < this.tiers.length; i++) left += this.tiers[i]!.seconds;
    const now = this.tiers[this.current];
    if (now !== undefined) left += Math.max(currentAtLeast, now.seconds - (Date.now() - this.currentSince) / 1000);
    return left;
  }
}

/** '45s', '2m10s', '1h05m'. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
