// Text output as the run goes: the run's header when it starts, then each test's tables as soon as
// that test has finished (not all at the end), so a long run shows its results while it continues.
import type { TestResult } from '../results.js';
import { tablesForTest, runHeadLines, type RunHead } from '../report/tables.js';
import { renderTable } from '../report/text.js';
import type { RunReporter } from './run-events.js';

export class StreamedTables implements RunReporter {
  constructor(
    /** Writes to stdout (after clearing a progress line on the same terminal). */
    private readonly write: (text: string) => void,
    private readonly perWorker: boolean,
  ) {}

  runStarted(head: RunHead): void {
    this.write(`${[...runHeadLines(head), `Started ${head.startedAt}`].join('\n')}\n`);
  }

  testFinished(result: TestResult): void {
    const tables = tablesForTest(result, { perWorker: this.perWorker }).map(renderTable);
    this.write(`\n${tables.join('\n\n')}\n`);
  }
}
