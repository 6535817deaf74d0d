// The command line: parsing, profile defaults, refusals (one line, exit 2), --help coverage.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunArgs, type ParsedCommand } from '../bench/options/resolve-run.js';
import { RUN_COMMAND } from '../bench/options/commands.js';
import { describeDefault, helpText } from '../bench/options/help.js';
import { flagOf } from '../bench/options/option.js';
import { preflightWarnings } from '../bench/preflight.js';
import { PROFILES } from '../bench/options/profiles.js';
import { TEST_NAMES } from '../bench/options/choices.js';
import type { BenchOptions } from '../bench/options/bench-options.js';
import { usageRefusal } from './fixtures/run-result.js';

const node20 = { hasGlobalWebSocket: false, runtimeLabel: 'Node 20.0.0' };
const node22 = { hasGlobalWebSocket: true, runtimeLabel: 'Node 22.0.0' };

function run(argv: string[], runtime = node22): BenchOptions {
  const parsed: ParsedCommand = parseRunArgs(argv, runtime);
  assert.equal(parsed.kind, 'run');
  return (parsed as Extract<ParsedCommand, { kind: 'run' }>).options;
}

function refusal(argv: string[], runtime = node22): string {
  return usageRefusal(argv, runtime);
}

describe('parseArgs defaults', () => {
  test('no flags: embedded server, all seven tests, default profile tiers per test', () => {
    const o = run([]);
    assert.equal(o.host, undefined);
    assert.equal(o.port, 5006);
    assert.deepEqual(o.tests, [...TEST_NAMES]);
    assert.equal(o.transport, 'core');
    assert.equal(o.batchSize, 500);
    assert.equal(o.pings, 50);
    assert.equal(o.output, 'text');
    assert.equal(o.authVia, 'cookie');
    assert.equal(o.secret, 'bench-secret-key-for-testing-only');
    assert.deepEqual(o.tiersByTest?.['connection-storm'], PROFILES.default.tiersByTest['connection-storm']);
    assert.deepEqual(o.tiersByTest?.throughput, PROFILES.default.tiersByTest.throughput);
    assert.equal(o.durationSec, PROFILES.default.durationSec);
    assert.equal(o.maxConnections, PROFILES.default.maxConnections);
  });

  test('--quick and --full pick their profiles', () => {
    const quick = run(['--quick']);
    assert.equal(quick.durationSec, PROFILES.quick.durationSec);
    assert.deepEqual(quick.tiersByTest?.['ping-latency'], PROFILES.quick.tiersByTest['ping-latency']);
    const full = run(['--full', '--test', 'connection-storm']);
    assert.deepEqual(full.tiersByTest?.['connection-storm'], [100, 500, 1000, 5000, 10000, 30000, 50000]);
    assert.equal(full.durationSec, 10);
    assert.equal(full.holdSec, 30);
  });

  test('explicit values win over the profile; both --flag v and --flag=v', () => {
    const o = run(['--quick', '--duration=3', '--tiers', '10,2k', '--test', 'throughput,ping-latency', '--host', '10.0.0.5', '--port', '7000']);
    assert.equal(o.durationSec, 3);
    assert.deepEqual(o.tiers, [10, 2000]);
    assert.deepEqual(o.tiersByTest, { throughput: [10, 2000], 'ping-latency': [10, 2000] });
    assert.deepEqual(o.tests, ['throughput', 'ping-latency']);
    assert.equal(o.host, '10.0.0.5');
    assert.equal(o.port, 7000);
  });

  test('lists, enums and switches', () => {
    const o = run(['--sizes', '64,1k', '--formats', 'json,zlib', '--output', 'json', '--out', 'r.json', '--progress', '--auth', 'bearer', '--server-mode', 'sink', '--server-workers', '2']);
    assert.deepEqual(o.sizes, [64, 1024]);
    assert.deepEqual(o.formats, ['json', 'zlib']);
    assert.equal(o.output, 'json');
    assert.equal(o.outFile, 'r.json');
    assert.equal(o.progress, true);
    assert.equal(o.authVia, 'bearer');
    assert.equal(o.serverMode, 'sink');
    assert.equal(o.serverWorkers, 2);
  });

  test('tiers above the default cap raise it; an explicit cap trims the profile tiers', () => {
    assert.equal(run(['--tiers', '20000', '--test', 'throughput']).maxConnections, 20000);
    const capped = run(['--max-connections', '700', '--test', 'connection-storm']);
    assert.deepEqual(capped.tiersByTest?.['connection-storm'], [100]);
  });

  test('--help and --version', () => {
    assert.equal(parseRunArgs(['--help'], node22).kind, 'help');
    assert.equal(parseRunArgs(['--version'], node22).kind, 'version');
  });
});

