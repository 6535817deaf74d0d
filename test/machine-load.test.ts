// The machine's load beside a benchmark section (scripts/lib/machine-load.ts): recorded before and
// after, with a warning when the machine was busy before, or busier after than the run itself makes it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLines, QUIET_LOAD, readLoad } from '../scripts/lib/machine-load.js';

const reading = (oneMinute: number): { uptime: string; oneMinute: number } => ({ uptime: `load average: ${oneMinute.toFixed(2)}, 0.10, 0.10`, oneMinute });

describe('machine load in a benchmark section', () => {
  test('a quiet machine: the readings, no warning, also when the run itself kept its two cores busy', () => {
    const lines = loadLines(reading(0.2), reading(2 + QUIET_LOAD), 2);
    assert.deepEqual(lines.warning, []);
    assert.equal(lines.reading, "- Load (`uptime`): before `load average: 0.20, 0.10, 0.10`; after `load average: 2.50, 0.10, 0.10` (the after reading includes the run's own 2 busy cores)");
  });

  test('busy before, or busier after than the run itself: a warning above the figures', () => {
    for (const [before, after] of [[0.7, 0.1], [0.1, 2.6]]) {
      const lines = loadLines(reading(before!), reading(after!), 2);
      assert.equal(lines.warning.length, 2);
      assert.match(lines.warning[0]!, /^> \*\*Warning: the machine was busy/);
    }
  });

  test('an after reading that was never taken is said so', () => {
    assert.match(loadLines(reading(0.1), undefined, 2).reading, /after `not read` \(/);
  });

  test('a reading of this machine has the 1-minute load average', () => {
    const now = readLoad();
    assert.ok(Number.isFinite(now.oneMinute) && now.oneMinute >= 0, JSON.stringify(now));
    assert.ok(now.uptime.length > 0);
  });
});
