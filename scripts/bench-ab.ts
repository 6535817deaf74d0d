// `npm run bench:ab`: issues 6 and 14's side-by-side measurement of the core transport against ws
// (and the runtime's own WebSocket where it exists) and against the native yardstick (bench/native)
// under Node 20, Node 22 and Bun. One embedded sink server for the whole session (the core
// transport under Bun, the fastest JS server measured here, on the last core when taskset exists)
// and, where a Rust compiler exists, the native sink beside it for the throughput runs where the
// client must be the limit; each round runs every group of client runs through
// `dist/bench.js compare --pin --output json` (every runtime × transport, interleaved), then the
// --procs runs, the JS and native raw-client floors, the raw TCP ceiling and the native flood
// writer. Records the machine's load before and after, prints the target tables and rewrites the
// A/B section of BENCHMARKS.md (the ceiling section is left alone).
//   npm run bench:ab -- [--quick] [--runtimes node,node22,bun] [--repeat K] [--hold-rounds K]
//                       [--no-profile] [--no-write] [--json FILE]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompareResult } from '../bench/compare/result.js';
import { RUNTIME_NAMES } from '../bench/compare/runtime-table.mjs';
import { mintToken } from '../bench/jwt.js';
import type { RuntimeName } from '../bench/options/choices.js';
import { corePinning, pinnedCommand } from '../bench/process/pinning.js';
import { startEmbeddedServer, type EmbeddedServer } from '../bench/server/embedded.js';
import { floorRunsOf, groupsOf, metricsOf, nativeSinkKey, NATIVE_FLOOR_KEY, procsSample, scaleOf, type Group, type MetricName } from './ab/metrics.js';
import { abSection, type Session } from './ab/report.js';
import { Samples } from './ab/samples.js';
import { positiveNumber, runtimeList, scriptOptions } from './lib/arguments.js';
import { replaceSection } from './lib/benchmarks-md.js';
import { readLoad } from './lib/machine-load.js';
import { BUNDLE, measureCeiling, measureFloor, root, runtime, stopAllChildren } from './lib/ceiling.js';
import { summarizeProfile, type ProfileSummary } from './lib/cpu-profile.js';
import { buildNative, measureNativeFloor, measureNativeFlood, startNativeSink, type NativeSink } from './lib/native.js';

const values = scriptOptions('npm run bench:ab -- [--quick] [--runtimes node,node22,bun] [--repeat K] [--hold-rounds K] [--no-profile] [--no-write] [--json FILE]', {
  quick: { type: 'boolean', default: false },
  runtimes: { type: 'string', default: RUNTIME_NAMES.join(',') },
  repeat: { type: 'string' },
  'no-profile': { type: 'boolean', default: false },
  'no-write': { type: 'boolean', default: false },
  json: { type: 'string' },
  'hold-rounds': { type: 'string' },
});
const quick = values.quick;
const repeat = positiveNumber('repeat', values.repeat ?? (quick ? '1' : '3'), { integer: true });
const runtimes = runtimeList(values.runtimes);
// RSS per connection is a target too, so it gets a median of every round unless told otherwise.
const holdRounds = Math.min(repeat, positiveNumber('hold-rounds', values['hold-rounds'] ?? String(repeat), { integer: true }));
const scale = scaleOf(quick);
const metrics = metricsOf(scale);
const pinning = corePinning();
const MEMORY_CONNECTIONS = quick ? 2000 : 5000;
const DEFAULT_AUTH = { secret: 'bench-secret-key-for-testing-only', issuer: 'wse-bench', audience: 'wse-bench' };

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const labels = new Map(runtimes.map((r) => [r, runtime(r).label]));
const started = Date.now();

const loadBefore = readLoad();
log(`bench:ab: load before: ${loadBefore.uptime}`);

// The native yardstick, where a Rust compiler exists; without one its column is left out.
const nativeBuild = await buildNative().catch((error: Error) => ({ unavailable: `the native build failed: ${error.message.split('\n')[0]}`, binary: undefined }));
if (nativeBuild.unavailable !== undefined) log(`bench:ab: native column left out: ${nativeBuild.unavailable}`);
const groups = groupsOf(scale, holdRounds).filter((g) => !g.nativeSink || nativeBuild.unavailable === undefined);
const floorSinkRuntime: RuntimeName = runtimes.includes('bun') ? 'bun' : runtimes[0] ?? 'node';

