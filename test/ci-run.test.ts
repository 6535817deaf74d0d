// dist/bench.js as a CI job runs it: thresholds and their exit codes (99, --fail-fast, 98 for an
// incomplete run), --message traffic counted exactly by the embedded server, a secret from the
// environment found in no output and on no command line, progress lines and --live lines without
// a TTY, each test's tables printed as it finishes, and the published schema file kept current.
import { REDACTED } from '../bench/options/secret.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema } from '../bench/report/schema.js';
import type { RunResult } from '../bench/results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../bench/server/embedded.js';
import { msgpackCodec } from '../bench/msgpack-codec.js';
import { descendantsOf } from './fixtures/processes.js';
import { embeddedServerOptions } from './fixtures/serve-bundle.js';
import { AUTH } from './server-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bench.js');
/** Small and short: a run of these takes a few seconds on a loaded machine. */
const SMALL = ['--tiers', '20', '--duration', '1', '--warmup', '0'];

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms after the start when stdout first held `marker` (see startRun). */
  markedAtMs: number | undefined;
  exitedAtMs: number;
}

interface Running {
  pid: number;
  stderr(): string;
  finished: Promise<Finished>;
}

/** Starts the bundle with `env` added (no TTY: its stdio are pipes). */
function startRun(args: string[], env: Record<string, string> = {}, marker?: string): Running {
  const started = Date.now();
  const child = spawn(process.execPath, [bundle, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markedAtMs: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (marker !== undefined && markedAtMs === undefined && stdout.includes(marker)) markedAtMs = Date.now() - started;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr, markedAtMs, exitedAtMs: Date.now() - started }));
  });
  return { pid: child.pid ?? -1, stderr: () => stderr, finished };
}

function run(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return startRun(args, env).finished;
}

let dir = '';

