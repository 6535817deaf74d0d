// Progress on stderr, as autocannon and k6 show it: on a TTY one line, redrawn four times a
// second, with the run's position and time left, the phase and its own progress, the live rate
// and the error count; elsewhere (CI logs) the same line every 5 s as plain text, plus a line at
// each phase start with --progress. --quiet shows no progress. Warnings always show, each once.
import type { LiveCounters } from '../engine/live-counters.js';
import type { BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import { formatInteger } from '../report/format.js';
import { describeRate, RateWindow } from './rate-window.js';
import type { PhaseEvent, RunReporter } from './run-events.js';
import { formatEta, type RunPlan } from './run-plan.js';

/** line: redrawn in place (a TTY); plain: a line every few seconds; quiet: warnings only. */
export type ProgressMode = 'line' | 'plain' | 'quiet';

/** The live line's redraw and the rates' sampling period; plain lines go out every PLAIN_LINE_MS. */
const REDRAW_MS = 250;
const PLAIN_LINE_MS = 5000;

/** Where the progress goes: process.stderr, or a test's recorder. */
export interface ProgressOutput {
  write(text: string): void;
  readonly columns: number | undefined;
}

export class StderrProgress implements RunReporter {
  private current: PhaseEvent | undefined;
  private detail = '';
  private lineOpen = false;
  private readonly rates: RateWindow;
  private rate = '';
  /** What the current timed phase still has to run, s (0 for other phases): the time left is never less. */
  private timedSecondsLeft = 0;
  private lastPlainMs = Date.now();
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly mode: ProgressMode,
    /** --progress: in plain mode also a line at every phase start. */
    private readonly phaseLines: boolean,
    private readonly plan: RunPlan,
    private readonly live: LiveCounters,
    private readonly out: ProgressOutput,
  ) {
    this.rates = new RateWindow(live);
    if (mode !== 'quiet') {
      this.timer = setInterval(() => this.refresh(), REDRAW_MS);
      this.timer.unref();
    }
  }

  static forStderr(options: BenchOptions, plan: RunPlan, live: LiveCounters): StderrProgress {
    const mode: ProgressMode = options.quiet === true ? 'quiet' : process.stderr.isTTY === true ? 'line' : 'plain';
    const out: ProgressOutput = { write: (text) => void process.stderr.write(text), get columns() { return process.stderr.columns; } };
    return new StderrProgress(mode, options.progress, plan, live, out);
  }

  phase(event: PhaseEvent): void {
    this.current = event;
    this.detail = '';
    this.timedSecondsLeft = 0;
    // the rate shown is this phase's: without a restart, the last second of a sending phase would
    // show as msg/s while the next tier connects
    this.rates.restart();
    this.rate = '';
    this.plan.enter(event.test, event.tier);
    if (this.mode === 'line') this.draw();
    else if (this.mode === 'plain' && this.phaseLines) this.out.write(`${this.prefix(event.test)} ${event.test}: ${event.text}\n`);
  }

  tick(done: number, total: number, unit: string): void {
    // a timed phase past its length is waiting for its last PONGs
    const over = unit === 's' && done > total ? ` +${count(done - total)} s for the last PONGs` : '';
    this.detail = ` ${count(Math.min(done, total))}/${count(total)} ${unit}${over}`;
    if (unit === 's') this.timedSecondsLeft = Math.max(0, total - done);
  }

  warn(text: string): void {
    this.endLine();
    this.out.write(`warning: ${text}\n`);
  }

  endLine(): void {
    if (!this.lineOpen) return;
    this.out.write('\n');
    this.lineOpen = false;
  }

  /** Removes the live line (before stdout writes to the same terminal); the next redraw brings it back. */
  clear(): void {
    if (!this.lineOpen) return;
    this.out.write('\r\x1b[K');
    this.lineOpen = false;
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.clear();
  }

  /** '[3/7] throughput: 1,000 conns: sending 3/5 s · 612K msg/s · 0 errors · ~1m12s left'. */
  statusLine(): string | undefined {
    const event = this.current;
    if (event === undefined) return undefined;
    const errors = this.live.errors;
    const parts = [`${this.prefix(event.test)} ${event.test}: ${event.text}${this.detail}`];
    if (this.rate !== '') parts.push(this.rate);
    parts.push(`${formatInteger(errors)} error${errors === 1 ? '' : 's'}`, `~${formatEta(this.plan.secondsLeft(this.timedSecondsLeft))} left`);
    return parts.join(' · ');
  }

  private prefix(test: TestName): string {
    return `[${this.plan.position(test)}]`;
  }

  /** Every REDRAW_MS: the rate over the last second; the live line, or a plain line every PLAIN_LINE_MS. */
  private refresh(): void {
    this.rate = describeRate(this.rates.sample());
    if (this.mode === 'line') {
      this.draw();
    } else if (Date.now() - this.lastPlainMs >= PLAIN_LINE_MS) {
      this.lastPlainMs = Date.now();
      this.draw();
    }
  }

  private draw(): void {
    const line = this.statusLine();
    if (line === undefined) return;
    if (this.mode === 'line') {
      // a pseudo-terminal without a size (script, docker -t) reports 0 columns: no width to fit then
      const columns = this.out.columns ?? 0;
      const width = columns > 0 ? columns : 120;
      this.out.write(`\r\x1b[K${line.slice(0, width - 1)}`);
      this.lineOpen = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }
}

function count(n: number): string {
  return Number.isInteger(n) ? formatInteger(n) : n.toFixed(1);
}