/** The embedded server alone, for the whole session: a sink on the core transport, on its own core. */
function startServer(profileDir?: string): Promise<EmbeddedServer> {
  // The server must not be the limit. Measured on this project's 2-core machine, the core server
  // transport in sink mode absorbs the most: ~1.8M msg/s under Bun, ~0.85M under Node 20, against
  // ~0.6M for uWebSockets.js and ~0.95M for Bun.serve (100 connections, 175 B). A CPU profile of the
  // server (--cpu-prof) needs Node.
  const bun = profileDir === undefined ? tryRuntime('bun') : undefined;
  return startEmbeddedServer({
    host: '127.0.0.1', port: 0, ...DEFAULT_AUTH, mode: 'sink', transport: 'core', workers: 1, maxConnections: 100_000, rateLimit: 'off',
    script: BUNDLE,
    ...(bun !== undefined ? { binary: bun } : {}),
    ...(profileDir !== undefined ? { runtimeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
    ...(pinning !== undefined ? { cores: pinning.server } : {}),
  });
}

function tryRuntime(name: RuntimeName): string | undefined {
  try {
    return runtime(name).binary;
  } catch {
    return undefined;
  }
}

/** One `compare` round: its JSON result, or why there is none. */
function compareRound(port: number, args: readonly string[]): Promise<CompareResult | string> {
  return new Promise((resolve) => {
    // its metrics port also drives its fan-out publisher
    const metrics = server.metricsPort === undefined ? [] : ['--metrics-port', String(server.metricsPort)];
    const child = spawn(process.execPath, [BUNDLE, 'compare', '--host', '127.0.0.1', '--port', String(port), ...metrics, '--repeat', '1', '--output', 'json', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out) as CompareResult);
      } catch {
        resolve(`compare exited with code ${code} without a result`);
      }
    });
  });
}

const samples = new Samples();
const errors: string[] = [];
const ceilings = new Map<RuntimeName, number[]>();
const procs: Record<'1' | '2', number[]> & Record<'cpu1' | 'cpu2', number[]> = { 1: [], 2: [], cpu1: [], cpu2: [] };
const memory = new Map<string, Record<'rssKB' | 'heapUsedKB' | 'heapTotalKB' | 'externalKB', number[]>>();

const writers = new Map<RuntimeName | 'native', number[]>();
const addWriter = (who: RuntimeName | 'native', cpuShare: number, framesPerSec: number): void => {
  writers.set(who, [...(writers.get(who) ?? []), (cpuShare / framesPerSec) * 1e9]);
};

/** Every run of one compare round into the samples of its runtime/transport (its own key against the native sink). */
function collect(group: Group, round: number, result: CompareResult | string): void {
  if (typeof result === 'string') {
    errors.push(`${group.name} round ${round}: ${result}`);
    return;
  }
  for (const run of result.runs) {
    const combination = result.combinations.find((c) => c.name === run.combination)!;
    const plain = `${combination.runtime}/${combination.transport}`;
    const key = group.nativeSink ? nativeSinkKey(plain) : plain;
    if (run.result === undefined) {
      errors.push(`${key} ${group.name} round ${round}: ${run.error ?? 'no result'}`);
      continue;
    }
    for (const [name, metric] of Object.entries(metrics) as [MetricName, (typeof metrics)[MetricName]][]) {
      if (metric.groups.includes(group.name)) samples.add(key, name, metric.read(run.result));
    }
  }
}

process.on('SIGINT', () => {
  stopAllChildren();
  process.exit(130);
});

