// One shard run end to end (dist/bench.js --shard 1/2 --start-at …): it opens its share of the
// tier, records the options as given, its shard and its clock offset to the target, keeps the
// secret out of its JSON, and and it carries its share of --total-rate (the whole tier's rate), not all of it.
import { REDACTED } from '../bench/options/secret.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRunResult } from '../bench/report/schema.js';
import type { RunResult } from '../bench/results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;

describe('dist/bench.js --shard 1/2 against its embedded server', () => {
  test('its share, the options as given, its clock offset, no secret in the JSON, its share of --total-rate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wse-bench-shard-'));
    try {
      const secret = 'shard-test-secret-0123456789';
      writeFileSync(join(dir, 'secret'), `${secret}\n`);
      const startAt = Date.now() + 3_000;
      const r = spawnSync(process.execPath, [
        bundle, '--shard', '1/2', '--start-at', String(startAt), '--test', 'throughput', '--tiers', '21', '--total-rate', '420',
        '--duration', '1', '--connect-timeout', '2000', '--warmup', '0', '--secret-file', join(dir, 'secret'), '--output', 'json',
      ], { cwd: root, encoding: 'utf8', timeout: 90_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^timetable from .*, shard 1\/2/m, 'the timetable is shown up front');
      assert.ok(!r.stdout.includes(secret), 'the secret is not in the JSON');
      const run = JSON.parse(r.stdout) as RunResult;
      assert.deepEqual(validateRunResult(run), []);
      assert.deepEqual(run.options.shard, { index: 1, count: 2 });
      assert.deepEqual(run.options.tiers, [21], 'the options as given');
      assert.equal(run.options.startAtEpochMs, startAt);
      assert.equal(run.options.secret, REDACTED);
      const tier = run.tests[0]!.tiers[0]!;
      assert.equal(tier.connections, 10, 'share 1 of 2 of 21 connections');
      assert.equal(tier.connectionCounts.established, 10);
      // --total-rate is the whole tier's: each of the 2 shards carries half of it over its connections.
      assert.equal(Number(tier.params['ratePerConnection']) * 10, 420 / 2, 'this shard\'s connections carry half the total rate');
      assert.equal(tier.partial, undefined, `on time: ${tier.partial}`);
      assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
      assert.ok(tier.startedAtEpochMs >= startAt, 'nothing measured before the timetable began');
      const offset = run.clockOffset;
      assert.ok(offset !== undefined, 'the clock offset to the target was measured');
      assert.equal(offset.samples, 8);
      // The embedded server runs on this machine's clock: the offset is zero within its bound.
      assert.ok(Math.abs(offset.offsetMs) <= offset.uncertaintyMs + 1, `offset ${offset.offsetMs} ± ${offset.uncertaintyMs}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
