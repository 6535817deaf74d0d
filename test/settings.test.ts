// Where a run's settings come from: defaults < --config file < environment < command line, each
// value's source shown by --print-config (the secret never), and the CLI conventions people type
// without thinking: a target URL as the first argument, durations with units, -h, did-you-mean.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN_COMMAND } from '../bench/options/commands.js';
import { helpText } from '../bench/options/help.js';
import { parseLayered, type SettingsEnvironment } from '../bench/options/layers.js';
import { renderSettings } from '../bench/options/print-config.js';
import { parseRunArgs, type ParsedCommand } from '../bench/options/resolve-run.js';
import { UsageError } from '../bench/options/usage-error.js';
import { parseServeArgs, serveArgv } from '../bench/server/serve-options.js';
import { parseCompareArgs } from '../bench/compare/command.js';

const node22 = { hasGlobalWebSocket: true, runtimeLabel: 'Node 22.0.0' };

function environment(variables: Record<string, string> = {}, files: Record<string, string> = {}): SettingsEnvironment {
  return {
    variables,
    readFile(path) {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
}

function parsed(argv: string[], env = environment()): Extract<ParsedCommand, { kind: 'run' }> {
  const result = parseRunArgs(argv, node22, env);
  assert.equal(result.kind, 'run');
  return result as Extract<ParsedCommand, { kind: 'run' }>;
}

function refusal(argv: string[], env = environment()): string {
  try {
    parseRunArgs(argv, node22, env);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(!error.message.includes('\n'), error.message);
    return error.message;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

const CONFIG = JSON.stringify({ tiers: '100,1k', duration: '30s', 'connect-timeout': 5000, test: ['throughput', 'ping-latency'], port: 7000, threshold: ['errors==0'] });

describe('layers: defaults < config file < environment < command line', () => {
  test('each layer overrides the one below it, option by option', () => {
    const env = environment({ WSE_BENCH_CONFIG: 'run.json', WSE_BENCH_DURATION: '2m', WSE_BENCH_PORT: '7100' }, { 'run.json': CONFIG });
    const { options } = parsed(['--port', '7200'], env);
    assert.deepEqual(options.tiers, [100, 1000], 'from the file');
    assert.deepEqual(options.tests, ['throughput', 'ping-latency'], 'a JSON list');
    assert.equal(options.connectTimeoutMs, 5000, 'a JSON number');
    assert.deepEqual(options.thresholds, ['errors==0']);
    assert.equal(options.durationSec, 120, 'the environment over the file');
    assert.equal(options.port, 7200, 'the command line over both');
    assert.equal(options.batchSize, 500, 'the default where no layer says');
  });

  test('--config on the command line; a later layer replaces a repeatable list, it does not add to it', () => {
    const env = environment({ WSE_BENCH_THRESHOLD: 'errors==0\nping-latency.p99<=20ms' }, { 'a.json': CONFIG });
    assert.deepEqual(parsed(['--config', 'a.json'], env).options.thresholds, ['errors==0', 'ping-latency.p99<=20ms'], 'one per line');
    assert.deepEqual(parsed(['--config', 'a.json', '--threshold', 'errors<=5'], env).options.thresholds, ['errors<=5']);
  });

  test('switches from the environment take true/false, 1/0, yes/no', () => {
    assert.equal(parsed([], environment({ WSE_BENCH_PER_WORKER: '0' })).options.perWorker, false);
    assert.equal(parsed(['--procs', '2'], environment({ WSE_BENCH_PER_WORKER: 'yes' })).options.perWorker, true);
    assert.match(refusal([], environment({ WSE_BENCH_TLS: 'maybe' })), /WSE_BENCH_TLS is a switch: expects true or false/);
  });

  test('a config mistake is one line naming the file and the key', () => {
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '{"tires": "100"}' })), /--config x\.json: unknown key "tires" \(did you mean tiers\?\)/);
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '{"port": true}' })), /--config x\.json: "port": expected integer, got boolean/);
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '{"port": "http"}' })), /"port" expects a whole number/);
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '[1]' })), /expects a JSON object/);
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '{' })), /not valid JSON/);
    assert.match(refusal(['--config', 'missing.json']), /--config missing\.json: no such file/);
    assert.match(refusal(['--config', 'x.json'], environment({}, { 'x.json': '{"help": true}' })), /unknown key "help"/, 'actions are command-line only');
  });

  test('--print-config names every setting\'s source; the secret is never shown', () => {
    const env = environment({ WSE_BENCH_SECRET: 'hunter2-from-env', WSE_BENCH_CONFIG: 'run.json' }, { 'run.json': CONFIG });
    const result = parseRunArgs(['--print-config', '--quick', '--header', 'X-Api-Key: k3y-v4lue'], node22, env);
    assert.equal(result.kind, 'print-config');
    if (result.kind !== 'print-config') return;
    const text = renderSettings(RUN_COMMAND.options, result.values, result.sources, result.profile);
    const line = (flag: string) => text.split('\n').find((l) => l.startsWith(`${flag} `)) ?? '';
    assert.match(line('--secret'), /\[redacted\]\s+environment WSE_BENCH_SECRET$/);
    assert.match(line('--tiers'), /100,1000\s+config run\.json$/);
    assert.match(line('--quick'), /true\s+command line$/);
    assert.match(line('--hold'), /4\s+profile quick$/);
    assert.match(line('--batch-size'), /500\s+default$/);
    assert.match(line('--header'), /X-Api-Key: \[redacted\]/);
    assert.ok(!text.includes('hunter2'), 'the secret');
    assert.ok(!text.includes('k3y-v4lue'), 'a header value');
  });

  test('a --secret flag is warned about; the same secret from the environment is not', () => {
    assert.match(parsed(['--secret', 'x']).notices.join('\n'), /visible to every user of this machine \(ps\); set WSE_BENCH_SECRET instead/);
    assert.deepEqual(parsed([], environment({ WSE_BENCH_SECRET: 'x' })).notices, []);
  });
});

