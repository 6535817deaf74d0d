#!/usr/bin/env node
// `npm run bench:native`: builds the native yardstick (bench/native, Rust, release, offline) into
// .build/native, then runs a short self-check and prints its figures beside the JavaScript ones:
// the native floor beside the JS floor against the embedded core server, the core client against
// the native sink beside the embedded JS sink, and the native flood writer beside the JS one.
// One round of each: a smoke check that the instrument works here, not figures to publish
// (bench:ab measures in interleaved rounds). Where no Rust compiler exists it says so and exits 0.
//   node scripts/bench-native.mjs [--runtime node|node22|bun] [--connections 100] [--pings 20]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureCeiling, measureFloor, root, runtimeBinary, runtimeVersion, stopAllChildren } from './lib/ceiling.mjs';
import { buildNative, findCargo, measureNativeFloor, measureNativeFlood, startNativeSink } from './lib/native.mjs';

const BUNDLE = join(root, 'dist/bench.js');
const log = (line) => process.stderr.write(`${line}\n`);

let values;
try {
  ({ values } = parseArgs({ options: { runtime: { type: 'string', default: 'node' }, connections: { type: 'string', default: '100' }, pings: { type: 'string', default: '20' } } }));
} catch (error) {
  console.error(`bench:native: ${error.message}`);
  process.exit(2);
}
const connections = Number(values.connections);
const pings = Number(values.pings);
for (const [name, value] of [['connections', connections], ['pings', pings]]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:native: --${name} must be a whole number ≥ 1, got "${values[name]}"`);
    process.exit(2);
  }
}
try {
  runtimeBinary(values.runtime);
} catch (error) {
  console.error(`bench:native: ${error.message}`);
  process.exit(2);
}

if (findCargo() !== undefined) log('bench:native: building bench/native (cargo build --release --offline)…');
let built;
try {
  built = await buildNative();
} catch (error) {
  console.error(`bench:native: ${error.message}`);
  process.exit(1);
}
if (built.unavailable !== undefined) {
  console.log(`bench:native: ${built.unavailable}; nothing to measure.`);
  process.exit(0);
}
log(`bench:native: built ${built.binary}`);

if (!existsSync(BUNDLE) && spawnSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);

// Server on the last core, clients on the others, as bench:ab pins them.
const hasTaskset = cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
const serverCores = hasTaskset ? String(cpus().length - 1) : undefined;
const clientCores = hasTaskset ? `0-${cpus().length - 2}` : undefined;
const pinned = (cores, bin, args) => (cores === undefined ? [bin, args] : ['taskset', ['-c', cores, bin, ...args]]);

const live = new Set();
process.on('SIGINT', () => {
  for (const child of live) child.kill('SIGKILL');
  stopAllChildren();
  process.exit(130);
});

/** `dist/bench.js serve` in sink mode (under Bun when installed, as bench:ab); resolves with port and token. */
function startEmbeddedServer() {
  const bun = join(root, 'node_modules/bun/bin/bun.exe');
  const runtime = existsSync(bun) ? 'bun' : 'node';
  const [cmd, args] = pinned(serverCores, runtimeBinary(runtime), [BUNDLE, 'serve', '--host', '127.0.0.1', '--port', '0', '--mode', 'sink', '--transport', 'core', '--max-connections', '100000']);
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const port = /ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      const token = /token=(\S+)/.exec(out)?.[1];
      if (port === undefined || token === undefined) return;
      child.stdout.off('data', onData);
      const stop = () => new Promise((done) => {
        child.once('exit', done);
        child.kill('SIGINT');
      }).then(() => live.delete(child));
      resolve({ port: Number(port), token, stop, label: `embedded core sink (${runtimeVersion(runtime)})` });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`the embedded server exited (${code}) before listening: ${out.trim()}`)));
  });
}

/** The core client's throughput tier against a server; resolves with the tier. */
function coreThroughput(port) {
  const [cmd, args] = pinned(clientCores, runtimeBinary(values.runtime), [BUNDLE, '--host', '127.0.0.1', '--port', String(port), '--transport', 'core', '--test', 'throughput', '--tiers', '100', '--duration', '2', '--output', 'json']);
  const run = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  try {
    return JSON.parse(run.stdout).tests[0].tiers[0];
  } catch {
    throw new Error(`the core client failed: ${(run.stderr || run.error?.message || 'no output').trim().split('\n').pop()}`);
  }
}

const clientRuntime = runtimeVersion(values.runtime);
const rows = [];
const row = (section, metric, native, js, unit, format) => rows.push({ section, metric, native, js, unit, format });
const ms = (micros) => micros / 1000;

try {
  const server = await startEmbeddedServer();
  try {
    log(`bench:native: floors against the ${server.label}: ${connections} connections × ${pings} pings`);
    const native = await measureNativeFloor({ port: server.port, token: server.token, connections, pings, cores: clientCores });
    const js = await measureFloor({ runtime: values.runtime, port: server.port, token: server.token, connections, pings, cores: clientCores });
    const section = `floor: ${connections} connections × ${pings} pings against the ${server.label}`;
    row(section, 'ping p50', ms(native.rttP50Micros), ms(js.rttP50Micros), 'ms', 'lower');
    row(section, 'ping p99', ms(native.rttP99Micros), ms(js.rttP99Micros), 'ms', 'lower');
    row(section, 'connect rate', native.connectRatePerSec, js.connectRatePerSec, 'conn/s', 'higher');
    row(section, 'client CPU, connecting', native.connectCpuShare, js.connectCpuShare, 'cores', 'lower');
    row(section, 'client CPU, pinging', native.pingCpuShare, js.pingCpuShare, 'cores', 'lower');

    log(`bench:native: core client (${clientRuntime}) throughput, 100 connections, against the native sink and the ${server.label}`);
    const sink = await startNativeSink({ cores: serverCores });
    let nativeTier;
    try {
      nativeTier = coreThroughput(sink.port);
    } finally {
      await sink.stop();
    }
    const jsTier = coreThroughput(server.port);
    const sinkSection = `sink: the core client (${clientRuntime}), throughput 100 connections × 175 B; "JS" = the ${server.label}`;
    row(sinkSection, 'delivered', nativeTier.messages.deliveredPerSec, jsTier.messages.deliveredPerSec, 'msg/s', 'higher');
    row(sinkSection, 'server CPU', nativeTier.server?.cpuCores, jsTier.server?.cpuCores, 'cores', 'lower');
    row(sinkSection, 'client CPU', nativeTier.client.cpuCores, jsTier.client.cpuCores, 'cores', 'info');
    row(sinkSection, 'server count = client count', nativeTier.consistency?.ok, jsTier.consistency?.ok, '', 'check');
  } finally {
    await server.stop();
  }

  log(`bench:native: flood writers into the ceiling's ${clientRuntime} sink, 100 connections, 2 s`);
  const nativeFlood = await measureNativeFlood({ sinkRuntime: values.runtime, durationSec: 2, warmupSec: 0.5 });
  const jsFlood = await measureCeiling({ runtime: values.runtime, durationSec: 2, warmupSec: 0.5 });
  const floodSection = `flood: pre-built 183-byte frames over 100 connections into the ceiling's ${clientRuntime} sink`;
  row(floodSection, 'delivered frames', nativeFlood.framesPerSec, jsFlood.framesPerSec, 'frames/s', 'higher');
  row(floodSection, 'writer CPU per frame', nativeFlood.clientCpuShare / nativeFlood.framesPerSec * 1e9, jsFlood.clientCpuShare / jsFlood.framesPerSec * 1e9, 'ns', 'lower');
  row(floodSection, 'sink CPU', nativeFlood.sinkCpuShare, jsFlood.sinkCpuShare, 'cores', 'info');
} catch (error) {
  stopAllChildren();
  for (const child of live) child.kill('SIGKILL');
  console.error(`bench:native: ${error.message}`);
  process.exit(1);
}

