// `npm run soak`: a sustained hold against the embedded server, through dist/bench.js, while this
// script samples the RSS of every process of the run from /proc/<pid>/status once a second: the
// client side (the launcher and its --procs workers) and the server side (serve and its workers).
// It reports survival, how long opening all connections took, each side's RSS before connecting
// and while holding, and memory per connection; when a limit of the machine stops the opening, the
// failures by kind say which (fd-limit: ulimit -n; address-unavailable: ephemeral ports). Passes
// when every connection was established and survived, and the client's RSS stayed flat (±10 %)
// from the end of the warm-up to the end of the hold. Not part of CI (minutes).
//   node scripts/soak.mjs [--connections 10000] [--hold 60] [--warmup 10] [--procs 1] [--server-workers 1]
//                         [--batch-size 500] [--ping-interval 5] [--connect-timeout 10000] [--runtime node|node22|bun]
// 100,000 connections on a 2-core machine with ulimit -n 20,000 (BENCHMARKS.md):
//   node scripts/soak.mjs --connections 100000 --procs 6 --server-workers 6 --hold 60
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RUNTIME_NAMES, runtimeBinaryIn } from '../bench/compare/runtime-table.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    hold: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    procs: { type: 'string', default: '1' },
    'server-workers': { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '500' },
    'ping-interval': { type: 'string', default: '5' },
    'connect-timeout': { type: 'string', default: '10000' },
    runtime: { type: 'string', default: 'node' },
  },
});
const runtime = RUNTIME_NAMES.find((name) => name === values.runtime);
const settings = {
  connections: Number(values.connections), hold: Number(values.hold), warmup: Number(values.warmup), procs: Number(values.procs),
  serverWorkers: Number(values['server-workers']), batchSize: Number(values['batch-size']), pingInterval: Number(values['ping-interval']),
  connectTimeout: Number(values['connect-timeout']), runtime,
};
const valid = settings.connections > 0 && settings.hold > 0 && settings.warmup >= 0 && settings.procs >= 1 && settings.serverWorkers >= 1 && settings.batchSize >= 1 && settings.pingInterval > 0 && settings.connectTimeout > 0;
if (runtime === undefined || !valid) {
  console.error(`usage: node scripts/soak.mjs [--connections N] [--hold S] [--warmup S] [--procs N] [--server-workers N] [--batch-size N] [--ping-interval S] [--connect-timeout MS] [--runtime ${RUNTIME_NAMES.join('|')}]`);
  process.exit(2);
}
const runtimeBin = runtimeBinaryIn(runtime, join(root, 'node_modules'), process.execPath);
const FLATNESS = 0.1;

if (spawnSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);

/** @param {number} pid */
function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** @param {number} pid @returns {{ ppid: number, argv: string[] } | undefined} */
function processInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') };
  } catch {
    return undefined;
  }
}

/**
 * RSS of the run's processes by side: the launcher and its `worker` children are the client,
 * `serve` and its children the server.
 * @param {number} launcher
 */
function rssBySide(launcher) {
  /** @type {Map<number, { ppid: number, argv: string[] }>} */
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (info !== undefined) all.set(Number(entry), info);
  }
  const side = { client: rssBytes(launcher), server: 0, clientProcesses: 1, serverProcesses: 0 };
  /** @param {number} parent @param {'client' | 'server'} inherited */
  const walk = (parent, inherited) => {
    for (const [pid, info] of all) {
      if (info.ppid !== parent) continue;
      const role = info.argv.includes('serve') ? 'server' : info.argv.includes('worker') ? 'client' : inherited;
      side[role] += rssBytes(pid);
      if (role === 'client') side.clientProcesses++;
      else side.serverProcesses++;
      walk(pid, role);
    }
  };
  walk(launcher, 'client');
  return side;
}

