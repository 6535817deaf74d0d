// The tests run one after another in this process: a warm-up before the first (each process
// compiles its own code), then each test on its tiers. The single-process run and every client
// worker of a --procs run go through here.
import type { TestContext } from '../engine/context.js';
import { abortReason } from '../engine/phase-waiter.js';
import { warmUp, warmUpSize } from '../engine/warm-up.js';
import { oneLine } from '../one-line.js';
import { tiersOf } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import type { NotRunTest, TestResult } from '../results.js';
import { TEST_RUNNERS } from './index.js';

export class ScenarioSession {
  private warmedUp = false;

  constructor(
    private readonly context: TestContext,
    /** Connections to warm up with: this process's share (warm-up.ts). */
    private readonly warmUpConnections: number = warmUpSize(context.options),
  ) {}

  /** Runs `test` on `tiers` (a worker's share of each tier), warming up first if nothing ran yet. */
  async run(test: TestName, tiers: number[]): Promise<TestResult> {
    if (!this.warmedUp) {
      this.warmedUp = true;
      await warmUp(this.context, this.warmUpConnections);
    }
    return TEST_RUNNERS[test]({ ...this.context, options: { ...this.context.options, tiers } });
  }
}

/** What the selected tests gave: each one's result, or why it has none. */
export interface TestsRun {
  tests: TestResult[];
  notRun: NotRunTest[];
}

/** With --start-at: told when each test begins, and given each result to mark the rows that began late. */
export interface TestSchedule {
  beginTest(test: TestName): void;
  markLate(result: TestResult): void;
}

/**
 * Every selected test in this process, until the run is aborted (the tests left are not run, for
 * the abort's reason); a test that throws is reported, listed as not run, and the next one runs.
 */
export async function runTestsInProcess(context: TestContext, schedule?: TestSchedule): Promise<TestsRun> {
  const session = new ScenarioSession(context);
  const run: TestsRun = { tests: [], notRun: [] };
  for (const test of context.options.tests) {
    if (context.signal.aborted) {
      run.notRun.push({ test, reason: abortReason(context.signal) });
      continue;
    }
    context.progress.testStarted(test);
    try {
      schedule?.beginTest(test);
      const result = await session.run(test, tiersOf(context.options, test));
      schedule?.markLate(result);
      run.tests.push(result);
      context.progress.testFinished(result);
    } catch (error) {
      context.progress.warn(`${test} failed: ${oneLine(error)}`);
      run.notRun.push({ test, reason: `it failed: ${oneLine(error)}` });
    }
  }
  return run;
}
