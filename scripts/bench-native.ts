// `npm run bench:native`: builds the native yardstick (bench/native, Rust, release, offline) into
// .build/native, then runs a short self-check and prints its figures beside the JavaScript ones:
// the native floor beside the JS floor against the embedded core sink, the core client against
// the native sink beside the embedded JS sink, and the native flood writer beside the JS one.
// One round of each: a smoke check that the instrument works here, not figures to publish
// (bench:ab measures in interleaved rounds). Where no Rust compiler exists it says so and exits 0.
//   npm run bench:native -- [--runtime node|node22|bun] [--connections 100] [--pings 20]
import { spawnSync } from 'node:child_process';
import { mintToken } from '../bench/jwt.js';
import type { TierResult } from '../bench/results.js';
import { corePinning, pinnedCommand } from '../bench/process/pinning.js';
import { startEmbeddedServer } from '../bench/server/embedded.js';
import { positiveNumber, runtimeList, scriptOptions } from './lib/arguments.js';
import { BUNDLE, measureCeiling, measureFloor, root, runtime, stopAllChildren } from './lib/ceiling.js';
import { buildNative, findCargo, measureNativeFloor, measureNativeFlood, startNativeSink } from './lib/native.js';

const values = scriptOptions('npm run bench:native -- [--runtime node|node22|bun] [--connections 100] [--pings 20]', { runtime: { type: 'string', default: 'node' }, connections: { type: 'string', default: '100' }, pings: { type: 'string', default: '20' } });
const connections = positiveNumber('connections', values.connections, { integer: true });
const pings = positiveNumber('pings', values.pings, { integer: true });
const [clientRuntime] = runtimeList(values.runtime);
if (clientRuntime === undefined) {
  console.error('bench:native: --runtime needs one of node, node22, bun');
  process.exit(2);
}
const DEFAULT_AUTH = { secret: 'bench-secret-key-for-testing-only', issuer: 'wse-bench', audience: 'wse-bench' };
const log = (line: string): void => void process.stderr.write(`${line}\n`);

if (findCargo() !== undefined) log('bench:native: building bench/native (cargo build --release --offline)…');
const built = await buildNative().catch((error: Error) => {
  console.error(`bench:native: ${error.message}`);
  process.exit(1);
});
if (built.unavailable !== undefined) {
  console.log(`bench:native: ${built.unavailable}; nothing to measure.`);
  process.exit(0);
}
log(`bench:native: built ${built.binary}`);

// Server on the last core, clients on the others, as bench:ab pins them.
const pinning = corePinning();
process.on('SIGINT', () => {
  stopAllChildren();
  process.exit(130);
});

/** The core client's throughput tier against a server. */
function coreThroughput(port: number): TierResult {
  const [cmd, args] = pinnedCommand(pinning?.clients, runtime(clientRuntime!).binary, [BUNDLE, '--host', '127.0.0.1', '--port', String(port), '--transport', 'core', '--test', 'throughput', '--tiers', '100', '--duration', '2', '--output', 'json']);
  const run = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  try {
    return (JSON.parse(run.stdout) as { tests: { tiers: TierResult[] }[] }).tests[0]!.tiers[0]!;
  } catch {
    throw new Error(`the core client failed: ${(run.stderr || run.error?.message || 'no output').trim().split('\n').pop()}`);
  }
}

type Direction = 'lower' | 'higher' | 'info' | 'check';
interface Row {
  section: string;
  metric: string;
  native: number | boolean | undefined;
  js: number | boolean | undefined;
  unit: string;
  direction: Direction;
}
const rows: Row[] = [];
const row = (section: string, metric: string, native: Row['native'], js: Row['js'], unit: string, direction: Direction): void => {
  rows.push({ section, metric, native, js, unit, direction });
};
const ms = (micros: number): number => micros / 1000;
const clientLabel = runtime(clientRuntime).label;

