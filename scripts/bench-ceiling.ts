// `npm run bench:ceiling`: the raw TCP ceiling of issue 6 — the bytes/s plain net sockets reach
// writing pre-built masked frames of the 175-byte trading message over C loopback connections,
// counted by a plain net sink in its own process. Runs are interleaved across runtimes; prints a
// table (or --json) and updates the ceiling section of BENCHMARKS.md.
//   npm run bench:ceiling -- [--runtimes node,node22,bun] [--connections 100] [--duration 5]
//                            [--warmup 1] [--repeat 3] [--sink-runtime same|node|node22|bun]
//                            [--json] [--no-markdown]
import { cpus, platform, release } from 'node:os';
import { RUNTIME_NAMES } from '../bench/compare/runtime-table.mjs';
import type { RuntimeName } from '../bench/options/choices.js';
import { spread, type Spread } from '../bench/stats/spread.js';
import { positiveNumber, runtimeList, scriptOptions } from './lib/arguments.js';
import { replaceSection } from './lib/benchmarks-md.js';
import { loadLines, readLoad, SESSION_CORES } from './lib/machine-load.js';
import { measureCeiling, runtime, stopAllChildren, type Ceiling } from './lib/ceiling.js';

const values = scriptOptions('npm run bench:ceiling -- [--runtimes node,node22,bun] [--connections 100] [--duration 5] [--warmup 1] [--repeat 3] [--sink-runtime same|node|node22|bun] [--json] [--no-markdown]', {
  runtimes: { type: 'string', default: RUNTIME_NAMES.join(',') },
  connections: { type: 'string', default: '100' },
  duration: { type: 'string', default: '5' },
  warmup: { type: 'string', default: '1' },
  repeat: { type: 'string', default: '3' },
  'sink-runtime': { type: 'string', default: 'same' },
  json: { type: 'boolean', default: false },
  'no-markdown': { type: 'boolean', default: false },
});

const runtimes = runtimeList(values.runtimes);
const connections = positiveNumber('connections', values.connections, { integer: true });
const durationSec = positiveNumber('duration', values.duration);
const warmupSec = positiveNumber('warmup', values.warmup, { zero: true });
const repeat = positiveNumber('repeat', values.repeat, { integer: true });
const sinkChoice: RuntimeName | 'same' = values['sink-runtime'] === 'same' ? 'same' : runtimeList(values['sink-runtime'])[0]!;
let labels: Map<RuntimeName, string>;
try {
  labels = new Map([...runtimes, ...(sinkChoice === 'same' ? [] : [sinkChoice])].map((r) => [r, runtime(r).label]));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const label = (r: RuntimeName): string => labels.get(r)!;

const argv = process.argv.slice(2).join(' ');
const command = `npm run bench:ceiling${argv ? ` -- ${argv}` : ''}`;

// Ctrl-C or a kill: stop every child first (they also exit on their own when our pipe closes).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAllChildren();
    process.exit(130);
  });
}

const progress = (text: string): void => void process.stderr.write(`${text}\n`);

const loadBefore = readLoad();
progress(`load before: ${loadBefore.uptime}`);
// Interleaved: repeat r runs every runtime once, so drift over time hits all runtimes alike.
const runs: (Ceiling & { repeat: number })[] = [];
try {
  for (let r = 1; r <= repeat; r++) {
    for (const client of runtimes) {
      const sinkRuntime = sinkChoice === 'same' ? client : sinkChoice;
      progress(`ceiling ${r}/${repeat} ${label(client)} (sink ${label(sinkRuntime)}): ${connections} connections, ${warmupSec} s warm-up + ${durationSec} s…`);
      const result = await measureCeiling({ runtime: client, sinkRuntime, connections, durationSec, warmupSec });
      progress(`  ${(result.bytesPerSec / 1e6).toFixed(0)} MB/s, ${(result.framesPerSec / 1e6).toFixed(2)}M frames/s`);
      runs.push({ repeat: r, ...result });
    }
  }
} catch (error) {
  stopAllChildren();
  console.error((error as Error).message);
  process.exit(1);
}