before(() => {
  const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'wse-ci-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function readRun(path: string): RunResult {
  return JSON.parse(readFileSync(path, 'utf8')) as RunResult;
}

describe('thresholds decide the exit code', () => {
  test('a failed threshold: exit 99, PASS/FAIL with the measured values in the summary and in JSON', async () => {
    const out = join(dir, 'fail.json');
    const html = join(dir, 'fail.html');
    const r = await run(['--test', 'throughput', ...SMALL, '--threshold', 'throughput.delivered_per_sec>=1e12', '--threshold', 'errors==0', '--output', 'json', '--out', out, '--html', html]);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stdout, /^ {4}FAIL {2}throughput\.delivered_per_sec>=1e12 {2}[\d.]+[KM]?\/s \(throughput 20\)$/m);
    assert.match(r.stdout, /^ {4}PASS {2}errors==0 +0$/m);
    assert.match(r.stdout, /^ {2}exit 99: 1 of 2 thresholds failed$/m);
    const thresholds = readRun(out).thresholds!;
    assert.deepEqual(thresholds.map((t) => [t.threshold, t.passed]), [['throughput.delivered_per_sec>=1e12', false], ['errors==0', true]]);
    assert.ok(typeof thresholds[0]!.value === 'number' && thresholds[0]!.value > 0);
    // --html beside the JSON: the same run's page, with the verdicts
    assert.match(readFileSync(html, 'utf8'), /<h3>Thresholds<\/h3>.*<td>throughput\.delivered_per_sec&gt;=1e12<\/td><td>FAIL<\/td>/s);
    assert.match(r.stdout, /reports +.*fail\.json \(json\) · .*fail\.html \(html\)/);
  });

  test('every threshold passed: exit 0', async () => {
    const r = await run(['--test', 'ping-latency', '--tiers', '10', '--pings', '5', '--warmup', '0', '--threshold', 'ping-latency.p99<60s', '--threshold', 'errors==0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /exit 0: complete, all 2 thresholds passed/);
  });

  test('a misspelt metric is a usage error before anything runs', async () => {
    const r = await run(['--threshold', 'ping-latency.p999<5ms', '--threshold', 'throughput.delivred_per_sec>1']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^wse-bench: --threshold "throughput\.delivred_per_sec>1": unknown metric "delivred_per_sec" \(did you mean delivered_per_sec\?\)/);
  });

  test('--fail-fast stops after the test that failed it, reports what ran, exit 99', async () => {
    const out = join(dir, 'fast.json');
    const r = await run(['--test', 'throughput,sustained-hold', ...SMALL, '--hold', '30', '--threshold', 'throughput.delivered_per_sec>=1e12', '--fail-fast', '--output', 'json', '--out', out]);
    assert.equal(r.code, 99, r.stderr);
    const result = readRun(out);
    assert.deepEqual(result.tests.map((t) => t.test), ['throughput'], 'the 30 s hold never started');
    assert.match(result.partial ?? '', /--fail-fast: threshold throughput\.delivered_per_sec>=1e12 failed/);
    assert.match(r.stderr, /warning: --fail-fast: threshold/);
    assert.ok(r.exitedAtMs < 25_000, `stopped early (${r.exitedAtMs} ms)`);
  });
});

describe('exit 98: results incomplete', () => {
  let server: EmbeddedServer | undefined;
  before(async () => {
    server = await startEmbeddedServer(embeddedServerOptions({ maxConnections: 30 }));
  });
  after(async () => server?.stop());

  test('connections refused by a full server: exit 98 with the reason, even without thresholds', async () => {
    // the target as a URL, the secret from the environment
    const r = await run([`ws://127.0.0.1:${server!.port}/wse`, '--test', 'connection-storm', '--tiers', '40', '--warmup', '0', '--issuer', AUTH.issuer, '--audience', AUTH.audience], { WSE_BENCH_SECRET: AUTH.secret });
    assert.equal(r.code, 98, r.stderr);
    assert.match(r.stdout, /exit 98: results incomplete: 1 PARTIAL tier \(connection-storm 40: not every connection could be opened\); connections failed in 1 tier \(connection-storm 40: 10 of 40\)/);
  });
});

describe('--message traffic, counted exactly by the embedded server', () => {
  const templates = [
    { t: 'order', p: { id: 'o-{{conn}}-{{seq}}', seq: '{{seq}}', ts: '{{ts}}', side: '{{pick:buy|sell}}', qty: '{{int:1:100}}', px: '{{float:5200:5300}}' } },
    { t: 'cancel', p: { id: 'o-{{conn}}-{{seq}}', at: '{{iso}}', who: '{{uuid}}' } },
  ];

  for (const [name, content, frame] of [
    ['orders.json', JSON.stringify(templates), 'text'],
    ['orders-binary.json', JSON.stringify(templates), 'binary'],
    ['orders.msgpack', msgpackCodec.encode(templates), 'binary'],
  ] as const) {
    test(`${name} (${frame} frames): every delivered message read and parsed by the server, none bad`, async () => {
      const file = join(dir, name);
      writeFileSync(file, content);
      const out = join(dir, `${name}.result.json`);
      const frameArgs = name === 'orders-binary.json' ? ['--frame', 'binary'] : [];
      const r = await run(['--test', 'throughput', ...SMALL, '--message', file, ...frameArgs, '--output', 'json', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const tier = readRun(out).tests[0]!.tiers[0]!;
      const delivered = tier.messages!.delivered;
      assert.ok(delivered > 1000, `${delivered} delivered`);
      assert.deepEqual(tier.consistency && [tier.consistency.ok, tier.consistency.serverReceived], [true, delivered], tier.consistency?.message);
      const counts = tier.server!.counters;
      assert.equal(counts.messages.bad, 0);
      const parsed = name.endsWith('.msgpack') ? counts.messages.msgpack : counts.messages.json - counts.pings - counts.heartbeatReplies;
      assert.equal(parsed, delivered, 'parsed as the kind it was sent as');
      assert.equal(frame === 'binary' ? counts.messages.binary : counts.messages.text - counts.pings - counts.heartbeatReplies, delivered);
    });
  }
});

describe('a secret from the environment is never printed, nor on any command line', () => {
  const SECRET = 'w5e-bench-s3cret-4f1c9e';

  test('text, JSON, markdown, HTML, SVG index, --live, --print-config, progress, summary; the server gets it in its environment', async () => {
    const outputs = join(dir, 'secret');
    const env = { WSE_BENCH_SECRET: SECRET };
    const common = ['--test', 'throughput', '--tiers', '10', '--duration', '3', '--warmup', '0', '--progress', '--header', 'X-Probe: 1'];
    const running = startRun([...common, '--output', 'markdown', '--out', `${outputs}.md`, '--svg', `${outputs}-svg`, '--live', `${outputs}.live`], env);
    // while it sends, no process of the run has the secret on its command line
    const deadline = Date.now() + 60_000;
    while (!/throughput: .*sending/.test(running.stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const tree = [running.pid, ...descendantsOf(running.pid)];
    assert.ok(tree.length >= 2, 'the run and its embedded server');
    for (const pid of tree) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // it ended meanwhile
      }
      assert.ok(!cmdline.includes(SECRET), `pid ${pid}: ${cmdline.replace(/\0/g, ' ')}`);
    }
    const texts = [await running.finished];
    assert.equal(texts[0]!.code, 0, texts[0]!.stderr);
    texts.push(await run([...common, '--output', 'json', '--out', `${outputs}.json`], env));
    texts.push(await run([...common, '--output', 'html', '--out', `${outputs}.html`], env));
    texts.push(await run(['--print-config'], env));
    const files = [`${outputs}.md`, `${outputs}.json`, `${outputs}.html`, `${outputs}.live`, ...readdirSync(`${outputs}-svg`).map((f) => join(`${outputs}-svg`, f))];
    for (const [i, r] of texts.entries()) {
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `run ${i} printed it`);
    }
    for (const file of files) assert.ok(!readFileSync(file, 'utf8').includes(SECRET), file);
    assert.equal(readRun(`${outputs}.json`).options.secret, REDACTED);
    assert.match(texts[3]!.stdout, /^--secret +\[redacted\] +environment WSE_BENCH_SECRET$/m);
  });
});

describe('while it runs, without a TTY', () => {
  test('a plain progress line every few seconds, --live JSON lines, each test\'s tables as soon as it finishes', async () => {
    const live = join(dir, 'run.live');
    const running = startRun(['--test', 'throughput,sustained-hold', '--tiers', '20', '--duration', '7', '--hold', '4', '--warmup', '0', '--live', live], {}, 'Throughput (delivered');
    const r = await running.finished;
    assert.equal(r.code, 0, r.stderr);
    // [position] test: phase with its progress · rate · errors · time left
    assert.match(r.stderr, /^\[1\/2\] throughput: 20 conns: sending \d\/7 s · [\d.]+[KM]? msg\/s · 0 errors · ~\d+s left$/m);
    assert.ok(r.markedAtMs !== undefined && r.markedAtMs < r.exitedAtMs - 2_000, `throughput's tables at ${r.markedAtMs} ms, the run ended at ${r.exitedAtMs} ms`);
    const lines = readFileSync(live, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(lines.length >= 8, `${lines.length} lines`);
    for (const line of lines) {
      for (const key of ['time', 'elapsedSec', 'test', 'tier', 'phase', 'messagesPerSec', 'connectsPerSec', 'pongsPerSec', 'errors', 'errorsTotal', 'latencyMicros']) assert.ok(key in line, key);
    }
    const sending = lines.filter((l) => l['test'] === 'throughput' && l['tier'] === 20 && (l['messagesPerSec'] as number) > 0);
    assert.ok(sending.length >= 3, 'a line a second while sending');
    const holding = lines.filter((l) => l['test'] === 'sustained-hold' && l['latencyMicros'] !== null);
    assert.ok(holding.length >= 1, 'the hold\'s pings have round trips');
    assert.match(r.stdout, /^Summary \(\d+s\)\n {2}throughput {9}20 conns .* msg\/s\n {2}sustained-hold {5}20 conns 100% held, p99 .*\n {2}exit 0: complete$/m);
  });
});

test('schema/run-result.schema.json is the schema the code validates against (node dist/bench.js --print-schema > schema/run-result.schema.json)', () => {
  const published = readFileSync(join(root, 'schema/run-result.schema.json'), 'utf8');
  assert.equal(published, renderJsonSchema());
  const printed = spawnSync(process.execPath, [bundle, '--print-schema'], { cwd: root, encoding: 'utf8' });
  assert.equal(printed.status, 0, printed.stderr);
  assert.equal(printed.stdout, published, '--print-schema prints the published file');
});
