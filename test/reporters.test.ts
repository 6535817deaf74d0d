// The reporters that follow a run on stderr: the live line redrawn in place on a TTY, plain lines
// elsewhere (and one per phase with --progress), warnings that end the line first, the position
// and time left from the run's plan.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveCounters } from '../bench/engine/live-counters.js';
import { RunEvents } from '../bench/reporters/run-events.js';
import { formatEta, RunPlan } from '../bench/reporters/run-plan.js';
import { StderrProgress, type ProgressMode } from '../bench/reporters/stderr-progress.js';
import { runOptions } from './fixtures/run-result.js';

function progress(mode: ProgressMode, phaseLines = false): { events: RunEvents; live: LiveCounters; written: string[]; reporter: StderrProgress } {
  const written: string[] = [];
  const live = new LiveCounters();
  const reporter = new StderrProgress(mode, phaseLines, new RunPlan(runOptions(['--test', 'ping-latency,throughput', '--tiers', '100,1000'])), live, { write: (text) => void written.push(text), columns: 200 });
  const events = new RunEvents();
  events.subscribe(reporter);
  return { events, live, written, reporter };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stderr progress', () => {
  test('a TTY: one line redrawn in place, with position, phase progress, live rate, errors and time left', async () => {
    const { events, live, written, reporter } = progress('line');
    events.phase('throughput', '1,000 conns: sending', 1000);
    events.tick(3, 5, 's');
    live.messages += 100_000;
    live.errors = 1;
    await pause(600);
    reporter.close();
    const drawn = written.filter((w) => w.startsWith('\r\x1b[K['));
    assert.ok(drawn.length >= 2, 'redrawn a few times a second');
    assert.match(drawn.at(-1)!, /^\r\x1b\[K\[2\/2\] throughput: 1,000 conns: sending 3\/5 s · \d+K? msg\/s · 1 error · ~\d+s left$/);
    assert.ok(!written.some((w) => w.endsWith('\n')), 'no new line on a TTY');
    assert.equal(written.at(-1), '\r\x1b[K', 'closing clears the line');
  });

  test('the line is cut to the terminal\'s width; a terminal that reports 0 columns is taken as 120 wide (it used to lose the last character)', () => {
    for (const [columns, expected] of [[30, 29], [0, undefined]] as const) {
      const written: string[] = [];
      const plan = new RunPlan(runOptions(['--test', 'throughput', '--tiers', '100']));
      const reporter = new StderrProgress('line', false, plan, new LiveCounters(), { write: (text) => void written.push(text), columns });
      const events = new RunEvents();
      events.subscribe(reporter);
      events.phase('throughput', '100 conns: sending', 100);
      reporter.close();
      const line = written[0]!.replace('\r\x1b[K', '');
      if (expected === undefined) assert.match(line, / left$/);
      else assert.equal(line.length, expected);
    }
  });

  test('a warning ends the live line first and is shown once', () => {
    const { events, written, reporter } = progress('line');
    events.phase('ping-latency', '100 conns: 50 pings each', 100);
    events.warn('the server is slow');
    events.warn('the server is slow');
    reporter.close();
    assert.match(written[0]!, /^\r\x1b\[K\[1\/2\] ping-latency: 100 conns: 50 pings each/);
    assert.deepEqual(written.slice(1), ['\n', 'warning: the server is slow\n']);
  });

  test('no TTY: nothing per redraw; with --progress a line per phase start; --quiet: warnings only', () => {
    const plain = progress('plain', true);
    plain.events.phase('ping-latency', '100 conns: connecting', 100);
    plain.reporter.close();
    assert.deepEqual(plain.written, ['[1/2] ping-latency: 100 conns: connecting\n']);
    const quiet = progress('quiet', true);
    quiet.events.phase('ping-latency', '100 conns: connecting', 100);
    quiet.events.warn('w');
    quiet.reporter.close();
    assert.deepEqual(quiet.written, ['warning: w\n']);
  });

  test('the rate is the current phase\'s: a tier connecting after a sending phase shows conn/s, not the last msg/s', async () => {
    const { events, live, reporter } = progress('plain');
    events.phase('throughput', '100 conns: sending', 100);
    live.messages += 500_000;
    await pause(300);
    assert.match(reporter.statusLine()!, / · [\d.]+[KM]? msg\/s · /);
    events.phase('throughput', '1,000 conns: connecting', 1000);
    live.connects += 400;
    await pause(300);
    const line = reporter.statusLine()!;
    reporter.close();
    assert.match(line, /connecting · [\d,.]+K? conn\/s · 0 errors/);
    assert.doesNotMatch(line, /msg\/s/);
  });

  test('the time left is never less than what the current timed phase still has to run', () => {
    // the plan gives a 2 s tier a little over 2 s; a phase that says it has 90 s to go wins
    const written: string[] = [];
    const plan = new RunPlan(runOptions(['--test', 'throughput', '--tiers', '100', '--duration', '2', '--warmup', '0']));
    const reporter = new StderrProgress('plain', false, plan, new LiveCounters(), { write: (text) => void written.push(text), columns: 200 });
    const events = new RunEvents();
    events.subscribe(reporter);
    events.phase('throughput', '100 conns: sending', 100);
    events.tick(0, 90, 's');
    assert.match(reporter.statusLine()!, /~1m30s left$/);
    events.tick(89, 90, 's');
    assert.match(reporter.statusLine()!, /~[23]s left$/, 'then the plan\'s own estimate');
    reporter.close();
  });

  test('a timed phase past its length says it waits for its last PONGs', () => {
    const { events, reporter } = progress('plain');
    events.phase('throughput', '100 conns: sending', 100);
    events.tick(8, 5, 's');
    assert.match(reporter.statusLine()!, /sending 5\/5 s \+3 s for the last PONGs/);
    reporter.close();
  });
});

describe('run plan', () => {
  test('time left shrinks as tiers pass; the warm-up comes before the first test', () => {
    const plan = new RunPlan(runOptions(['--test', 'ping-latency,throughput', '--tiers', '100,1000', '--duration', '10']));
    assert.equal(plan.position('throughput'), '2/2');
    assert.equal(plan.position('connection-storm'), 'start');
    const atStart = plan.secondsLeft();
    assert.ok(atStart > 20, `two 10 s throughput tiers and more: ${atStart}`);
    plan.enter('throughput', 1000);
    assert.ok(plan.secondsLeft() < 15);
    assert.equal(formatEta(45), '45s');
    assert.equal(formatEta(130), '2m10s');
    assert.equal(formatEta(3900), '1h05m');
  });
});