describe('secret handed to children in the environment, never in argv', () => {
  test('serve children get no --secret flag; serve reads WSE_BENCH_SECRET', () => {
    const argv = serveArgv({ host: '127.0.0.1', port: 0, secret: 'child-secret', issuer: 'i', audience: 'a' });
    assert.ok(!argv.includes('--secret') && !argv.includes('child-secret'), argv.join(' '));
    assert.equal(parseServeArgs([], environment({ WSE_BENCH_SECRET: 'from-env' })).secret, 'from-env');
    assert.equal(parseServeArgs(['--secret', 'flag'], environment({ WSE_BENCH_SECRET: 'from-env' })).secret, 'flag');
    // serve reads nothing else from the environment
    assert.equal(parseServeArgs([], environment({ WSE_BENCH_PORT: '1234' })).port, 5006);
  });

  test('compare passes every run option as flags but the secret', () => {
    const args = parseCompareArgs(['--secret', 'compare-secret', '--test', 'throughput', '--tiers', '10', '--header', 'X-A: 1', '--header', 'X-B: 2'], environment());
    assert.notEqual(args, 'help');
    if (args === 'help') return;
    assert.ok(!args.childArgs.some((a) => a.includes('compare-secret') || a === '--secret'), args.childArgs.join(' '));
    assert.equal(args.run.secret, 'compare-secret', 'handed to each run through WSE_BENCH_SECRET');
    const at = args.childArgs.indexOf('--header');
    assert.deepEqual(args.childArgs.slice(at, at + 4), ['--header', 'X-A: 1', '--header', 'X-B: 2'], 'a repeatable option: one flag per value');
  });
});

