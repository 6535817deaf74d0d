// The tests run one after another in this process: a warm-up before the first (each process
// compiles its own code), then each test on its tiers. The single-process run and every client
// worker of a --procs run go through here.
import type { TestContext } from '../engine/context.js';
import { warmUp } from '../engine/warm-up.js';
import { oneLine } from '../one-line.js';
import { tiersOf } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { TestResult } from '../results.js';
import { TEST_RUNNERS } from './index.js';

export class ScenarioSession {
  private warmedUp = false;

  constructor(private readonly context: TestContext) {}

  /** Runs `test` on `tiers` (a worker's share of each tier), warming up first if nothing ran yet. */
  async run(test: TestName, tiers: number[]): Promise<TestResult> {
    if (!this.warmedUp) {
      this.warmedUp = true;
      await warmUp(this.context);
    }
    return TEST_RUNNERS[test]({ ...this.context, options: { ...this.context.options, tiers } });
  }
}

/** With --start-at: told when each test begins, and given each result to mark the rows that began late. */
export interface TestSchedule {
  beginTest(test: TestName): void;
  markLate(result: TestResult): void;
}

/** Every selected test in this process, until the run is aborted; a test that throws is reported and skipped. */
export async function runTestsInProcess(context: TestContext, schedule?: TestSchedule): Promise<TestResult[]> {
  const session = new ScenarioSession(context);
  const results: TestResult[] = [];
  for (const test of context.options.tests) {
    if (context.signal.aborted) break;
    try {
      schedule?.beginTest(test);
      const result = await session.run(test, tiersOf(context.options, test));
      schedule?.markLate(result);
      results.push(result);
    } catch (error) {
      context.progress.warn(`${test} failed: ${oneLine(error)}`);
    }
  }
  return results;
}
