// What `merge` reads and which shards it joins: JSON results found in text with other output
// around them (kubectl logs), broken ones named by input and line; shards of one run only, each
// once, a missing one noted, and the skew between their clocks from their offsets to the target.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { extractDocuments } from '../bench/merge/documents.js';
import type { MergeInput } from '../bench/merge/input.js';
import { checkShards, describeSkew } from '../bench/merge/shards.js';
import type { RunResult } from '../bench/results.js';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '../bench/stats/histogram.js';
import { sampleRunResult } from './fixtures/run-result.js';

const START = 1_900_000_000_000;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** `wse-bench merge …args` with `stdin`: exit code, stdout, stderr. */
function merge(args: string[], stdin = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [`${root}dist/bench.js`, 'merge', ...args], { cwd: root, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What kubectl logs prints for one shard: its stderr (timetable, warnings) around its JSON. */
function podLog(run: RunResult): string {
  return `timetable from ${new Date(START).toISOString()}, shard ${run.options.shard?.index}/3 (computed from the options alone)\nwarning: a warning\n${JSON.stringify(run, null, 2)}\nwrote nothing else\n`;
}

/** The sample's latency summaries carry a placeholder encoding; merging decodes them, so give each a real one. */
function withRealHistograms(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if ('hdr' in value && 'p50' in value && typeof value.p50 === 'number') {
    const histogram = createLatencyHistogram();
    recordMicros(histogram, value.p50);
    Object.assign(value, { hdr: encodeHistogram(histogram) });
  }
  for (const child of Object.values(value)) withRealHistograms(child);
}

function shard(index: number, count = 3, change: (run: RunResult) => void = () => undefined): RunResult {
  const run = sampleRunResult();
  withRealHistograms(run);
  run.options = { ...run.options, shard: { index, count }, startAtEpochMs: START };
  run.clockOffset = { offsetMs: index * 1.5 - 1, uncertaintyMs: 0.5, samples: 8 };
  change(run);
  return run;
}

const inputs = (...runs: RunResult[]): MergeInput[] => runs.map((run, i) => ({ source: `s${i}.json`, run, contentHash: String(i) }));

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    assert.ok(error instanceof Error);
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.message;
  }
  assert.fail('accepted');
}

describe('merge\'s input: JSON results among other output', () => {
  test('pretty and compact results are found; timetable lines, warnings, JSON logs and stray braces are skipped', () => {
    const pretty = JSON.stringify(shard(0), null, 2);
    const compact = JSON.stringify(shard(1));
    const text = [
      'timetable from 2030-03-17T17:46:40.000Z, shard 0/3 (computed from the options alone: the same in every run given them)',
      '  throughput 30 conns (10 a process, 10 in this shard): connect +0.0 s, measure +3.0 s, close +6.0 s',
      pretty,
      '{"level":"info","msg":"a structured log line"}',
      '{ not json, with a "stray quote',
      'warning: something worth saying',
      `${compact}   `,
      '',
    ].join('\n');
    const found = extractDocuments(text, 'stdin');
    assert.deepEqual(found.documents.map((d) => d.line), [3, 3 + pretty.split('\n').length + 3]);
    assert.deepEqual(found.documents.map((d) => (d.value as RunResult).options.shard), [{ index: 0, count: 3 }, { index: 1, count: 3 }]);
    assert.equal(found.skippedLines, 5);
  });

  test('braces and quotes inside strings do not end a result', () => {
    const run = shard(2);
    run.tests[0]!.tiers[0]!.notes.push('a note with } and { and \\" inside');
    const found = extractDocuments(`noise\n${JSON.stringify(run, null, 2)}\n`, 'x.log');
    assert.equal(found.documents.length, 1);
    assert.deepEqual(found.documents[0]!.value, JSON.parse(JSON.stringify(run)));
  });

  test('a truncated result and a result with other lines inside it are errors naming the input and the line', () => {
    const pretty = JSON.stringify(shard(0), null, 2);
    assert.match(refusal(() => extractDocuments(`a\nb\n${pretty.slice(0, 400)}`, 'pod.log')), /^pod\.log ends inside the JSON result that starts on line 3 \(a truncated log\?\)$/);
    const lines = pretty.split('\n');
    lines.splice(5, 0, 'warning: a stderr line in the middle');
    assert.match(refusal(() => extractDocuments(lines.join('\n'), 'stdin')), /^stdin: the JSON result on line 1 does not parse \(.*other output inside it\?\)$/);
  });

  test('text without a result yields none (merge then says so)', () => {
    assert.deepEqual(extractDocuments('[pod/wse-bench-0] {\n[pod/wse-bench-0]   "schemaVersion": 1\n', 'stdin').documents, []);
  });
});

