// `npm run soak`: sustained hold of 10,000 connections for 60 s against the embedded server,
// through dist/bench.js, while this script samples the client process's RSS every second from
// /proc/<pid>/status. Passes when survival is 100 %, nothing closed unexpectedly, and the RSS at
// the end of the hold is within 10 % of the RSS after warm-up. Not part of CI (it takes ~2 min).
//   node scripts/soak.mjs [--connections 10000] [--hold 60] [--warmup 10] [--runtime node|node22|bun]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    runtime: { type: 'string', default: 'node' },
  },
});
const runtime = RUNTIME_NAMES.find((name) => name === values.runtime);
const settings = { connections: Number(values.connections), hold: Number(values.hold), warmup: Number(values.warmup), runtime };
if (runtime === undefined || !(settings.connections > 0 && settings.hold > 0 && settings.warmup >= 0)) {
  console.error(`usage: node scripts/soak.mjs [--connections N] [--hold S] [--warmup S] [--runtime ${RUNTIME_NAMES.join('|')}]`);
  process.exit(2);
}
const runtimeBin = runtimeBinaryIn(runtime, join(root, 'node_modules'), process.execPath);
const FLATNESS = 0.1;

if (spawnSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);

/** @param {number | undefined} pid */
function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'wse-soak-'));
const out = join(dir, 'soak.json');
const args = [
  'dist/bench.js', '--test', 'sustained-hold', '--tiers', String(settings.connections), '--hold', String(settings.hold),
  '--max-connections', String(Math.max(settings.connections, 5000)), '--progress', '--output', 'json', '--out', out,
];
console.log(`soak: ${settings.connections} connections held ${settings.hold} s on ${settings.runtime}; sampling client RSS every second`);
const child = spawn(runtimeBin, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
/** @type {number | undefined} */
let holdStartedAt;
/** @type {[number, number][]} [seconds since the hold started (negative before), RSS bytes] */
const samples = [];
child.stderr.setEncoding('utf8').on('data', (chunk) => {
  stderr += chunk;
  if (holdStartedAt === undefined && /sustained-hold: .*holding/.test(stderr)) holdStartedAt = Date.now();
});
const sampler = setInterval(() => {
  const rss = rssBytes(child.pid);
  if (rss !== undefined && holdStartedAt !== undefined) samples.push([(Date.now() - holdStartedAt) / 1000, rss]);
}, 1000);
const onSigint = () => child.kill('SIGINT');
process.on('SIGINT', onSigint);
const code = await new Promise((resolve) => child.once('close', resolve));
clearInterval(sampler);
process.off('SIGINT', onSigint);

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
const unexpected = Object.values(tier.unexpectedCloses).reduce((a, b) => a + b, 0);
const inHold = samples.filter(([t]) => t >= 0 && t <= settings.hold);
const warm = inHold.find(([t]) => t >= settings.warmup);
const end = inHold.at(-1);
const drift = warm && end ? (end[1] - warm[1]) / warm[1] : Number.NaN;
const peak = Math.max(...inHold.map(([, rss]) => rss));

const checks = [
  [`established ${tier.connectionCounts.established} of ${tier.connectionCounts.attempted}`, tier.connectionCounts.established === settings.connections],
  [`survival ${tier.hold.survivalPct.toFixed(2)} % (${tier.hold.disconnects} disconnects)`, tier.hold.survivalPct === 100],
  [`unexpected closes ${unexpected} ${JSON.stringify(tier.unexpectedCloses)}`, unexpected === 0],
  [`PONGs ${tier.hold.pongsReceived} of ${tier.hold.pingsSent} pings`, tier.hold.pongsReceived === tier.hold.pingsSent],
  [
    warm && end
      ? `client RSS after ${warm[0].toFixed(0)} s warm-up ${mb(warm[1])}, at ${end[0].toFixed(0)} s ${mb(end[1])} (${(drift * 100).toFixed(1)} %, peak ${mb(peak)}, ${(warm[1] / settings.connections / 1024).toFixed(1)} KB/connection)`
      : `client RSS: too few samples (${inHold.length})`,
    Math.abs(drift) <= FLATNESS,
  ],
  [`run ${tier.partial === undefined ? 'complete' : `partial: ${tier.partial}`}, exit ${code}`, tier.partial === undefined && code === 0],
];
for (const [text, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${text}`);
console.log(`ping p50 ${(tier.latency.p50 / 1000).toFixed(2)} ms, p99 ${(tier.latency.p99 / 1000).toFixed(2)} ms; p50 by interval (ms): ${tier.hold.p50ByInterval.map((/** @type {number} */ v) => (v / 1000).toFixed(1)).join(' ')}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