try {
  // The embedded sink under Bun when installed, as bench:ab serves it.
  let serverRuntime: 'bun' | 'node' = 'bun';
  let serverBinary: string;
  try {
    serverBinary = runtime('bun').binary;
  } catch {
    serverRuntime = 'node';
    serverBinary = process.execPath;
  }
  const server = await startEmbeddedServer({
    host: '127.0.0.1', port: 0, ...DEFAULT_AUTH, mode: 'sink', transport: 'core', workers: 1, maxConnections: 100_000, rateLimit: 'off',
    script: BUNDLE, binary: serverBinary, ...(pinning !== undefined ? { cores: pinning.server } : {}),
  });
  const serverLabel = `embedded core sink (${runtime(serverRuntime).label})`;
  try {
    const token = await mintToken({ ...DEFAULT_AUTH, subject: 'bench-user' });
    log(`bench:native: floors against the ${serverLabel}: ${connections} connections × ${pings} pings`);
    const floorOptions = { port: server.port, token, connections, pings, ...(pinning !== undefined ? { cores: pinning.clients } : {}) };
    const native = await measureNativeFloor(floorOptions);
    const js = await measureFloor({ ...floorOptions, runtime: clientRuntime });
    const section = `floor: ${connections} connections × ${pings} pings against the ${serverLabel}`;
    row(section, 'ping p50', ms(native.rttP50Micros), ms(js.rttP50Micros), 'ms', 'lower');
    row(section, 'ping p99', ms(native.rttP99Micros), ms(js.rttP99Micros), 'ms', 'lower');
    row(section, 'connect rate', native.connectRatePerSec, js.connectRatePerSec, 'conn/s', 'higher');
    row(section, 'client CPU, connecting', native.connectCpuShare, js.connectCpuShare, 'cores', 'lower');
    row(section, 'client CPU, pinging', native.pingCpuShare, js.pingCpuShare, 'cores', 'lower');

    log(`bench:native: core client (${clientLabel}) throughput, 100 connections, against the native sink and the ${serverLabel}`);
    const sink = await startNativeSink(pinning !== undefined ? { cores: pinning.server } : {});
    let nativeTier: TierResult;
    try {
      nativeTier = coreThroughput(sink.port);
    } finally {
      await sink.stop();
    }
    const jsTier = coreThroughput(server.port);
    const sinkSection = `sink: the core client (${clientLabel}), throughput 100 connections × 175 B; "JS" = the ${serverLabel}`;
    row(sinkSection, 'delivered', nativeTier.messages?.deliveredPerSec ?? undefined, jsTier.messages?.deliveredPerSec ?? undefined, 'msg/s', 'higher');
    row(sinkSection, 'server CPU', nativeTier.server?.cpuCores, jsTier.server?.cpuCores, 'cores', 'lower');
    row(sinkSection, 'client CPU', nativeTier.client.cpuCores, jsTier.client.cpuCores, 'cores', 'info');
    row(sinkSection, 'server count = client count', nativeTier.consistency?.ok, jsTier.consistency?.ok, '', 'check');
  } finally {
    await server.stop();
  }

  log(`bench:native: flood writers into the ceiling's ${clientLabel} sink, 100 connections, 2 s`);
  const nativeFlood = await measureNativeFlood({ sinkRuntime: clientRuntime, durationSec: 2, warmupSec: 0.5 });
  const jsFlood = await measureCeiling({ runtime: clientRuntime, durationSec: 2, warmupSec: 0.5 });
  const floodSection = `flood: pre-built 183-byte frames over 100 connections into the ceiling's ${clientLabel} sink`;
  row(floodSection, 'delivered frames', nativeFlood.framesPerSec, jsFlood.framesPerSec, 'frames/s', 'higher');
  row(floodSection, 'writer CPU per frame', (nativeFlood.clientCpuShare / nativeFlood.framesPerSec) * 1e9, (jsFlood.clientCpuShare / jsFlood.framesPerSec) * 1e9, 'ns', 'lower');
  row(floodSection, 'sink CPU', nativeFlood.sinkCpuShare, jsFlood.sinkCpuShare, 'cores', 'info');
} catch (error) {
  stopAllChildren();
  console.error(`bench:native: ${(error as Error).message}`);
  process.exit(1);
}

function show(value: Row['native'], unit: string): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  if (unit === 'msg/s' || unit === 'frames/s' || unit === 'conn/s') return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e4 ? `${(value / 1e3).toFixed(0)}K` : value.toFixed(0);
  if (unit === 'ms' || unit === 'cores') return value.toFixed(2);
  return value.toFixed(0);
}

function ratio({ native, js, direction }: Row): string {
  if (typeof native !== 'number' || typeof js !== 'number' || native <= 0 || js <= 0) return '';
  if (direction === 'lower') return `JS ${(js / native).toFixed(2)}× native`;
  if (direction === 'higher') return `JS at ${((js / native) * 100).toFixed(0)} % of native`;
  return '';
}

console.log('bench:native smoke check: ONE round on this machine, to show the instrument works; not figures to publish (bench:ab measures in interleaved rounds).');
console.log(`JS = ${clientLabel}${pinning !== undefined ? `; servers and sinks pinned to core ${pinning.server}, clients to ${pinning.clients}` : ''}.`);
let section: string | undefined;
for (const r of rows) {
  if (r.section !== section) {
    section = r.section;
    console.log(`\n${section}`);
    console.log(`  ${'metric'.padEnd(28)} ${'native'.padStart(10)} ${'JS'.padStart(10)}  ratio`);
  }
  const label = `${r.metric}${r.unit ? ` (${r.unit})` : ''}`;
  console.log(`  ${label.padEnd(28)} ${show(r.native, r.unit).padStart(10)} ${show(r.js, r.unit).padStart(10)}  ${ratio(r)}`);
}
if (rows.some((r) => r.direction === 'check' && (r.native !== true || r.js !== true))) {
  console.error('\nbench:native: the server\'s count disagreed with the client\'s: see the rows marked NO');
  process.exit(1);
}