describe('parseArgs refusals', () => {
  const cases: [string[], RegExp, typeof node22?][] = [
    [['--bogus'], /unknown option --bogus/],
    [['extra'], /unexpected argument/],
    [['--port', 'abc'], /--port expects a whole number/],
    [['--port', '70000'], /--port must be between/],
    [['--port'], /--port needs a value/],
    [['--duration', '-1'], /--duration/],
    [['--tiers', '10,,20'], /--tiers/],
    [['--tiers', '10,x'], /--tiers/],
    [['--test', 'nope'], /--test: unknown "nope"/],
    [['--output', 'xml'], /--output must be one of/],
    [['--quick', '--full'], /exclude each other/],
    [['--tiers', '2000', '--max-connections', '1000'], /above --max-connections/],
    [['--transport', 'web'], /--transport web needs a global WebSocket.*Node 20/, node20],
    [['--host', '127.0.0.1', '--server-mode', 'sink'], /--server-mode .*--host/],
    [['--host', '127.0.0.1', '--rate-limit', 'wse'], /--rate-limit .*--host/],
    [['--progress=yes'], /takes no value/],
    [['--limit-start', '9000', '--max-connections', '1000'], /--limit-start/],
  ];
  for (const [argv, pattern, runtime] of cases) {
    test(`refuses ${argv.join(' ')}`, () => {
      assert.match(refusal(argv, runtime ?? node22), pattern);
    });
  }

  test('--transport web is accepted where a global WebSocket exists', () => {
    assert.equal(run(['--transport', 'web'], node22).transport, 'web');
  });
});

describe('--help', () => {
  test('documents every option of the run with its default', () => {
    const help = helpText(RUN_COMMAND);
    for (const spec of RUN_COMMAND.options) {
      assert.ok(help.includes(flagOf(spec)), `${flagOf(spec)} missing from --help`);
      if (describeDefault(spec) !== '') assert.ok(help.includes(`(default: ${describeDefault(spec)})`), `${flagOf(spec)} default missing`);
    }
    assert.match(help, /connection-storm 100,1000,5000/);
  });
});

describe('preflight', () => {
  const limits = { openFiles: 1024, somaxconn: 128, ephemeralPorts: 28232, portRange: [32768, 60999] as [number, number] };

  test('names each limit the tiers would hit and what to change', () => {
    const warnings = preflightWarnings(limits, { peakConnections: 50_000, batchSize: 500, embeddedServer: true });
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /ulimit -n is 1024 .* raise it \(ulimit -n 102400\)/);
    assert.match(warnings[1]!, /somaxconn is 128, below the batch size 500/);
    assert.match(warnings[2]!, /ip_local_port_range 32768-60999 gives 28232 ports/);
  });

  test('silent when the limits suffice; somaxconn only matters for the embedded server', () => {
    assert.deepEqual(preflightWarnings(limits, { peakConnections: 100, batchSize: 100, embeddedServer: true }), []);
    assert.deepEqual(preflightWarnings(limits, { peakConnections: 100, batchSize: 500, embeddedServer: false }), []);
  });
});

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;

function cli(args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
}