describe('merge\'s shards: one run\'s, each once', () => {
  test('whole runs are not shards; three shards of one run are, with their clock skew', () => {
    assert.equal(checkShards(inputs(sampleRunResult(), sampleRunResult())), undefined);
    const check = checkShards(inputs(shard(2), shard(0), shard(1)));
    assert.ok(check !== undefined);
    assert.equal(check.count, 3);
    assert.deepEqual(check.missing, []);
    assert.ok(check.skew !== undefined);
    assert.equal(check.skew.spreadMs, 3);
    assert.equal(check.skew.uncertaintyMs, 1);
    assert.equal(describeSkew(check.skew), 'shard clocks (offsets to the target): spread 3.0 ms ±1.0 (shard 0/3 −1.0 ms ±0.5, shard 1/3 +0.5 ms ±0.5, shard 2/3 +2.0 ms ±0.5)');
  });

  test('a missing shard is noted; without two offsets there is no skew', () => {
    const check = checkShards(inputs(shard(0), shard(2, 3, (run) => delete run.clockOffset)));
    assert.deepEqual(check?.missing, [1]);
    assert.equal(check?.skew, undefined);
  });

  test('output options may differ between shards; nothing else may', () => {
    const other = shard(1, 3, (run) => Object.assign(run.options, { output: 'text', outFile: 'x.json', progress: true }));
    assert.deepEqual(checkShards(inputs(shard(0), other))?.missing, [2]);
  });

  test('refusals name the inputs: a whole run, another count, a shard twice, another start, other options, a malformed shard', () => {
    assert.match(refusal(() => checkShards(inputs(shard(0), sampleRunResult()))), /^s1\.json is a whole run and s0\.json \(shard 0\/3\) a shard/);
    assert.match(refusal(() => checkShards(inputs(shard(0), shard(1, 4)))), /^s0\.json \(shard 0\/3\) and s1\.json \(shard 1\/4\) are shards of different runs \(3 and 4 shards\)$/);
    assert.match(refusal(() => checkShards(inputs(shard(0), shard(1), shard(1)))), /^shard 1\/3 is given twice: s1\.json and s2\.json$/);
    assert.match(
      refusal(() => checkShards(inputs(shard(0), shard(1, 3, (run) => (run.options.startAtEpochMs = START + 1000))))),
      /^s0\.json \(shard 0\/3\) and s1\.json \(shard 1\/3\) are shards of different runs: --start-at 2030-03-17T17:46:40\.000Z and 2030-03-17T17:46:41\.000Z$/,
    );
    assert.match(
      refusal(() => checkShards(inputs(shard(0), shard(1, 3, (run) => (run.options.durationSec = 7))))),
      /^s0\.json \(shard 0\/3\) and s1\.json \(shard 1\/3\) are shards of different runs: their options differ in durationSec \(5 and 7\)$/,
    );
    assert.match(
      refusal(() => checkShards(inputs(shard(0, 3, (run) => Object.assign(run.options, { shard: { index: 3, count: 3 } }))))),
      /^s0\.json: options\.shard is not a shard/,
    );
  });
});

describe('wse-bench merge - (standard input) and shards end to end', () => {
  test('three pods\' logs on stdin: merged as one run, the clocks\' spread noted, the skipped lines counted', () => {
    const r = merge(['-', '--output', 'json'], [0, 1, 2].map((i) => podLog(shard(i))).join(''));
    assert.equal(r.status, 0, r.stderr);
    const merged = JSON.parse(r.stdout) as RunResult;
    assert.equal(merged.options.shard, undefined, 'the merge is the whole run');
    assert.equal(merged.clockOffset, undefined);
    assert.equal(merged.options.startAtEpochMs, START);
    assert.deepEqual(merged.options.mergedFrom, ['stdin #1', 'stdin #2', 'stdin #3']);
    const tier = merged.tests[0]!.tiers[0]!;
    assert.equal(tier.connections, 3 * shard(0).tests[0]!.tiers[0]!.connections);
    assert.ok(tier.notes.some((n) => n.startsWith('shard clocks (offsets to the target): spread 3.0 ms ±1.0')));
    assert.match(r.stderr, /^merge: stdin: 9 lines of other output skipped$/m);
    assert.match(r.stderr, /^merge: shard clocks \(offsets to the target\): spread 3\.0 ms/m);
  });

  test('files and stdin together; a missing shard makes every tier partial; refusals are one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wse-bench-merge-'));
    try {
      writeFileSync(join(dir, 'a.json'), JSON.stringify(shard(0)));
      const r = merge([join(dir, 'a.json'), '-', '--output', 'json'], podLog(shard(2)));
      assert.equal(r.status, 0, r.stderr);
      const merged = JSON.parse(r.stdout) as RunResult;
      assert.match(merged.partial ?? '', /shard 1\/3 missing: the merge holds 2 of 3 shards' connections/);
      assert.ok(merged.tests.every((t) => t.tiers.every((tier) => /shard 1\/3 missing/.test(tier.partial ?? ''))));

      writeFileSync(join(dir, 'other.json'), JSON.stringify(shard(1, 3, (run) => (run.options.durationSec = 9))));
      const refused = merge([join(dir, 'a.json'), join(dir, 'other.json')]);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /^wse-bench: merge: a\.json \(shard 0\/3\) and other\.json \(shard 1\/3\) are shards of different runs: their options differ in durationSec \(5 and 9\)$/m);
      const twice = merge(['-', '-']);
      assert.equal(twice.status, 2);
      assert.match(twice.stderr, /can be given once/);
      const prefixed = merge(['-'], podLog(shard(0)).split('\n').map((l) => `[pod/wse-bench-0-abcde/wse-bench] ${l}`).join('\n'));
      assert.equal(prefixed.status, 2);
      assert.match(prefixed.stderr, /stdin holds no wse-bench JSON result \(kubectl logs --prefix puts text before every line: leave it out\)/);
      const one = merge(['-'], podLog(shard(0)));
      assert.equal(one.status, 2);
      assert.match(one.stderr, /at least two JSON results; stdin is the only one/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
