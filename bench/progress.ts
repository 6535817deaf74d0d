// Progress on stderr: one updating line per phase, only on a TTY or with --progress.
import type { ProgressSink } from './engine/context.js';
import type { TestName } from './options/choices.js';
import { formatInteger } from './report/format.js';

/** At most this many redraws per second, so progress costs the measured loop nothing noticeable. */
const REDRAW_INTERVAL_MS = 100;

export class StderrProgress implements ProgressSink {
  private phaseText = '';
  private lastDrawMs = 0;
  private lineOpen = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly enabled: boolean,
    /** TTY: redraw one line in place; otherwise print one line per phase. */
    private readonly inPlace: boolean,
    /** What every line passes through before it is shown (the secret redacted). */
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  static forStderr(forced: boolean, redact?: (text: string) => string): StderrProgress {
    const tty = process.stderr.isTTY === true;
    return new StderrProgress(tty || forced, tty, redact);
  }

  phase(test: TestName, text: string): void {
    if (!this.enabled) return;
    this.phaseText = `${test}: ${text}`;
    this.lastDrawMs = 0;
    this.draw(this.phaseText, true);
  }

  tick(done: number, total: number, unit: string): void {
    if (!this.enabled || !this.inPlace) return;
    const now = Date.now();
    if (now - this.lastDrawMs < REDRAW_INTERVAL_MS && done < total) return;
    this.lastDrawMs = now;
    const remaining = unit === 's' ? ` (${Math.max(0, total - done).toFixed(0)} s left)` : '';
    this.draw(`${this.phaseText} ${progressCount(done)}/${progressCount(total)} ${unit}${remaining}`, false);
  }

  /** Warnings always show, progress or not; each text once. */
  warn(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.endLine();
    process.stderr.write(`warning: ${this.redact(text)}\n`);
  }

  /** Leaves the cursor on a fresh line before other output. */
  endLine(): void {
    if (this.lineOpen) {
      process.stderr.write('\n');
      this.lineOpen = false;
    }
  }

  private draw(text: string, newPhase: boolean): void {
    const line = this.redact(text);
    if (this.inPlace) {
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`);
      this.lineOpen = true;
    } else if (newPhase) {
      process.stderr.write(`${line}\n`);
    }
  }
}

function progressCount(n: number): string {
  return Number.isInteger(n) ? formatInteger(n) : n.toFixed(1);
}