describe('dist/bench.js', () => {
  before(() => {
    // Build the bundle from the current sources, so the test checks this tree and not a stale dist/.
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
    assert.ok(existsSync(bundle));
  });

  test('--version prints the version', () => {
    const r = cli(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  test('--help lists every option and exits 0', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    for (const spec of RUN_COMMAND.options) assert.ok(r.stdout.includes(flagOf(spec)), flagOf(spec));
    // issue 12: the codes of a lost server and of SIGTERM, and how a user-given secret is shown
    assert.match(r.stdout, /\b4 +the server died or stopped accepting connections mid-run\b/);
    assert.match(r.stdout, /\b143 terminated \(SIGTERM\)/);
    assert.match(r.stdout, /--secret[^\n]*shown as \[redacted\]/);
  });

  for (const args of [['--bogus'], ['--tiers', 'abc'], ['--quick', '--full'], ['--host', 'x', '--server-workers', '2']]) {
    test(`refuses ${args.join(' ')} with one line and a hint, exit 2`, () => {
      const r = cli(args);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, /^wse-bench: /);
      assert.match(lines[1]!, /--help/);
      assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
    });
  }

  test('connection refused on --host is one clear line, exit 1', async () => {
    const { createServer } = await import('node:net');
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = cli(['--host', '127.0.0.1', '--port', String(port), '--test', 'throughput', '--tiers', '1']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), `wse-bench: cannot connect to 127.0.0.1:${port}: connection refused — is the server running? (omit --host to use the embedded server)`);
  });

  test('a host name that does not resolve: one line naming it, with a hint that is not "is the server running?"', () => {
    const r = cli(['--host', 'no-such-host.invalid', '--test', 'throughput', '--tiers', '1', '--connect-timeout', '5000']);
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), /^wse-bench: cannot connect to no-such-host\.invalid:5006: .*(host not found|could not be resolved).* — check the host name given to --host/);
    assert.doesNotMatch(r.stderr, /is the server running/);
  });

  test('--out in a directory that does not exist, or --svg under a file: a usage error before the run starts (issue 12)', () => {
    const missing = cli(['--test', 'connection-storm', '--tiers', '1', '--output', 'json', '--out', '/nonexistent-wse-bench-dir/run.json']);
    assert.equal(missing.status, 2, missing.stderr);
    assert.equal(missing.stdout, '');
    const lines = missing.stderr.trim().split('\n');
    assert.equal(lines.length, 2, missing.stderr);
    assert.equal(lines[0], 'wse-bench: --out /nonexistent-wse-bench-dir/run.json: the directory /nonexistent-wse-bench-dir does not exist; create it first');
    assert.match(lines[1]!, /--help/);
    const underFile = cli(['--test', 'connection-storm', '--tiers', '1', '--svg', `${bundle}/charts`]);
    assert.equal(underFile.status, 2, underFile.stderr);
    assert.match(underFile.stderr, /^wse-bench: --svg .*: .*bench\.js is not a directory\n/);
    const directory = cli(['--test', 'connection-storm', '--tiers', '1', '--out', root]);
    assert.equal(directory.status, 2, directory.stderr);
    assert.match(directory.stderr, /is a directory; give a file name/);
    // access(2) tells root that /proc and /sys are writable; only a real write finds out they are not
    const outInProc = cli(['--test', 'connection-storm', '--tiers', '1', '--out', '/proc/wse-bench-run.json']);
    assert.equal(outInProc.status, 2, outInProc.stderr);
    assert.equal(outInProc.stdout, '');
    assert.match(outInProc.stderr, /^wse-bench: --out \/proc\/wse-bench-run\.json: no file can be created in \/proc \(E[A-Z]+\)\n/);
    const svgInProc = cli(['--test', 'connection-storm', '--tiers', '1', '--svg', '/proc/wse-bench-charts']);
    assert.equal(svgInProc.status, 2, svgInProc.stderr);
    assert.match(svgInProc.stderr, /^wse-bench: --svg \/proc\/wse-bench-charts: nothing can be created in the directory \/proc /);
  });

  test('SIGINT mid-tier: the tier ends partial, what finished is printed, exit 130', async () => {
    const child = spawn(process.execPath, [bundle, '--quick', '--test', 'sustained-hold', '--tiers', '20', '--hold', '30', '--progress'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once the hold is under way (its phase line is on stderr), well before its 30 s end.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sustained-hold phase within 30 s: ${stderr}`)), 30_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (/sustained-hold: .*hold/i.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - interruptedAt < 20_000, 'stops well before the hold would have ended');
    assert.match(stdout, /Sustained hold/);
    assert.match(stdout, /PARTIAL/);
    assert.doesNotMatch(stderr, /unhandled rejection/);
  });
});