const server = await startServer();
let nativeSink: NativeSink | undefined;
if (nativeBuild.unavailable === undefined) {
  try {
    nativeSink = await startNativeSink(pinning !== undefined ? { cores: pinning.server } : {});
  } catch (error) {
    errors.push(`native sink: ${(error as Error).message}`);
  }
}
const token = await mintToken({ ...DEFAULT_AUTH, subject: 'bench-user' });
const banner = `ws://${server.host}:${server.port}/wse transport=${server.transport} mode=${server.mode} workers=${server.workers} rate-limit=off`;
const serverRuntime = tryRuntime('bun') !== undefined ? runtime('bun').label : runtime('node').label;
log(`bench:ab: ${banner}${pinning ? ` (pinned to core ${pinning.server}; clients on ${pinning.clients})` : ''}`);
try {
  for (let round = 1; round <= repeat; round++) {
    for (const group of groups) {
      if (group.rounds !== undefined && round > group.rounds) continue;
      log(`bench:ab: round ${round}/${repeat} ${group.name}`);
      const transports = group.transports === undefined ? [] : ['--transports', group.transports.join(',')];
      const port = group.nativeSink ? nativeSink?.port : server.port;
      if (port === undefined) continue;
      collect(group, round, await compareRound(port, ['--runtimes', runtimes.join(','), ...transports, '--pin', ...group.args]));
    }
    if (runtimes.includes('node')) {
      for (const count of ['1', '2'] as const) {
        log(`bench:ab: round ${round}/${repeat} --procs ${count} node/core`);
        // Clients not pinned here: two workers may use both cores, which the server shares.
        const result = await compareRound(server.port, ['--runtimes', 'node', '--transports', 'core', '--test', 'throughput', '--tiers', '100', '--duration', scale.durationSec, '--procs', count]);
        const run = typeof result === 'string' ? undefined : result.runs[0]?.result;
        const sample = run === undefined ? undefined : procsSample(run);
        if (sample === undefined) errors.push(`--procs ${count} round ${round}: ${typeof result === 'string' ? result : (result.runs[0]?.error ?? 'no throughput tier')}`);
        else {
          procs[count].push(sample.rate);
          procs[`cpu${count}`].push(sample.cores);
        }
      }
    }
    for (const name of runtimes) {
      for (const run of floorRunsOf(scale)) {
        log(`bench:ab: round ${round}/${repeat} raw-client floor ${name} ${run.connections} conns`);
        try {
          const floor = await measureFloor({ runtime: name, port: server.port, token, connections: run.connections, pings: run.pings, ...(pinning ? { cores: pinning.clients } : {}) });
          for (const [metric, read] of Object.entries(run.metrics) as [MetricName, (f: typeof floor) => number][]) samples.add(`${name}/floor`, metric, read(floor));
        } catch (error) {
          errors.push(`floor ${name} ${run.connections} round ${round}: ${(error as Error).message}`);
        }
      }
    }
    if (nativeBuild.unavailable === undefined) {
      for (const run of floorRunsOf(scale)) {
        log(`bench:ab: round ${round}/${repeat} native floor ${run.connections} conns`);
        try {
          const floor = await measureNativeFloor({ port: server.port, token, connections: run.connections, pings: run.pings, ...(pinning ? { cores: pinning.clients } : {}) });
          for (const [metric, read] of Object.entries(run.metrics) as [MetricName, (f: typeof floor) => number][]) samples.add(NATIVE_FLOOR_KEY, metric, read(floor));
        } catch (error) {
          errors.push(`native floor ${run.connections} round ${round}: ${(error as Error).message}`);
        }
      }
    }
    const ceilingRun = { connections: 100, durationSec: quick ? 2 : 3, warmupSec: 1 };
    for (const name of runtimes) {
      log(`bench:ab: round ${round}/${repeat} ceiling ${name}`);
      try {
        const ceiling = await measureCeiling({ runtime: name, ...ceilingRun });
        ceilings.set(name, [...(ceilings.get(name) ?? []), ceiling.framesPerSec]);
        addWriter(name, ceiling.clientCpuShare, ceiling.framesPerSec);
      } catch (error) {
        errors.push(`ceiling ${name} round ${round}: ${(error as Error).message}`);
      }
    }
    if (nativeBuild.unavailable === undefined) {
      log(`bench:ab: round ${round}/${repeat} native flood writer (into the ${floorSinkRuntime} sink)`);
      try {
        const flood = await measureNativeFlood({ sinkRuntime: floorSinkRuntime, ...ceilingRun });
        addWriter('native', flood.clientCpuShare, flood.framesPerSec);
      } catch (error) {
        errors.push(`native flood round ${round}: ${(error as Error).message}`);
      }
    }
  }
  // Memory of one held connection with garbage collected before and after, raw socket vs sessions.
  if (runtimes.includes('node')) {
    for (let round = 1; round <= Math.min(repeat, 3); round++) {
      for (const mode of ['raw', 'core', 'ws']) {
        log(`bench:ab: round ${round} connection memory ${mode}`);
        const [command, args] = pinnedCommand(pinning?.clients, process.execPath, ['--expose-gc', join(root, '.build/connection-memory.mjs'), '--port', String(server.port), '--token', token, '--mode', mode, '--connections', String(MEMORY_CONNECTIONS)]);
        const run = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
        try {
          const m = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Record<'rssKB' | 'heapUsedKB' | 'heapTotalKB' | 'externalKB', number>;
          const bucket = memory.get(mode) ?? { rssKB: [], heapUsedKB: [], heapTotalKB: [], externalKB: [] };
          for (const key of ['rssKB', 'heapUsedKB', 'heapTotalKB', 'externalKB'] as const) bucket[key].push(m[key]);
          memory.set(mode, bucket);
        } catch {
          errors.push(`connection memory ${mode} round ${round}: ${(run.stderr || run.error?.message || 'no output').trim().split('\n').pop()}`);
        }
      }
    }
  }
} finally {
  await nativeSink?.stop();
  await server.stop();
}

