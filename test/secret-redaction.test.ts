// The JWT secret is a credential (issue 12): a secret the user gives never appears in any output of
// a run (JSON, markdown, HTML, text, progress, errors) nor in compare's record of its runs' flags.
// The public default stays visible, so a result still says which secret signed it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_SECRET } from '../bench/options/declarations.js';
import { REDACTED, redactSecretFlag, redactSecretIn, withSecretRedacted } from '../bench/options/secret.js';
import type { CompareResult } from '../bench/compare/result.js';
import type { RunResult } from '../bench/results.js';

const USER_SECRET = 'user-given-secret-7f3a9c';

describe('redaction rules', () => {
  test('a user secret is replaced everywhere; the public default is kept', () => {
    assert.equal(withSecretRedacted({ secret: USER_SECRET, issuer: 'x' }).secret, REDACTED);
    assert.equal(withSecretRedacted({ secret: PUBLIC_SECRET }).secret, PUBLIC_SECRET);
    assert.deepEqual(redactSecretFlag(['--tiers', '5', '--secret', USER_SECRET, `--secret=${USER_SECRET}`]), ['--tiers', '5', '--secret', REDACTED, `--secret=${REDACTED}`]);
    assert.deepEqual(redactSecretFlag(['--secret', PUBLIC_SECRET]), ['--secret', PUBLIC_SECRET]);
    assert.equal(redactSecretIn(`token signed with ${USER_SECRET}, again ${USER_SECRET}`, USER_SECRET), `token signed with ${REDACTED}, again ${REDACTED}`);
  });
});

describe('dist/bench.js with --secret', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bundle = join(root, 'dist/bench.js');
  let dir = '';
  before(() => {
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'wse-secret-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function bench(args: string[]): { status: number | null; output: string } {
    const r = spawnSync(process.execPath, [bundle, '--secret', USER_SECRET, ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.status, 0, r.stderr);
    return { status: r.status, output: r.stdout + r.stderr };
  }

  test('no output format, progress line or written file holds it', () => {
    const run = ['--test', 'throughput', '--tiers', '3', '--duration', '0.3', '--warmup', '0', '--progress'];
    const outputs = [
      bench([...run, '--output', 'json', '--out', join(dir, 'run.json'), '--svg', join(dir, 'charts')]).output,
      bench([...run, '--output', 'markdown', '--out', join(dir, 'run.md')]).output,
      bench([...run, '--output', 'html', '--out', join(dir, 'run.html')]).output,
      bench([...run, '--output', 'json']).output,
    ];
    const files = ['run.json', 'run.md', 'run.html', ...readdirSync(join(dir, 'charts')).map((f) => join('charts', f))];
    for (const file of files) outputs.push(readFileSync(join(dir, file), 'utf8'));
    for (const text of outputs) assert.ok(!text.includes(USER_SECRET), `the secret leaked: ${text.slice(0, 400)}`);
    const result = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunResult;
    assert.equal(result.options.secret, REDACTED);
    assert.ok((result.tests[0]!.tiers[0]!.messages?.delivered ?? 0) > 0, 'the run authenticated with the secret');
  });

  test('compare hands its runs the secret in their environment: no output and no recorded flag holds it', () => {
    const runtime = process.versions['bun'] !== undefined ? 'bun' : 'node';
    const r = spawnSync(
      process.execPath,
      [bundle, 'compare', '--transports', 'core', '--runtimes', runtime, '--repeat', '1', '--test', 'connection-storm', '--tiers', '2', '--warmup', '0', '--secret', USER_SECRET, '--output', 'json'],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(USER_SECRET), 'the secret leaked from compare');
    const compared = JSON.parse(r.stdout) as CompareResult;
    assert.ok(!compared.childArgs.includes('--secret'), `--secret is not among the runs' flags: ${compared.childArgs.join(' ')}`);
    assert.ok(compared.runs.every((run) => (run.result?.tests[0]?.tiers[0]?.connectionCounts.established ?? 0) > 0), 'the runs authenticated with the secret');
  });
});
