#!/usr/bin/env node
// `npm run bench:ab`: issue 6's side-by-side measurement of the core transport against ws (and the
// runtime's own WebSocket where it exists) under Node 20, Node 22 and Bun. One embedded sink server
// (the core transport under Bun, the fastest server measured here, pinned to the last core when taskset exists), then every
// runtime × transport combination runs dist/bench.js --host … --output json as a child, interleaved
// (A B C A B C …) --repeat times, with the raw TCP ceiling and the raw-client floor measured in the
// same rounds. Prints the target table and rewrites the A/B section of BENCHMARKS.md (the ceiling
// section is left alone).
//   node scripts/bench-ab.mjs [--quick] [--runtimes node,node22,bun] [--repeat K] [--hold-rounds K]
//                             [--no-profile] [--no-write] [--json FILE]
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureCeiling, measureFloor, root, runtimeBinary, runtimeVersion, stopAllChildren } from './lib/ceiling.mjs';
import { summarizeProfile } from '../bench/perf/cpu-profile.mjs';

const START = '<!-- ab:start -->';
const END = '<!-- ab:end -->';
const BUNDLE = join(root, 'dist/bench.js');
const BUN_BIN = join(root, 'node_modules/bun/bin/bun.exe');
const TRANSPORTS_BY_RUNTIME = { node: ['core', 'ws'], node22: ['core', 'ws', 'web'], bun: ['core', 'ws', 'web'] };
/** Wire bytes of one 175-byte trading message in a masked client frame (2 + 4 + 175 + 2 for the 16-bit length). */
const TRADE_FRAME_BYTES = 183;
const KB = 1024;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runtimes: { type: 'string', default: 'node,node22,bun' },
    repeat: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    json: { type: 'string' },
    'hold-rounds': { type: 'string' },
  },
});
const quick = values.quick;
const repeat = Number(values.repeat ?? (quick ? 1 : 3));
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat must be a whole number ≥ 1, got "${values.repeat}"`);
  process.exit(2);
}
const runtimes = values.runtimes.split(',').filter(Boolean);
for (const r of runtimes) {
  if (!(r in TRANSPORTS_BY_RUNTIME)) {
    console.error(`unknown runtime "${r}" (known: node, node22, bun)`);
    process.exit(2);
  }
}

// RSS per connection is a target too, so it gets a median of every round unless told otherwise.
const holdRounds = Math.min(repeat, Number(values['hold-rounds'] ?? repeat));
// Tiers: the issue's targets; --quick shrinks the big ones so the whole run takes ~2 minutes.
const HOLD_TIER = quick ? 2000 : 10000;
const STORM_BIG = quick ? 2000 : 5000;
const DURATION = quick ? '2' : '3';
/** Each group is one child run; the metrics below read their tiers. */
const GROUPS = [
  {
    name: 'send',
    args: ['--test', 'throughput,size-matrix,ping-latency', '--tiers', '100', '--duration', DURATION, '--sizes', '65536', '--cell-duration', quick ? '1' : '2', '--pings', '20'],
  },
  { name: 'c1000', args: ['--test', 'ping-latency,connection-storm', '--tiers', '1000', '--pings', '10'] },
  { name: 'storm-big', args: ['--test', 'connection-storm', '--tiers', String(STORM_BIG)] },
  // The longest group (15K connections a run): core and ws only, in every round unless
  // --hold-rounds says fewer.
  { name: 'hold', args: ['--test', 'sustained-hold', '--tiers', `100,${HOLD_TIER / 2},${HOLD_TIER}`, '--hold', '2', '--hold-ping-interval', '1'], transports: ['core', 'ws'], rounds: holdRounds },
];
/**
 * The raw-client floor runs (bench/ceiling/floor-client.ts), one per group whose latency or
 * connection metrics it bounds, with the same connection counts and pings as those groups.
 */
const FLOOR_RUNS = [
  { connections: 100, pings: 20, metrics: { pingP50_100: (f) => f.rttP50Micros / 1000, pingP99_100: (f) => f.rttP99Micros / 1000 } },
  { connections: 1000, pings: 10, metrics: { pingP50_1000: (f) => f.rttP50Micros / 1000, pingP99_1000: (f) => f.rttP99Micros / 1000, storm1000: (f) => f.connectRatePerSec } },
  { connections: STORM_BIG, pings: 0, metrics: { stormBig: (f) => f.connectRatePerSec } },
];

const log = (line) => process.stderr.write(`${line}\n`);
const hasTaskset = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const serverCore = String(cpus().length - 1);
const clientCores = `0-${cpus().length - 2}`;
/** Prefix that pins a command to `cores` (server on the last core, clients on the others). */
const pinned = (cores, bin, args) => (hasTaskset ? ['taskset', ['-c', cores, bin, ...args]] : [bin, args]);

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set();
process.on('SIGINT', () => {
  for (const child of live) child.kill('SIGKILL');
  stopAllChildren();
  process.exit(130);
});

/** Starts the embedded server in the foreground (`serve`) and resolves with its port. */
function startServer({ mode, profileDir }) {
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // The server must not be the limit. Measured on this project's 2-core machine, the core server
  // transport in sink mode absorbs the most: ~1.8M msg/s under Bun, ~0.85M under Node 20, against
  // ~0.6M for uWebSockets.js and ~0.95M for Bun.serve (100 connections, 175 B). Bun's binary needs
  // no install script; the CPU profile of a server (--cpu-prof) needs Node.
  const serverBin = profileDir || !existsSync(BUN_BIN) ? process.execPath : BUN_BIN;
  const [cmd, args] = pinned(serverCore, serverBin, [...nodeArgs, BUNDLE, 'serve', '--host', '127.0.0.1', '--port', '0', '--mode', mode, '--transport', 'core', '--max-connections', '100000']);
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const match = /ws:\/\/127\.0\.0\.1:(\d+)\/\S* transport=(\S+)/.exec(out);
      if (match) {
        child.stdout.off('data', onData);
        const token = /token=(\S+)/.exec(out)?.[1] ?? '';
        resolve({ child, port: Number(match[1]), transport: match[2], token, banner: out.split('\n')[0].replace(/ token=\S+/, ''), runtime: runtimeVersion(serverBin === BUN_BIN ? 'bun' : 'node') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out.trim()}`)));
  });
}