const session: Session = {
  quick, repeat, holdRounds, runtimes, labels, scale, groups, metrics, samples, ceilings, writers, nativeUnavailable: nativeBuild.unavailable, procs, memory, errors,
  banner, serverRuntime, pinning, startedMs: started, load: { before: loadBefore, after: undefined }, profiles: {},
};

// Profile evidence for gaps: one client (and server) CPU profile of each group that missed a target.
if (!values['no-profile'] && runtimes.includes('node')) {
  for (const group of groups.filter((g) => abSection(session).gapGroups.has(g.name))) {
    const dir = mkdtempSync(join(tmpdir(), 'wse-ab-prof-'));
    try {
      log(`bench:ab: profiling ${group.name} (node/core and its server)`);
      // Against the native sink only the client is profiled: the sink is compiled.
      const profiled = group.nativeSink ? await startNativeSink(pinning !== undefined ? { cores: pinning.server } : {}) : await startServer(join(dir, 'server'));
      const [command, args] = pinnedCommand(pinning?.clients, process.execPath, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'client')}`, BUNDLE, '--host', '127.0.0.1', '--port', String(profiled.port), '--transport', 'core', '--output', 'json', ...group.args]);
      spawnSync(command, args, { cwd: root, stdio: 'ignore', timeout: 180_000 });
      await profiled.stop();
      const read = (sub: string): ProfileSummary | undefined => {
        const files = existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => f.endsWith('.cpuprofile')) : [];
        return files[0] === undefined ? undefined : summarizeProfile(join(dir, sub, files[0]), BUNDLE, 8);
      };
      session.profiles[group.name] = { client: read('client'), server: read('server') };
    } catch (error) {
      errors.push(`profile ${group.name}: ${(error as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

session.load.after = readLoad();
log(`bench:ab: load after: ${session.load.after.uptime}`);
const report = abSection(session);
process.stdout.write(`${report.text}\n`);
if (values.json !== undefined) {
  const json = {
    versions: Object.fromEntries(labels), load: session.load, nativeUnavailable: session.nativeUnavailable, samples: samples.toJSON(), ceilings: Object.fromEntries(ceilings),
    writers: Object.fromEntries(writers), procs, memory: Object.fromEntries(memory), verdicts: report.verdicts, native: report.native, costs: report.costs, profiles: session.profiles, errors,
  };
  writeFileSync(values.json, JSON.stringify(json, null, 2));
}
if (!values['no-write']) log(`bench:ab: wrote the A/B section of ${replaceSection('ab', report.lines)}`);
