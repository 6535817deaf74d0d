// How a finished run ends: its exit code and the one line that says why. 0 means every tier
// measured what was asked and every threshold passed; results that are incomplete (a PARTIAL
// tier, an ERROR row, failed connections outside connection-limit) exit 98; a failed threshold
// 99; nothing measured 1; a run stopped early by a signal or by the server's loss keeps that code
// (process/exit-codes.ts, and --help, list them).
import { formatInteger } from './report/format.js';
import type { RunResult, TierResult } from './results.js';
import { EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_TARGET_LOST, EXIT_TERMINATED, EXIT_THRESHOLD_FAILED } from './process/exit-codes.js';

export interface RunVerdict {
  exitCode: number;
  /** 'exit 99: 1 of 3 thresholds failed'. */
  line: string;
}

function tierName(t: TierResult): string {
  return `${t.test} ${formatInteger(t.connections)}${t.label === undefined ? '' : ` ${t.label}`}`;
}

function plural(n: number, word: string): string {
  return `${formatInteger(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Why the results are incomplete, one phrase each; empty when they are complete. */
export function incompleteness(run: RunResult): string[] {
  const tiers = run.tests.flatMap((t) => t.tiers);
  const reasons: string[] = [];
  const partial = tiers.filter((t) => t.partial !== undefined);
  if (partial.length > 0) reasons.push(`${plural(partial.length, 'PARTIAL tier')} (${tierName(partial[0]!)}: ${partial[0]!.partial})`);
  const inconsistent = tiers.filter((t) => t.consistency !== undefined && !t.consistency.ok);
  if (inconsistent.length > 0) reasons.push(`${plural(inconsistent.length, 'ERROR row')}: client and server disagree (${tierName(inconsistent[0]!)})`);
  // connection-limit looks for where connections fail: its failures are its result
  const failing = tiers.filter((t) => t.test !== 'connection-limit' && t.connectionCounts.failed > 0);
  if (failing.length > 0) {
    const first = failing[0]!;
    const counts = first.connectionCounts;
    reasons.push(`connections failed in ${plural(failing.length, 'tier')} (${tierName(first)}: ${formatInteger(counts.failed)} of ${formatInteger(counts.attempted)})`);
  }
  return reasons;
}

/** What each way of stopping early says, by its exit code. */
const STOPPED_EARLY: Record<number, string> = {
  [EXIT_INTERRUPTED]: 'interrupted (SIGINT); what finished is reported',
  [EXIT_TERMINATED]: 'terminated (SIGTERM); what finished is reported',
  [EXIT_TARGET_LOST]: 'the server is gone; what finished is reported, the tests left were not run',
};

/** `stoppedWith`: the exit code of a run stopped early (a signal, the server's loss), if it was. */
export function judgeRun(run: RunResult, stoppedWith: number | undefined): RunVerdict {
  if (stoppedWith !== undefined) return { exitCode: stoppedWith, line: `exit ${stoppedWith}: ${STOPPED_EARLY[stoppedWith] ?? 'stopped early'}` };
  if (run.nothingMeasured !== undefined) return { exitCode: EXIT_FAILED, line: `exit ${EXIT_FAILED}: nothing could be measured: ${run.nothingMeasured}` };
  const incomplete = incompleteness(run);
  if (incomplete.length > 0) return { exitCode: EXIT_INCOMPLETE, line: `exit ${EXIT_INCOMPLETE}: results incomplete: ${incomplete.join('; ')}` };
  const thresholds = run.thresholds ?? [];
  const failed = thresholds.filter((t) => !t.passed).length;
  if (failed > 0) return { exitCode: EXIT_THRESHOLD_FAILED, line: `exit ${EXIT_THRESHOLD_FAILED}: ${failed} of ${plural(thresholds.length, 'threshold')} failed` };
  const judged = thresholds.length > 0 ? `, ${thresholds.length === 1 ? 'the threshold' : `all ${thresholds.length} thresholds`} passed` : '';
  return { exitCode: EXIT_OK, line: `exit ${EXIT_OK}: complete${judged}` };
}
