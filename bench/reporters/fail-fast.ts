// --fail-fast: watches the results as tiers and tests finish and stops the run at the first
// threshold that can no longer pass: a tier over its bound (ping-latency[1000].p99 once tier 1000
// is measured; an every-tier bound at its first failing tier), a count past its limit. With
// --procs the results arrive per test (merged), so it stops after the test.
import type { TestName } from '../options/choices.js';
import type { TestResult, TierResult } from '../results.js';
import { judge } from '../thresholds/evaluate.js';
import type { Threshold } from '../thresholds/expression.js';
import type { RunReporter } from './run-events.js';

export class FailFastWatcher implements RunReporter {
  private readonly finished: TestResult[] = [];
  private running: TestResult | undefined;
  private stopped = false;

  constructor(
    private readonly thresholds: readonly Threshold[],
    /** Ends the run; called once, with the threshold that failed. */
    private readonly stop: (reason: string) => void,
  ) {}

  testStarted(test: TestName): void {
    this.running = { test, tiers: [] };
  }

  tierMeasured(tier: TierResult): void {
    if (this.running?.test !== tier.test) this.running = { test: tier.test, tiers: [] };
    this.running.tiers.push(tier);
    this.check();
  }

  testFinished(result: TestResult): void {
    this.running = undefined;
    this.finished.push(result);
    this.check();
  }

  private check(): void {
    if (this.stopped) return;
    const tests = this.running === undefined ? this.finished : [...this.finished, this.running];
    // A whole test's figure (max_stable_connections) is known once that test has finished.
    const failed = this.thresholds.find((threshold) =>
      threshold.metric.scope === 'test'
        ? this.finished.some((t) => t.test === threshold.test) && judge(threshold, this.finished, true).verdict === 'fail'
        : judge(threshold, tests, false).verdict === 'fail');
    if (failed === undefined) return;
    this.stopped = true;
    this.stop(`--fail-fast: threshold ${failed.text} failed`);
  }
}
