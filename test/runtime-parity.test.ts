// The bundle behaves the same under Node 20, Node 22 and Bun: quick throughput + ping-latency
// with --procs 2 under each binary, each producing JSON whose counts agree with the server's.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RUNTIME_NAMES } from '../bench/compare/runtime-table.mjs';
import { resolveRuntime } from '../bench/compare/runtimes.js';
import { validateRunResult } from '../bench/report/schema.js';
import type { RunResult } from '../bench/results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;

describe('runtime parity: --procs 2 throughput + ping-latency', () => {
  for (const name of RUNTIME_NAMES) {
    test(`under ${name}`, () => {
      const runtime = resolveRuntime(name, bundle);
      assert.ok(typeof runtime !== 'string', `${name} must be installed for this suite: ${String(runtime)}`);
      const r = spawnSync(
        runtime.binary,
        [bundle, '--test', 'throughput,ping-latency', '--tiers', '40', '--procs', '2', '--duration', '0.5', '--pings', '5', '--output', 'json'],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const run = JSON.parse(r.stdout) as RunResult;
      assert.deepEqual(validateRunResult(run), []);
      assert.equal(run.environment.runtime, name === 'bun' ? 'bun' : 'node');
      if (name === 'node22') assert.match(run.environment.runtimeVersion, /^22\./);
      assert.equal(run.procs, 2);
      assert.equal(run.partial, undefined);
      assert.deepEqual(run.tests.map((t) => t.test), ['throughput', 'ping-latency']);
      for (const t of run.tests) {
        const tier = t.tiers[0]!;
        assert.equal(tier.connectionCounts.established, 40, `${t.test} established`);
        assert.equal(tier.workers?.length, 2);
        assert.equal(tier.consistency?.ok, true, `${t.test}: ${tier.consistency?.message}`);
      }
      assert.ok((run.tests[0]!.tiers[0]!.messages?.delivered ?? 0) > 0);
      assert.equal(run.tests[1]!.tiers[0]!.latency?.count, 40 * 5);
    });
  }
});
