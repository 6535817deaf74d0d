// The events of one run, emitted by the engine and the tests (through ProgressSink) and by the run
// itself, handed to every reporter that subscribed (autocannon's pattern): the stderr progress,
// --live, the tables printed as each test ends, the --fail-fast watcher. A reporter implements only
// the events it cares about. Warnings are shown once each, by the reporters that own stderr.
import type { ProgressSink } from '../engine/context.js';
import type { TestName } from '../options/choices.js';
import type { RunHead } from '../report/tables.js';
import type { TestResult, TierResult } from '../results.js';

/** What is running now: the position the progress line and --live show. */
export interface PhaseEvent {
  test: TestName;
  text: string;
  /** The tier's connection count, when the phase belongs to one. */
  tier: number | undefined;
}

export interface RunReporter {
  /** The target is up and the first test about to start. */
  runStarted?(head: RunHead): void;
  phase?(event: PhaseEvent): void;
  tick?(done: number, total: number, unit: string): void;
  warn?(text: string): void;
  tierMeasured?(tier: TierResult): void;
  testStarted?(test: TestName): void;
  testFinished?(result: TestResult): void;
  /** Other output is about to go to stderr: leave the cursor on a fresh line. */
  endLine?(): void;
  /** The run is over: stop timers, close files. */
  close?(): void;
}

export class RunEvents implements ProgressSink {
  private readonly reporters: RunReporter[] = [];
  private readonly warned = new Set<string>();
  private closed = false;

  constructor(
    /** What every text passes through before a reporter sees it (a user-given secret redacted). */
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  subscribe(reporter: RunReporter): void {
    this.reporters.push(reporter);
  }

  runStarted(head: RunHead): void {
    for (const r of this.reporters) r.runStarted?.(head);
  }

  phase(test: TestName, text: string, tier?: number): void {
    const event: PhaseEvent = { test, text: this.redact(text), tier };
    for (const r of this.reporters) r.phase?.(event);
  }

  tick(done: number, total: number, unit: string): void {
    for (const r of this.reporters) r.tick?.(done, total, unit);
  }

  /** Each text once, however many connections or workers report it. */
  warn(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    const shown = this.redact(text);
    for (const r of this.reporters) r.warn?.(shown);
  }

  tierMeasured(tier: TierResult): void {
    for (const r of this.reporters) r.tierMeasured?.(tier);
  }

  testStarted(test: TestName): void {
    for (const r of this.reporters) r.testStarted?.(test);
  }

  testFinished(result: TestResult): void {
    for (const r of this.reporters) r.testFinished?.(result);
  }

  endLine(): void {
    for (const r of this.reporters) r.endLine?.();
  }

  /** Once: the reporters stop their timers and close their files. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.reporters) r.close?.();
  }
}
