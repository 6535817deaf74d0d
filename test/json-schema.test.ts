// `--output json` against its schema: the validator itself, a constructed RunResult, and the real
// output of a tiny run of dist/bench.js against the embedded server.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN_RESULT_SCHEMA, validateRunResult } from '../bench/report/schema.js';
import { renderJson } from '../bench/report/index.js';
import { sampleRunResult } from './fixtures/run-result.js';

describe('schema validator', () => {
  test('accepts the constructed RunResult after a JSON round trip', () => {
    const errors = validateRunResult(JSON.parse(renderJson(sampleRunResult())));
    assert.deepEqual(errors, []);
  });

  test('reports missing fields, wrong types, bad enums, unknown properties, negative rates', () => {
    const run = JSON.parse(renderJson(sampleRunResult())) as Record<string, unknown> & { tests: { tiers: Record<string, unknown>[] }[] };
    delete run['startedAt'];
    run['transport'] = 'carrier-pigeon';
    run['schemaVersion'] = 3;
    run['surprise'] = true;
    const firstTier = run.tests[0]!.tiers[0]!;
    firstTier['connections'] = 'many';
    firstTier['connectRatePerSec'] = -5;
    const errors = validateRunResult(run);
    assert.ok(errors.includes('$: missing required "startedAt"'), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith('$.transport: "carrier-pigeon" is not one of')));
    assert.ok(errors.some((e) => e.startsWith('$.schemaVersion: 3 is not one of 1, 2')), errors.join('\n'));
    assert.ok(errors.includes('$: unexpected property "surprise"'));
    assert.ok(errors.includes('$.tests[0].tiers[0].connections: expected integer, got string'));
    assert.ok(errors.includes('$.tests[0].tiers[0].connectRatePerSec: -5 < minimum 0'), errors.join('\n'));
  });

  test('a tier without the measurement its test makes is refused (issue 12)', () => {
    const run = JSON.parse(renderJson(sampleRunResult())) as { tests: { test: string; tiers: Record<string, unknown>[] }[] };
    delete run.tests.find((t) => t.test === 'throughput')!.tiers[0]!['messages'];
    delete run.tests.find((t) => t.test === 'ping-latency')!.tiers[0]!['latency'];
    const errors = validateRunResult(run);
    assert.ok(errors.includes('$.tests[2].tiers[0]: missing required "messages"'), errors.join('\n'));
    assert.ok(errors.includes('$.tests[1].tiers[0]: missing required "latency"'), errors.join('\n'));
  });

  test('nothing measured is null, never 0: empty latencies and rates validate as null (issue 12)', () => {
    const run = JSON.parse(renderJson(sampleRunResult())) as { tests: { test: string; tiers: Record<string, unknown>[] }[] };
    run.tests.find((t) => t.test === 'ping-latency')!.tiers[0]!['latency'] = null;
    const messages = run.tests.find((t) => t.test === 'throughput')!.tiers[0]!['messages'] as Record<string, unknown>;
    Object.assign(messages, { delivered: 0, deliveredPerSec: null, deliveredMBPerSec: null, perConnectionPerSec: null });
    assert.deepEqual(validateRunResult(run), []);
  });

  test('the schema is itself plain JSON with a $schema and $defs', () => {
    const copy = JSON.parse(JSON.stringify(RUN_RESULT_SCHEMA)) as Record<string, unknown>;
    assert.equal(copy['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(typeof copy['$defs'] === 'object');
  });
});

describe('real --output json', () => {
  test('a tiny run against the embedded server validates', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const r = spawnSync(
      process.execPath,
      [`${root}dist/bench.js`, '--quick', '--test', 'connection-storm,throughput,ping-latency', '--tiers', '5', '--duration', '0.5', '--pings', '5', '--output', 'json'],
      { cwd: root, encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { tests: unknown[] };
    assert.deepEqual(validateRunResult(run), []);
    assert.equal(run.tests.length, 3);
  });
});