const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
const dir = mkdtempSync(join(tmpdir(), 'wse-soak-'));
const out = join(dir, 'soak.json');
const args = [
  'dist/bench.js', '--test', 'sustained-hold', '--tiers', String(settings.connections), '--hold', String(settings.hold),
  '--hold-ping-interval', String(settings.pingInterval), '--batch-size', String(settings.batchSize), '--connect-timeout', String(settings.connectTimeout),
  '--procs', String(settings.procs), '--server-workers', String(settings.serverWorkers),
  // No untimed warm-up: its connections' memory would stay in the heap and hide the hold's.
  '--warmup', '0',
  '--max-connections', String(Math.max(settings.connections, 5000)), '--progress', '--output', 'json', '--out', out,
];
console.log(`soak: ${settings.connections} connections held ${settings.hold} s on ${settings.runtime}, ${settings.procs} client process(es), ${settings.serverWorkers} server worker(s); RSS sampled every second`);
console.log(`uptime before: ${uptime()}`);
console.log(`command: ${runtime === 'node' ? 'node' : runtimeBin} ${args.join(' ')}`);
const child = spawn(runtimeBin, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
const launcher = child.pid ?? 0;
let stderr = '';
/** @type {number | undefined} */ let connectingAt;
/** @type {number | undefined} */ let holdStartedAt;
/** @type {ReturnType<typeof rssBySide> | undefined} RSS just before the hold's connections were opened (after the warm-up). */
let beforeConnecting;
child.stderr.setEncoding('utf8').on('data', (chunk) => {
  stderr += chunk;
  if (connectingAt === undefined && /sustained-hold: [\d,]+ conns: connecting/.test(stderr)) {
    connectingAt = Date.now();
    beforeConnecting = rssBySide(launcher);
  }
  if (holdStartedAt === undefined && /sustained-hold: .*holding/.test(stderr)) holdStartedAt = Date.now();
});
/** @type {[number, ReturnType<typeof rssBySide>][]} [seconds since the hold started, RSS by side] */
const samples = [];
const sampler = setInterval(() => {
  if (holdStartedAt !== undefined) samples.push([(Date.now() - holdStartedAt) / 1000, rssBySide(launcher)]);
}, 1000);
const onSigint = () => child.kill('SIGINT');
process.on('SIGINT', onSigint);
const code = await new Promise((resolve) => child.once('close', resolve));
clearInterval(sampler);
process.off('SIGINT', onSigint);
console.log(`uptime after: ${uptime()}`);

const mb = (/** @type {number} */ bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
let result;
try {
  result = JSON.parse(readFileSync(out, 'utf8'));
} catch {
  console.error(`soak: the run wrote no report (exit ${code}):\n${stderr.split('\n').filter((l) => !l.startsWith('\r')).slice(-5).join('\n')}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
const tier = result.tests[0].tiers[0];
const counts = tier.connectionCounts;
const unexpected = Object.values(tier.unexpectedCloses).reduce((a, b) => a + b, 0);
const inHold = samples.filter(([t]) => t >= 0 && t <= settings.hold);
const warm = inHold.find(([t]) => t >= settings.warmup);
const end = inHold.at(-1);
const drift = warm && end ? (end[1].client - warm[1].client) / warm[1].client : Number.NaN;
const openSeconds = connectingAt !== undefined && holdStartedAt !== undefined ? (holdStartedAt - connectingAt) / 1000 : Number.NaN;

/** @param {'client' | 'server'} side */
function sideLine(side) {
  if (beforeConnecting === undefined || warm === undefined) return `${side} RSS: too few samples (${inHold.length})`;
  const processes = side === 'client' ? warm[1].clientProcesses : warm[1].serverProcesses;
  const peak = Math.max(...inHold.map(([, s]) => s[side]));
  const perConnection = (warm[1][side] - beforeConnecting[side]) / Math.max(1, counts.established);
  return `${side} RSS (${processes} processes): ${mb(beforeConnecting[side])} before connecting, ${mb(warm[1][side])} holding at ${warm[0].toFixed(0)} s, ` +
    `${end ? mb(end[1][side]) : '?'} at the end, peak ${mb(peak)}; ${(perConnection / 1024).toFixed(1)} KB a connection`;
}

const failures = Object.entries(counts.failedByKind).map(([kind, n]) => `${n} ${kind}`).join(', ');
const checks = [
  [`established ${counts.established} of ${counts.attempted}${failures === '' ? '' : ` (failed: ${failures})`}`, counts.established === settings.connections],
  [`opened them in ${openSeconds.toFixed(1)} s (${Math.round(counts.established / openSeconds)}/s, from 'connecting' to 'holding': every client process done)`, Number.isFinite(openSeconds)],
  // null: no connection was held, nothing measured (results schema 2)
  [`survival ${tier.hold.survivalPct === null ? 'not measured' : `${tier.hold.survivalPct.toFixed(2)} %`} (${tier.hold.disconnects} disconnects)`, tier.hold.survivalPct === 100],
  [`unexpected closes ${unexpected} ${JSON.stringify(tier.unexpectedCloses)}`, unexpected === 0],
  [`PONGs ${tier.hold.pongsReceived} of ${tier.hold.pingsSent} pings`, tier.hold.pongsReceived === tier.hold.pingsSent],
  [`${sideLine('client')}; ${(drift * 100).toFixed(1)} % from ${settings.warmup} s to the end`, Math.abs(drift) <= FLATNESS],
  [sideLine('server'), beforeConnecting !== undefined && warm !== undefined],
  [`run ${tier.partial === undefined ? 'complete' : `partial: ${tier.partial}`}, exit ${code}`, tier.partial === undefined && code === 0],
];
for (const [text, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${text}`);
// what the run warned about (a worker that died, a limit it met): the cause behind a FAIL above
const warnings = [...new Set(stderr.split(/[\r\n]+/).filter((line) => line.startsWith('warning:') || line.startsWith('wse-bench:')))];
for (const line of warnings.slice(0, 10)) console.log(`run said: ${line}`);
const msText = (/** @type {number | null} */ v) => (v === null ? '—' : (v / 1000).toFixed(2));
console.log(tier.latency === null || tier.latency === undefined ? 'ping: no PONG came back' : `ping p50 ${msText(tier.latency.p50)} ms, p99 ${msText(tier.latency.p99)} ms; p50 by interval (ms): ${tier.hold.p50ByInterval.map(msText).join(' ')}`);
console.log(`environment: ulimit -n ${result.environment.fdLimit ?? '?'}, ${result.environment.cpus} cores, ${(result.environment.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