const loadAfter = readLoad();
progress(`load after: ${loadAfter.uptime}`);
const spreadOf = (mine: readonly Ceiling[], read: (c: Ceiling) => number): Spread => spread(mine.map(read))!;
const summary = runtimes.map((client) => {
  const mine = runs.filter((run) => run.runtime === client);
  return {
    runtime: client,
    version: label(client),
    sinkVersion: label(mine[0]!.sinkRuntime),
    bytesPerSec: spreadOf(mine, (c) => c.bytesPerSec),
    framesPerSec: spreadOf(mine, (c) => c.framesPerSec),
    clientCpuShare: spreadOf(mine, (c) => c.clientCpuShare),
    sinkCpuShare: spreadOf(mine, (c) => c.sinkCpuShare),
    clientSystemShare: spreadOf(mine, (c) => c.clientSystemShare),
    sinkSystemShare: spreadOf(mine, (c) => c.sinkSystemShare),
  };
});
const machine = { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, os: `${platform()} ${release()}` };
const { frameBytes, burstBytes } = runs[0]!;

const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);
const mega = (count: number): string => (count / 1e6).toFixed(2);
const pct = (share: number): string => `${Math.round(share * 100)} %`;
const cpu = (total: Spread, system: Spread): string => `${pct(total.median)} (${pct(system.median)} sys)`;
const range = (s: Spread, format: (n: number) => string, unit = ''): string => `${format(s.median)}${unit} (${format(s.min)}–${format(s.max)})`;

if (values.json) {
  console.log(JSON.stringify({ schema: 'wse-bench/ceiling@1', date: new Date().toISOString(), command, machine, load: { before: loadBefore, after: loadAfter }, connections, durationSec, warmupSec, repeat, frameBytes, burstBytes, summary, runs }, null, 2));
} else {
  const rows = [['runtime', 'sink', 'delivered MB/s', `frames/s (${frameBytes} B), M`, 'client CPU', 'sink CPU']];
  for (const s of summary) {
    rows.push([s.version, s.sinkVersion, range(s.bytesPerSec, mb), range(s.framesPerSec, mega), cpu(s.clientCpuShare, s.clientSystemShare), cpu(s.sinkCpuShare, s.sinkSystemShare)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  console.log(`median (min–max) of ${repeat} interleaved runs; ${connections} connections; ${durationSec} s after ${warmupSec} s warm-up`);
}

if (!values['no-markdown']) {
  const load = loadLines(loadBefore, loadAfter, SESSION_CORES);
  const file = replaceSection('ceiling', [
    '## Raw TCP ceiling',
    '',
    `What plain \`node:net\` sockets deliver over ${connections} loopback connections when each writes one pre-built`,
    `${(burstBytes / 1024).toFixed(1)} KiB buffer of masked client text frames (the 175-byte trading message, ${frameBytes} bytes on the`,
    'wire) as fast as `write()` accepts it, into a plain `node:net` sink in another process that counts and',
    'discards. Delivered = bytes counted by the sink from the end of warm-up to the last byte received',
    '(checked equal, over the whole run, to the bytes the client wrote). CPU = process CPU time as a share',
    'of one core (median; "sys" = the kernel part of it): a sink near 100 % means the sink side, not the',
    'writer, set the ceiling.',
    '',
    ...load.warning,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}`,
    load.reading,
    `- Runtimes: ${[...new Set(labels.values())].join(', ')}`,
    `- Command: \`${command}\``,
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${durationSec} s measured after ${warmupSec} s warm-up; median (min–max) of ${repeat} interleaved runs`,
    '',
    `| Runtime (client) | Sink | Delivered MB/s | Frames/s (${frameBytes} B) | Client CPU | Sink CPU |`,
    '|---|---|---:|---:|---:|---:|',
    ...summary.map((s) => `| ${s.version} | ${s.sinkVersion} | ${range(s.bytesPerSec, mb)} | ${range(s.framesPerSec, mega, 'M')} | ${cpu(s.clientCpuShare, s.clientSystemShare)} | ${cpu(s.sinkCpuShare, s.sinkSystemShare)} |`),
  ]);
  progress(`updated the ceiling section of ${file}`);
}