describe('CLI conventions', () => {
  test('the target as a URL, first argument or --url', () => {
    const o = parsed(['wss://bench.example:8443/ws?x=1', '--test', 'throughput']).options;
    assert.equal(o.host, 'bench.example');
    assert.equal(o.port, 8443);
    assert.equal(o.path, '/ws?x=1');
    assert.equal(o.tls, true);
    const plain = parsed(['--url', 'ws://10.0.0.5']).options;
    assert.deepEqual([plain.host, plain.port, plain.path, plain.tls], ['10.0.0.5', 80, '/wse?compression=false&protocol_version=1', undefined]);
    assert.match(refusal(['ws://a:1/wse', '--host', 'b']), /the URL ws:\/\/a:1\/wse sets the target: drop --host/);
    assert.match(refusal(['http://a:1/']), /not a WebSocket URL: use ws:\/\/ or wss:\/\//);
    assert.match(refusal(['ws://a:1/', 'ws://b:2/']), /--url is already given/);
    assert.match(refusal(['extra']), /unexpected argument "extra" \(the one argument a run takes is its target/);
  });

  test('durations with units wherever seconds or milliseconds are taken', () => {
    const o = parsed(['--duration', '2m', '--hold', '500ms', '--connect-timeout', '10s', '--cell-duration', '1.5']).options;
    assert.equal(o.durationSec, 120);
    assert.equal(o.holdSec, 0.5);
    assert.equal(o.connectTimeoutMs, 10_000);
    assert.equal(o.cellDurationSec, 1.5, 'a bare number is the option\'s own unit');
    assert.equal(parsed(['--test', 'throughput', '--rate', '100', '--slo-ms', '0.5s']).options.openLoop?.sloMs, 500);
    assert.match(refusal(['--duration', '5 parsecs']), /--duration expects a duration \(e\.g\. 30s, 2m, 500ms or 5\)/);
  });

  test('--help documents every exit code: what a --slo-ms FAIL, ERROR/PARTIAL rows and failed connections do', () => {
    const help = helpText(RUN_COMMAND);
    for (const code of [0, 1, 2, 4, 98, 99, 130]) assert.match(help, new RegExp(`^  ${code} +\\S`, 'm'), `exit ${code}`);
    assert.match(help, /98 +results incomplete: a PARTIAL tier, an ERROR row .*, or failed\n +connections outside connection-limit/);
    assert.match(help, /99 +a --threshold failed \(or a --slo-ms step without --ramp\)/);
  });

  test('-h, and did-you-mean for options and values', () => {
    assert.equal(parseRunArgs(['-h'], node22, environment()).kind, 'help');
    assert.match(refusal(['--quik']), /unknown option --quik \(did you mean --quick\?\)/);
    assert.match(refusal(['--transport', 'cor']), /--transport must be one of core, ws, web, got "cor" \(did you mean core\?\)/);
    assert.match(refusal(['--test', 'thruput']), /--test: unknown "thruput" \(did you mean throughput\?\)/);
    assert.match(refusal(['--qqqqqq']), /^unknown option --qqqqqq$/, 'no far-fetched guess');
  });

  test('--header: repeatable, checked, and Authorization only without the bearer token', () => {
    const o = parsed(['--header', 'X-Tenant: acme', '--header', 'cookie: a=b']).options;
    assert.deepEqual(o.headers, { 'X-Tenant': 'acme', Cookie: 'a=b' });
    assert.match(refusal(['--header', 'Bad Name: x']), /not a valid header name/);
    assert.match(refusal(['--header', 'Upgrade: h2c']), /the WebSocket handshake sets this header itself/);
    assert.match(refusal(['--header', 'X-A: 1', '--header', 'x-a: 2']), /given twice/);
    assert.match(refusal(['--auth', 'bearer', '--header', 'Authorization: Basic x']), /add --auth none/);
    assert.equal(parsed(['--auth', 'none', '--header', 'Authorization: Basic x']).options.authVia, 'none');
  });

  test('the layers merge before any check, as the command line would', () => {
    const { given, sources } = parseLayered(RUN_COMMAND, ['--tiers', '5'], environment({ WSE_BENCH_QUICK: 'true' }));
    assert.equal(given.quick, true);
    assert.deepEqual(sources['quick'], { layer: 'env', variable: 'WSE_BENCH_QUICK' });
    assert.deepEqual(sources['tiers'], { layer: 'flag' });
  });
});
