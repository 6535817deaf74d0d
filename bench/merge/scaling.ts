// Scaling efficiency of a --procs list run (--procs 1,2): for each tier measured with N processes,
// aggregate rate ÷ (N × the rate of the same tier with one process). 1.0 = perfect scaling.
// The rate is the test's headline rate: delivered msg/s for the sending tests, accept rate for the
// connection tests; latency tests have none.
import type { TestResult, TierResult } from '../results.js';

export function headlineRate(tier: TierResult): number | undefined {
  return tier.messages?.deliveredPerSec ?? tier.connectRatePerSec ?? undefined;
}

/** Sets params.scalingEfficiency on every multi-process tier that has a one-process twin. */
export function addScalingEfficiency(result: TestResult): void {
  for (const tier of result.tiers) {
    const procs = Number(tier.params['procs'] ?? 1);
    if (procs <= 1) continue;
    const single = result.tiers.find(
      (t) => Number(t.params['procs'] ?? 1) === 1 && t.connections === tier.connections && t.label === tier.label,
    );
    const singleRate = single === undefined ? undefined : headlineRate(single);
    const rate = headlineRate(tier);
    if (singleRate === undefined || rate === undefined || !(singleRate > 0)) continue;
    tier.params['scalingEfficiency'] = Math.round((rate / (procs * singleRate)) * 1000) / 1000;
  }
}
