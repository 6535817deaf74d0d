#!/usr/bin/env node
// `npm run bench:ceiling`: the raw TCP ceiling of issue 6 — the bytes/s plain net sockets reach
// writing pre-built masked frames of the 175-byte trading message over C loopback connections,
// counted by a plain net sink in its own process. Runs are interleaved across runtimes; prints a
// table (or --json) and updates the ceiling section of BENCHMARKS.md.
//   node scripts/bench-ceiling.mjs [--runtimes node,node22,bun] [--connections 100] [--duration 5]
//                                  [--warmup 1] [--repeat 3] [--sink-runtime same|node|node22|bun]
//                                  [--json] [--no-markdown]
import { cpus, platform, release } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureCeiling, root, runtimeBinary, runtimeVersion, stopAllChildren } from './lib/ceiling.mjs';

const START = '<!-- ceiling:start -->';
const END = '<!-- ceiling:end -->';

const { values } = parseArgs({
  options: {
    runtimes: { type: 'string', default: 'node,node22,bun' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    'sink-runtime': { type: 'string', default: 'same' },
    json: { type: 'boolean', default: false },
    'no-markdown': { type: 'boolean', default: false },
  },
});

function positive(name, text, { integer = false } = {}) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    console.error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
    process.exit(2);
  }
  return value;
}

const runtimes = values.runtimes.split(',').filter(Boolean);
const connections = positive('connections', values.connections, { integer: true });
const durationSec = positive('duration', values.duration);
const warmupSec = Number(values.warmup) >= 0 ? Number(values.warmup) : positive('warmup', values.warmup);
const repeat = positive('repeat', values.repeat, { integer: true });
const sinkChoice = values['sink-runtime'];
try {
  for (const runtime of runtimes) runtimeBinary(runtime);
  if (sinkChoice !== 'same') runtimeBinary(sinkChoice);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const argv = process.argv.slice(2).join(' ');
const command = process.env.npm_lifecycle_event === 'bench:ceiling'
  ? `npm run bench:ceiling${argv ? ` -- ${argv}` : ''}`
  : `node scripts/bench-ceiling.mjs${argv ? ` ${argv}` : ''}`;

// Ctrl-C or a kill: stop every child first (they also exit on their own when our pipe closes).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAllChildren();
    process.exit(130);
  });
}

const progress = (text) => process.stderr.write(`${text}\n`);
const versions = Object.fromEntries(runtimes.map((runtime) => [runtime, runtimeVersion(runtime)]));
if (sinkChoice !== 'same' && !versions[sinkChoice]) versions[sinkChoice] = runtimeVersion(sinkChoice);

// Interleaved: repeat r runs every runtime once, so drift over time hits all runtimes alike.
const runs = [];
try {
  for (let r = 1; r <= repeat; r++) {
    for (const runtime of runtimes) {
      const sinkRuntime = sinkChoice === 'same' ? runtime : sinkChoice;
      progress(`ceiling ${r}/${repeat} ${versions[runtime]} (sink ${versions[sinkRuntime]}): ${connections} connections, ${warmupSec} s warm-up + ${durationSec} s…`);
      const result = await measureCeiling({ runtime, sinkRuntime, connections, durationSec, warmupSec });
      progress(`  ${(result.bytesPerSec / 1e6).toFixed(0)} MB/s, ${(result.framesPerSec / 1e6).toFixed(2)}M frames/s`);
      runs.push({ repeat: r, ...result });
    }
  }
} catch (error) {
  stopAllChildren();
  console.error(error.message);
  process.exit(1);
}

function spread(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const summary = runtimes.map((runtime) => {
  const mine = runs.filter((run) => run.runtime === runtime);
  return {
    runtime,
    version: versions[runtime],
    sinkVersion: versions[mine[0].sinkRuntime],
    bytesPerSec: spread(mine.map((run) => run.bytesPerSec)),
    framesPerSec: spread(mine.map((run) => run.framesPerSec)),
    clientCpuShare: spread(mine.map((run) => run.clientCpuShare)),
    sinkCpuShare: spread(mine.map((run) => run.sinkCpuShare)),
    clientSystemShare: spread(mine.map((run) => run.clientSystemShare)),
    sinkSystemShare: spread(mine.map((run) => run.sinkSystemShare)),
  };
});
const machine = { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, os: `${platform()} ${release()}` };
const frameBytes = runs[0].frameBytes;
const burstBytes = runs[0].burstBytes;

const mb = (bytes) => (bytes / 1e6).toFixed(0);
const mega = (count) => (count / 1e6).toFixed(2);
const pct = (share) => `${Math.round(share * 100)} %`;
const cpu = (total, system) => `${pct(total.median)} (${pct(system.median)} sys)`;
const range = (s, format, unit = '') => `${format(s.median)}${unit} (${format(s.min)}–${format(s.max)})`;

if (values.json) {
  console.log(JSON.stringify({
    schema: 'wse-bench/ceiling@1',
    date: new Date().toISOString(),
    command,
    machine,
    connections,
    durationSec,
    warmupSec,
    repeat,
    frameBytes,
    burstBytes,
    summary,
    runs,
  }, null, 2));
} else {
  const rows = [['runtime', 'sink', 'delivered MB/s', `frames/s (${frameBytes} B), M`, 'client CPU', 'sink CPU']];
  for (const s of summary) {
    rows.push([s.version, s.sinkVersion, range(s.bytesPerSec, mb), range(s.framesPerSec, mega), cpu(s.clientCpuShare, s.clientSystemShare), cpu(s.sinkCpuShare, s.sinkSystemShare)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  console.log(`median (min–max) of ${repeat} interleaved runs; ${connections} connections; ${durationSec} s after ${warmupSec} s warm-up`);
}

if (!values['no-markdown']) {
  const section = [
    START,
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
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}`,
    `- Runtimes: ${[...new Set(Object.values(versions))].join(', ')}`,
    `- Command: \`${command}\``,
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${durationSec} s measured after ${warmupSec} s warm-up; median (min–max) of ${repeat} interleaved runs`,
    '',
    `| Runtime (client) | Sink | Delivered MB/s | Frames/s (${frameBytes} B) | Client CPU | Sink CPU |`,
    '|---|---|---:|---:|---:|---:|',
    ...summary.map((s) => `| ${s.version} | ${s.sinkVersion} | ${range(s.bytesPerSec, mb)} | ${range(s.framesPerSec, mega, 'M')} | ${cpu(s.clientCpuShare, s.clientSystemShare)} | ${cpu(s.sinkCpuShare, s.sinkSystemShare)} |`),
    END,
  ].join('\n');
  const file = join(root, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const startAt = current.indexOf(START);
  const endAt = current.indexOf(END);
  const next = startAt !== -1 && endAt > startAt
    ? current.slice(0, startAt) + section + current.slice(endAt + END.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  progress(`updated the ceiling section of ${file}`);
}