function show(value, unit) {
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  if (unit === 'msg/s' || unit === 'frames/s' || unit === 'conn/s') return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e4 ? `${(value / 1e3).toFixed(0)}K` : value.toFixed(0);
  if (unit === 'ms' || unit === 'cores') return value.toFixed(2);
  return value.toFixed(0);
}

function ratio({ native, js, format }) {
  if (typeof native !== 'number' || typeof js !== 'number' || native <= 0 || js <= 0) return '';
  if (format === 'lower') return `JS ${(js / native).toFixed(2)}× native`;
  if (format === 'higher') return `JS at ${((js / native) * 100).toFixed(0)} % of native`;
  return '';
}

console.log(`bench:native smoke check: ONE round on this machine, to show the instrument works; not figures to publish (bench:ab measures in interleaved rounds).`);
console.log(`JS = ${clientRuntime}${hasTaskset ? `; servers and sinks pinned to core ${serverCores}, clients to ${clientCores}` : ''}.`);
let section;
for (const r of rows) {
  if (r.section !== section) {
    section = r.section;
    console.log(`\n${section}`);
    console.log(`  ${'metric'.padEnd(28)} ${'native'.padStart(10)} ${'JS'.padStart(10)}  ratio`);
  }
  const label = `${r.metric}${r.unit ? ` (${r.unit})` : ''}`;
  console.log(`  ${label.padEnd(28)} ${show(r.native, r.unit).padStart(10)} ${show(r.js, r.unit).padStart(10)}  ${ratio(r)}`);
}
const broken = rows.filter((r) => r.format === 'check' && (r.native !== true || r.js !== true));
if (broken.length > 0) {
  console.error('\nbench:native: the server\'s count disagreed with the client\'s: see the rows marked NO');
  process.exit(1);
}