async function stopServer(server) {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGINT');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** One benchmark child; resolves with its RunResult (JSON), or an { error } record. */
function runClient(runtime, transport, port, args, { pin = true, nodeArgs = [] } = {}) {
  const bin = runtimeBinary(runtime);
  const childArgs = [...nodeArgs, BUNDLE, '--host', '127.0.0.1', '--port', String(port), '--transport', transport, '--output', 'json', ...args];
  const [cmd, fullArgs] = pin ? pinned(clientCores, bin, childArgs) : [bin, childArgs];
  return new Promise((resolve) => {
    const child = spawn(cmd, fullArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      live.delete(child);
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve({ error: `exit ${code}: ${(err.trim().split('\n').pop() ?? '').slice(0, 200)}` });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Metrics read from a RunResult

function tier(result, test, connections, label) {
  const t = result.tests?.find((x) => x.test === test);
  return t?.tiers.find((x) => x.connections === connections && (label === undefined || x.label === label || x.params?.sizeBytes === 65536));
}

/** name → { group, read(result) → number | undefined, unit, better: 'higher' | 'lower' } */
const METRICS = {
  throughput: { group: 'send', unit: 'msg/s', better: 'higher', read: (r) => tier(r, 'throughput', 100)?.messages?.deliveredPerSec },
  size64k: { group: 'send', unit: 'MB/s', better: 'higher', read: (r) => sizeCell(r)?.messages?.deliveredMBPerSec },
  pingP50_100: { group: 'send', unit: 'ms', better: 'lower', read: (r) => ms(tier(r, 'ping-latency', 100)?.latency?.p50) },
  pingP99_100: { group: 'send', unit: 'ms', better: 'lower', read: (r) => ms(tier(r, 'ping-latency', 100)?.latency?.p99) },
  pingP50_1000: { group: 'c1000', unit: 'ms', better: 'lower', read: (r) => ms(tier(r, 'ping-latency', 1000)?.latency?.p50) },
  pingP99_1000: { group: 'c1000', unit: 'ms', better: 'lower', read: (r) => ms(tier(r, 'ping-latency', 1000)?.latency?.p99) },
  storm1000: { group: 'c1000', unit: 'conn/s', better: 'higher', read: (r) => tier(r, 'connection-storm', 1000)?.connectRatePerSec },
  stormBig: { group: 'storm-big', unit: 'conn/s', better: 'higher', read: (r) => tier(r, 'connection-storm', STORM_BIG)?.connectRatePerSec },
  rssPerConn: { group: 'hold', unit: 'KB', better: 'lower', read: (r) => rssPerConnection(r, HOLD_TIER / 2) },
  rssPerConnFrom100: { group: 'hold', unit: 'KB', better: 'lower', read: (r) => rssPerConnection(r, 100) },
  throughputClientCpu: { group: 'send', unit: 'cores', better: 'lower', read: (r) => tier(r, 'throughput', 100)?.client?.cpuCores },
  throughputServerCpu: { group: 'send', unit: 'cores', better: 'lower', read: (r) => tier(r, 'throughput', 100)?.server?.cpuCores },
};

function ms(micros) {
  return micros === undefined ? undefined : micros / 1000;
}

function sizeCell(result) {
  const t = result.tests?.find((x) => x.test === 'size-matrix');
  return t?.tiers.find((x) => x.connections === 100 && x.messages?.payloadBytes === 65536);
}

/**
 * Client RSS growth per added connection, KB, from the `from`-connection hold to the big one. From
 * half the big tier it is the marginal cost of a held connection; from 100 it also spreads one-time
 * growth (V8's young generation grows to its full size, code is compiled) over the connections.
 */
function rssPerConnection(result, from) {
  const small = tier(result, 'sustained-hold', from);
  const big = tier(result, 'sustained-hold', HOLD_TIER);
  if (!small || !big || big.connectionCounts.established < HOLD_TIER * 0.99) return undefined;
  return (big.client.rssBytes - small.client.rssBytes) / (big.connectionCounts.established - small.connectionCounts.established) / KB;
}

function stats(samples) {
  const xs = samples.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length };
}

// ---------------------------------------------------------------------------------------------
// The run

const combos = runtimes.flatMap((runtime) => TRANSPORTS_BY_RUNTIME[runtime].map((transport) => ({ runtime, transport, key: `${runtime}/${transport}` })));
const samples = {}; // key → metric → number[]
const errors = []; // one line per failed child
const ceilings = {}; // runtime → framesPerSec[]
let procsSamples; // { 1: number[], 2: number[] }, when the CLI has --procs
const memory = {}; // mode → rssKB | heapUsedKB | … → number[]
const MEMORY_CONNECTIONS = quick ? 2000 : 5000;

async function buildMemoryProbe() {
  const outfile = join(root, '.build/connection-memory.mjs');
  await build({ entryPoints: [join(root, 'bench/perf/connection-memory.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
    external: ['@trufflesuite/uws-js-unofficial', 'uWebSockets.js'],
    // bundled CommonJS (ws) calls require(): give the ESM bundle one, as build.mjs does
    banner: { js: "import { createRequire as __abCreateRequire } from 'node:module';\nconst require = __abCreateRequire(import.meta.url);" },
  });
  return outfile;
}

if (!existsSync(BUNDLE)) {
  log('bench:ab: building dist/bench.js');
  if (spawnSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}
const helpText = spawnSync(process.execPath, [BUNDLE, '--help'], { encoding: 'utf8' }).stdout;
const procsSupported = /--procs\b/.test(helpText);
const started = Date.now();
const versions = Object.fromEntries(runtimes.map((r) => [r, runtimeVersion(r)]));

const server = await startServer({ mode: 'sink' });
log(`bench:ab: ${server.banner}${hasTaskset ? ` (pinned to core ${serverCore}; clients on ${clientCores})` : ''}`);
try {
  for (let round = 1; round <= repeat; round++) {
    for (const group of GROUPS) {
      if (group.rounds !== undefined && round > group.rounds) continue;
      for (const combo of combos) {
        if (group.transports !== undefined && !group.transports.includes(combo.transport)) continue;
        log(`bench:ab: round ${round}/${repeat} ${group.name} ${combo.key}`);
        const result = await runClient(combo.runtime, combo.transport, server.port, group.args);
        if (result.error) {
          errors.push(`${combo.key} ${group.name} round ${round}: ${result.error}`);
          continue;
        }
        const bucket = (samples[combo.key] ??= {});
        for (const [name, metric] of Object.entries(METRICS)) {
          if (metric.group !== group.name) continue;
          const value = metric.read(result);
          if (value !== undefined) (bucket[name] ??= []).push(value);
        }
      }
    }
    if (procsSupported) {
      procsSamples ??= { 1: [], 2: [], cpu1: [], cpu2: [] };
      for (const procs of [1, 2]) {
        log(`bench:ab: round ${round}/${repeat} --procs ${procs} node/core`);
        // Clients not pinned here: two workers may use both cores, which the server shares.
        const result = await runClient('node', 'core', server.port, ['--test', 'throughput', '--tiers', '100', '--duration', DURATION, '--procs', String(procs)], { pin: false });
        const t = result.error ? undefined : tier(result, 'throughput', 100);
        if (t?.messages) {
          procsSamples[procs].push(t.messages.deliveredPerSec);
          const clientCpu = (t.workers ?? [t.client]).reduce((sum, w) => sum + w.cpuCores, 0);
          procsSamples[`cpu${procs}`].push(clientCpu + (t.server?.cpuCores ?? 0));
        } else errors.push(`--procs ${procs} round ${round}: ${result.error ?? 'no throughput tier'}`);
      }
    }
    for (const runtime of runtimes) {
      for (const run of FLOOR_RUNS) {
        log(`bench:ab: round ${round}/${repeat} raw-client floor ${runtime} ${run.connections} conns`);
        try {
          const f = await measureFloor({ runtime, port: server.port, token: server.token, connections: run.connections, pings: run.pings, cores: hasTaskset ? clientCores : undefined });
          const bucket = (samples[`${runtime}/floor`] ??= {});
          for (const [metric, read] of Object.entries(run.metrics)) (bucket[metric] ??= []).push(read(f));
        } catch (error) {
          errors.push(`floor ${runtime} ${run.connections} round ${round}: ${error.message}`);
        }
      }
    }
    for (const runtime of runtimes) {
      log(`bench:ab: round ${round}/${repeat} ceiling ${runtime}`);
      try {
        const c = await measureCeiling({ runtime, connections: 100, durationSec: quick ? 2 : 3, warmupSec: 1 });
        (ceilings[runtime] ??= []).push(c.framesPerSec);
      } catch (error) {
        errors.push(`ceiling ${runtime} round ${round}: ${error.message}`);
      }
    }
  }
  // Memory of one held connection with garbage collected before and after, raw socket vs sessions.
  if (runtimes.includes('node')) {
    const probe = await buildMemoryProbe();
    for (let round = 1; round <= Math.min(repeat, 3); round++) {
      for (const mode of ['raw', 'core', 'ws']) {
        log(`bench:ab: round ${round} connection memory ${mode}`);
        const [cmd, args] = pinned(clientCores, process.execPath, ['--expose-gc', probe, '--port', String(server.port), '--token', server.token, '--mode', mode, '--connections', String(MEMORY_CONNECTIONS)]);
        const run = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
        try {
          const m = JSON.parse(run.stdout.trim().split('\n').pop());
          for (const key of ['rssKB', 'heapUsedKB', 'heapTotalKB', 'externalKB']) ((memory[mode] ??= {})[key] ??= []).push(m[key]);
        } catch {
          errors.push(`connection memory ${mode} round ${round}: ${(run.stderr || run.error?.message || 'no output').trim().split('\n').pop()}`);
        }
      }
    }
  }
} finally {
  await stopServer(server);
}

// ---------------------------------------------------------------------------------------------
// Targets

const med = (key, metric) => stats(samples[key]?.[metric] ?? []);
const verdicts = []; // { target, runtime, core, baseline, ratio, goal, met, profile }

function ratioTarget(target, runtime, metric, baselineTransport, goal, direction, profileGroup) {
  const core = med(`${runtime}/core`, metric);
  const base = med(`${runtime}/${baselineTransport}`, metric);
  if (!core || !base) return;
  const ratio = direction === 'higher' ? core.median / base.median : base.median / core.median;
  // The best ratio any client could show against this baseline: the raw-client floor's.
  const floor = med(`${runtime}/floor`, metric);
  const floorRatio = floor === undefined ? undefined : direction === 'higher' ? floor.median / base.median : base.median / floor.median;
  verdicts.push({ target, runtime, metric, core, base, baselineTransport, ratio, goal: `≥ ${goal}×`, met: ratio >= goal, profileGroup, floor, floorRatio, goalRatio: goal });
}

for (const runtime of runtimes) {
  const baselines = TRANSPORTS_BY_RUNTIME[runtime].filter((t) => t !== 'core');
  for (const b of baselines) ratioTarget('Throughput 100 conns, 175 B, delivered', runtime, 'throughput', b, 10, 'higher', 'send');
  const core = med(`${runtime}/core`, 'throughput');
  const ceiling = stats(ceilings[runtime] ?? []);
  if (core && ceiling) {
    const share = core.median / ceiling.median;
    verdicts.push({ target: 'Throughput vs raw TCP ceiling', runtime, metric: 'throughput', core, ceiling, ratio: share, goal: '≥ 50 % of ceiling', met: share >= 0.5, profileGroup: 'send' });
  }
  const size = med(`${runtime}/core`, 'size64k');
  if (size) verdicts.push({ target: 'Size matrix 64 KB, 100 conns', runtime, metric: 'size64k', core: size, goal: '≥ 1000 MB/s', met: size.median >= 1000, profileGroup: 'send' });
  for (const b of baselines) {
    for (const [metric, label] of [['pingP50_100', 'Ping p50, 100 conns'], ['pingP99_100', 'Ping p99, 100 conns'], ['pingP50_1000', 'Ping p50, 1,000 conns'], ['pingP99_1000', 'Ping p99, 1,000 conns']]) {
      ratioTarget(label, runtime, metric, b, 5, 'lower', metric.endsWith('1000') ? 'c1000' : 'send');
    }
    ratioTarget('Connection storm 1,000', runtime, 'storm1000', b, 2, 'higher', 'c1000');
    ratioTarget(`Connection storm ${STORM_BIG.toLocaleString('en-US')}`, runtime, 'stormBig', b, 2, 'higher', 'storm-big');
  }
  const rss = med(`${runtime}/core`, 'rssPerConn');
  if (rss) verdicts.push({ target: `RSS per idle connection at ${HOLD_TIER.toLocaleString('en-US')}`, runtime, metric: 'rssPerConn', core: rss, goal: '≤ 5 KB', met: rss.median <= 5, profileGroup: undefined });
}
let procsVerdict;
if (procsSamples) {
  const one = stats(procsSamples[1]);
  const two = stats(procsSamples[2]);
  if (one && two) procsVerdict = { one, two, ratio: two.median / one.median, cpu1: stats(procsSamples.cpu1), cpu2: stats(procsSamples.cpu2) };
}

// Profile evidence for gaps: one client (and server) CPU profile of each group that missed a target.
const profiles = {};
if (!values['no-profile'] && runtimes.includes('node')) {
  const gapGroups = new Set(verdicts.filter((v) => !v.met && v.runtime === 'node' && v.profileGroup).map((v) => v.profileGroup));
  for (const group of GROUPS.filter((g) => gapGroups.has(g.name))) {
    const dir = mkdtempSync(join(tmpdir(), 'wse-ab-prof-'));
    try {
      log(`bench:ab: profiling ${group.name} (node/core and its server)`);
      const profServer = await startServer({ mode: 'sink', profileDir: join(dir, 'server') });
      await runClient('node', 'core', profServer.port, group.args, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'client')}`] });
      await stopServer(profServer);
      const read = (sub) => {
        const files = existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => f.endsWith('.cpuprofile')) : [];
        return files.length === 0 ? undefined : summarizeProfile(join(dir, sub, files[0]), BUNDLE, 8);
      };
      profiles[group.name] = { client: read('client'), server: read('server') };
    } catch (error) {
      errors.push(`profile ${group.name}: ${error.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtNum = (x, unit) => {
  if (unit === 'msg/s' || unit === 'conn/s' || unit === 'frames/s') return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}K` : x.toFixed(0);
  if (unit === 'ms') return x < 10 ? x.toFixed(2) : x.toFixed(1);
  if (unit === 'KB' || unit === 'cores') return x.toFixed(2);
  return x.toFixed(0);
};
const fmtStat = (s, unit) => (s ? `${fmtNum(s.median, unit)} (${fmtNum(s.min, unit)}–${fmtNum(s.max, unit)})` : 'n/a');

const lines = [];
const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
const cmd = `node scripts/bench-ab.mjs${quick ? ' --quick' : ''} --runtimes ${runtimes.join(',')} --repeat ${repeat}${holdRounds !== repeat ? ` --hold-rounds ${holdRounds}` : ''}`;
lines.push(START, '## Core vs ws vs web (issue 6 targets)', '');
lines.push(`- Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${platform()} ${release()}`);
lines.push(`- Runtimes: ${runtimes.map((r) => versions[r]).join(', ')}`);
lines.push(`- Server: \`${server.banner.replace(/^wse-bench serve: /, '')}\` (embedded, run under ${server.runtime}${hasTaskset ? `, pinned to core ${serverCore} with \`taskset\`; clients pinned to core ${clientCores}` : ''})`);
lines.push(`- Command: \`${cmd}\` (${quick ? 'quick profile' : 'full'}; took ${((Date.now() - started) / 60000).toFixed(1)} min; ${date} UTC)`);
lines.push(`- Each client run: \`<runtime> dist/bench.js --host 127.0.0.1 --port <server> --transport <t> --output json\` plus one of:`);
for (const g of GROUPS) {
  const only = [g.transports ? `${g.transports.join(' and ')} only` : '', g.rounds !== undefined && g.rounds < repeat ? `${g.rounds} round(s): no median of 3` : ''].filter(Boolean).join(', ');
  lines.push(`  - \`${g.args.join(' ')}\`${only ? ` (${only})` : ''}`);
}
lines.push(`- Runs interleaved (every combination once per round, ${repeat} round(s)); median (min–max). Ceiling: \`measureCeiling\` of scripts/lib/ceiling.mjs, 100 connections, and the raw-client floor: \`measureFloor\`, in the same rounds.`);
lines.push('- The machine was shared with other work while this ran: absolute numbers vary between runs; ratios of interleaved runs are the point.');
lines.push('');
lines.push('### Medians per runtime and transport', '');
const shown = ['throughput', 'size64k', 'pingP50_100', 'pingP99_100', 'pingP50_1000', 'pingP99_1000', 'storm1000', 'stormBig', 'rssPerConn'];
const header = {
  throughput: 'Throughput msg/s',
  size64k: '64 KB MB/s',
  pingP50_100: 'Ping p50 @100 ms',
  pingP99_100: 'Ping p99 @100 ms',
  pingP50_1000: 'Ping p50 @1K ms',
  pingP99_1000: 'Ping p99 @1K ms',
  storm1000: 'Storm @1K conn/s',
  stormBig: `Storm @${STORM_BIG / 1000}K conn/s`,
  rssPerConn: `RSS/conn @${HOLD_TIER / 1000}K KB`,
};
lines.push(`| Runtime / transport | ${shown.map((m) => header[m]).join(' | ')} |`);
lines.push(`|---|${shown.map(() => '---:').join('|')}|`);
for (const c of combos) lines.push(`| ${versions[c.runtime]} / ${c.transport} | ${shown.map((m) => fmtStat(med(c.key, m), METRICS[m].unit)).join(' | ')} |`);
for (const runtime of runtimes) {
  if (samples[`${runtime}/floor`] === undefined) continue;
  lines.push(`| ${versions[runtime]} / *raw-client floor* | ${shown.map((m) => (med(`${runtime}/floor`, m) ? fmtStat(med(`${runtime}/floor`, m), METRICS[m].unit) : '—')).join(' | ')} |`);
}
lines.push('');
lines.push(
  '*Raw-client floor*: bench/ceiling/floor-client.ts under the same runtime, pinned like the clients, against the same server in the same rounds: ' +
    'plain `net` sockets writing a pre-built upgrade request, client_hello and ping frames, reading only frame lengths and the word PONG ' +
    '(same connection counts, batches of 500, same pings per connection; after the same warm-up as the benchmark (--warmup), 1,000 connections opened, pinged and closed, and one untimed round of the pings). It is the server plus the ' +
    'socket syscalls that every client pays: no client can beat it by much, so a baseline ÷ floor ratio under a goal means the goal is out of reach on this machine and server.',
);
lines.push('');
lines.push(`RSS/conn: client RSS growth per added connection from the ${(HOLD_TIER / 2).toLocaleString('en-US')}-connection hold to the ${HOLD_TIER.toLocaleString('en-US')}-connection one (the marginal cost of a held connection). ` +
  `From the 100-connection hold instead, which also spreads one-time heap growth over the connections: ` +
  combos.filter((c) => med(c.key, 'rssPerConnFrom100')).map((c) => `${c.key} ${fmtStat(med(c.key, 'rssPerConnFrom100'), 'KB')} KB`).join('; ') + '.');
lines.push('');
lines.push('Throughput CPU (median, cores): ' + combos.map((c) => `${c.key} client ${fmtStat(med(c.key, 'throughputClientCpu'), 'cores')} / server ${fmtStat(med(c.key, 'throughputServerCpu'), 'cores')}`).join('; ') + '.');
lines.push('');
lines.push('### Targets', '');
lines.push('| Target | Runtime | core | baseline | Ratio / share | Goal | Met | Raw-client floor | Floor\'s ratio (best any client can show) |');
lines.push('|---|---|---:|---:|---:|---|---|---:|---:|');
for (const v of verdicts) {
  const unit = METRICS[v.metric].unit;
  const baseline = v.base ? `${v.baselineTransport} ${fmtStat(v.base, unit)}` : v.ceiling ? `ceiling ${fmtStat(v.ceiling, 'frames/s')} frames/s` : '—';
  const ratio = v.base ? `${v.ratio.toFixed(2)}×` : v.ceiling ? `${(v.ratio * 100).toFixed(0)} %` : '—';
  const floor = v.floor ? `${fmtStat(v.floor, unit)}` : '—';
  const floorRatio = v.floorRatio === undefined ? '—' : `${v.floorRatio.toFixed(2)}×${v.floorRatio < v.goalRatio ? ' (goal out of reach)' : ''}`;
  lines.push(`| ${v.target} | ${versions[v.runtime]} | ${fmtStat(v.core, unit)} ${unit} | ${baseline} | ${ratio} | ${v.goal} | ${v.met ? 'met' : '**not met**'} | ${floor} | ${floorRatio} |`);
}
if (procsVerdict) {
  const p = procsVerdict;
  lines.push(`| --procs 2 vs 1 (core, throughput 100) | ${versions.node} | ${fmtStat(p.two, 'msg/s')} msg/s | 1 proc ${fmtStat(p.one, 'msg/s')} | ${p.ratio.toFixed(2)}× | ≥ 1.8× | ${p.ratio >= 1.8 ? 'met' : '**not met**'} | — | — |`);
} else if (runtimes.includes('node')) {
  lines.push(`| --procs 2 vs 1 | ${versions.node} | — | — | — | ≥ 1.8× | not measured: ${procsSupported ? 'the runs failed (see errors)' : 'this build of dist/bench.js has no --procs option'} | — | — |`);
}
lines.push('');
if (procsVerdict) {
  lines.push(`--procs: client processes + server used ${fmtStat(procsVerdict.cpu1, 'cores')} cores with one client process and ${fmtStat(procsVerdict.cpu2, 'cores')} with two, of ${cpus().length} cores on the machine: ` +
    `a second client process can only add what the server leaves free, so ≥ 1.8× needs more cores than this machine has whenever the server needs most of one.`, '');
}
if (Object.keys(memory).length > 0) {
  lines.push(`### Memory of one held connection (${versions.node}, ${MEMORY_CONNECTIONS.toLocaleString('en-US')} connections, garbage collected before and after)`, '');
  lines.push('`node --expose-gc .build/connection-memory.mjs --mode raw|core|ws` (bench/perf/connection-memory.ts): raw = a plain `net` socket connected to the server and nothing else; core / ws = a WSE session (upgrade, server_ready, client_hello) on that transport.', '');
  lines.push('| Connection | RSS KB | V8 heap used KB | V8 heap total KB | external KB |', '|---|---:|---:|---:|---:|');
  for (const mode of ['raw', 'core', 'ws']) {
    const m = memory[mode];
    if (!m) continue;
    lines.push(`| ${mode} | ${['rssKB', 'heapUsedKB', 'heapTotalKB', 'externalKB'].map((k) => fmtStat(stats(m[k] ?? []), 'KB')).join(' | ')} |`);
  }
  lines.push('');
}
if (Object.keys(profiles).length > 0) {
  lines.push('### Where the time goes (CPU profiles of a Node 20 core run, top self time)', '');
  for (const [group, p] of Object.entries(profiles)) {
    const args = GROUPS.find((g) => g.name === group).args.join(' ');
    for (const role of ['client', 'server']) {
      const summary = p[role];
      if (!summary) continue;
      lines.push(`- \`${args}\`, ${role} (${(summary.busyShare * 100).toFixed(0)} % of the profile busy): ` + summary.top.map((f) => `${f.name} [${f.module}] ${(f.share * 100).toFixed(1)} %`).join(', '));
    }
  }
  lines.push('');
}
if (errors.length > 0) {
  lines.push('Errors during the run:', '');
  for (const e of errors) lines.push(`- ${e}`);
  lines.push('');
}
lines.push(END);
const section = lines.join('\n');
process.stdout.write(`${section}\n`);

if (values.json) writeFileSync(values.json, JSON.stringify({ versions, samples, ceilings, procs: procsSamples, memory, verdicts, profiles, errors }, null, 2));
if (!values['no-write']) {
  const path = join(root, 'BENCHMARKS.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  const next = a !== -1 && b > a ? current.slice(0, a) + section + current.slice(b + END.length) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
  log(`bench:ab: wrote the A/B section of ${path}`);
}
