// The A/B section of BENCHMARKS.md from a bench:ab session: medians per runtime and transport, the
// issue's targets with their verdicts (and the raw-client floor's best possible ratio), --procs,
// the memory of one held connection and, for targets missed, where the time went.
import { cpus, platform, release } from 'node:os';
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import type { RuntimeName } from '../../bench/options/choices.js';
import type { CorePinning } from '../../bench/process/pinning.js';
import { spread, type Spread } from '../../bench/stats/spread.js';
import { section } from '../lib/benchmarks-md.js';
import type { ProfileSummary } from '../lib/cpu-profile.js';
import type { Group, Metric, MetricName, Scale, Unit } from './metrics.js';
import type { Samples } from './samples.js';

export interface Session {
  quick: boolean;
  repeat: number;
  holdRounds: number;
  runtimes: RuntimeName[];
  /** 'Node 20.20.2', 'Bun 1.4.5'. */
  labels: Map<RuntimeName, string>;
  scale: Scale;
  groups: Group[];
  metrics: Record<MetricName, Metric>;
  samples: Samples;
  /** Raw TCP ceiling, frames/s, per round. */
  ceilings: Map<RuntimeName, number[]>;
  procs: Record<'1' | '2' | 'cpu1' | 'cpu2', number[]>;
  memory: Map<string, Record<'rssKB' | 'heapUsedKB' | 'heapTotalKB' | 'externalKB', number[]>>;
  errors: string[];
  /** The server's URL and settings, as `serve` prints them. */
  banner: string;
  serverRuntime: string;
  pinning: CorePinning | undefined;
  startedMs: number;
  profiles: Partial<Record<Group['name'], { client: ProfileSummary | undefined; server: ProfileSummary | undefined }>>;
}

export interface Verdict {
  target: string;
  runtime: RuntimeName;
  metric: MetricName;
  core: Spread;
  /** The transport compared with, or the ceiling. */
  base?: Spread;
  baselineTransport?: string;
  ceiling?: Spread;
  ratio?: number;
  goal: string;
  goalRatio?: number;
  met: boolean;
  profileGroup: Group['name'] | undefined;
  floor?: Spread;
  floorRatio?: number;
}

function formatNumber(x: number, unit: Unit): string {
  if (unit === 'msg/s' || unit === 'conn/s' || unit === 'frames/s') return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}K` : x.toFixed(0);
  if (unit === 'ms') return x < 10 ? x.toFixed(2) : x.toFixed(1);
  if (unit === 'KB' || unit === 'cores') return x.toFixed(2);
  return x.toFixed(0);
}

/** '1.99M (1.87M–2.31M)'. */
function formatSpread(s: Spread | undefined, unit: Unit): string {
  return s ? `${formatNumber(s.median, unit)} (${formatNumber(s.min, unit)}–${formatNumber(s.max, unit)})` : 'n/a';
}

/** The runtime/transport combinations that ran, in runtime then transport order. */
function combinations(session: Session): { runtime: RuntimeName; transport: string; key: string }[] {
  return session.runtimes.flatMap((runtime) =>
    CLIENT_TRANSPORT_NAMES.map((transport) => ({ runtime, transport, key: `${runtime}/${transport}` })).filter((c) => session.samples.has(c.key)),
  );
}

function verdictsOf(session: Session): Verdict[] {
  const { samples, scale } = session;
  const verdicts: Verdict[] = [];
  const ratioTarget = (target: string, runtime: RuntimeName, metric: MetricName, baselineTransport: string, goal: number, direction: 'higher' | 'lower', profileGroup: Group['name']): void => {
    const core = samples.spread(`${runtime}/core`, metric);
    const base = samples.spread(`${runtime}/${baselineTransport}`, metric);
    if (!core || !base) return;
    const ratio = direction === 'higher' ? core.median / base.median : base.median / core.median;
    // The best ratio any client could show against this baseline: the raw-client floor's.
    const floor = samples.spread(`${runtime}/floor`, metric);
    const verdict: Verdict = { target, runtime, metric, core, base, baselineTransport, ratio, goal: `≥ ${goal}×`, goalRatio: goal, met: ratio >= goal, profileGroup };
    if (floor !== undefined) Object.assign(verdict, { floor, floorRatio: direction === 'higher' ? floor.median / base.median : base.median / floor.median });
    verdicts.push(verdict);
  };
  for (const runtime of session.runtimes) {
    const baselines = CLIENT_TRANSPORT_NAMES.filter((t) => t !== 'core' && samples.has(`${runtime}/${t}`));
    for (const b of baselines) ratioTarget('Throughput 100 conns, 175 B, delivered', runtime, 'throughput', b, 10, 'higher', 'send');
    const core = samples.spread(`${runtime}/core`, 'throughput');
    const ceiling = spread(session.ceilings.get(runtime) ?? []);
    if (core && ceiling) {
      const share = core.median / ceiling.median;
      verdicts.push({ target: 'Throughput vs raw TCP ceiling', runtime, metric: 'throughput', core, ceiling, ratio: share, goal: '≥ 50 % of ceiling', met: share >= 0.5, profileGroup: 'send' });
    }
    const size = samples.spread(`${runtime}/core`, 'size64k');
    if (size) verdicts.push({ target: 'Size matrix 64 KB, 100 conns', runtime, metric: 'size64k', core: size, goal: '≥ 1000 MB/s', met: size.median >= 1000, profileGroup: 'send' });
    for (const b of baselines) {
      for (const [metric, label] of [['pingP50_100', 'Ping p50, 100 conns'], ['pingP99_100', 'Ping p99, 100 conns'], ['pingP50_1000', 'Ping p50, 1,000 conns'], ['pingP99_1000', 'Ping p99, 1,000 conns']] as const) {
        ratioTarget(label, runtime, metric, b, 5, 'lower', metric.endsWith('1000') ? 'c1000' : 'send');
      }
      ratioTarget('Connection storm 1,000', runtime, 'storm1000', b, 2, 'higher', 'c1000');
      ratioTarget(`Connection storm ${scale.stormBig.toLocaleString('en-US')}`, runtime, 'stormBig', b, 2, 'higher', 'storm-big');
    }
    for (const [metric, parse, goal] of [['fanoutNone', 'none', 2e6], ['fanoutJson', 'json', 1e6]] as const) {
      const fanout = samples.spread(`${runtime}/core`, metric);
      if (fanout) verdicts.push({ target: `Fan-out 1,000 subscribers, --parse ${parse}, deliveries/s`, runtime, metric, core: fanout, goal: `≥ ${goal / 1e6}M/s`, met: fanout.median >= goal, profileGroup: `fanout-${parse}` });
    }
    const rss = samples.spread(`${runtime}/core`, 'rssPerConn');
    if (rss) verdicts.push({ target: `RSS per idle connection at ${scale.holdTier.toLocaleString('en-US')}`, runtime, metric: 'rssPerConn', core: rss, goal: '≤ 5 KB', met: rss.median <= 5, profileGroup: undefined });
  }
  return verdicts;
}

export interface AbSection {
  verdicts: Verdict[];
  /** Groups with a Node target missed: their CPU profiles are evidence for the section. */
  gapGroups: Set<Group['name']>;
  /** The section between its markers. */
  lines: string[];
  text: string;
}

export function abSection(session: Session): AbSection {
  const { samples, scale, metrics, labels } = session;
  const verdicts = verdictsOf(session);
  const combos = combinations(session);
  const label = (r: RuntimeName): string => labels.get(r) ?? r;
  const lines: string[] = [];
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const cmd = `npm run bench:ab --${session.quick ? ' --quick' : ''} --runtimes ${session.runtimes.join(',')} --repeat ${session.repeat}${session.holdRounds !== session.repeat ? ` --hold-rounds ${session.holdRounds}` : ''}`;
  const pinned = session.pinning ? `, pinned to core ${session.pinning.server} with \`taskset\`; clients pinned to core ${session.pinning.clients}` : '';
  lines.push('## Core vs ws vs web (issue 6 targets)', '');
  lines.push(`- Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${platform()} ${release()}`);
  lines.push(`- Runtimes: ${session.runtimes.map(label).join(', ')}`);
  lines.push(`- Server: \`${session.banner}\` (embedded, run under ${session.serverRuntime}${pinned})`);
  lines.push(`- Command: \`${cmd}\` (${session.quick ? 'quick profile' : 'full'}; took ${((Date.now() - session.startedMs) / 60000).toFixed(1)} min; ${date} UTC)`);
  lines.push('- Each round, per group: `dist/bench.js compare --host 127.0.0.1 --port <server> --runtimes <r> --pin --repeat 1 --output json` (every runtime × transport, interleaved: `<runtime> dist/bench.js --host … --transport <t> --output json`) plus one of:');
  for (const g of session.groups) {
    const only = [g.transports ? `${g.transports.join(' and ')} only` : '', g.rounds !== undefined && g.rounds < session.repeat ? `${g.rounds} round(s): no median of 3` : ''].filter(Boolean).join(', ');
    lines.push(`  - \`${g.args.join(' ')}\`${only ? ` (${only})` : ''}`);
  }
  lines.push(`- Runs interleaved (every combination once per round, ${session.repeat} round(s)); median (min–max). Ceiling: \`measureCeiling\` of scripts/lib/ceiling.ts, 100 connections, and the raw-client floor: \`measureFloor\`, in the same rounds.`);
  lines.push('- The machine was shared with other work while this ran: absolute numbers vary between runs; ratios of interleaved runs are the point.');
  lines.push('');
  lines.push('### Medians per runtime and transport', '');
  const shown: readonly MetricName[] = ['throughput', 'size64k', 'pingP50_100', 'pingP99_100', 'pingP50_1000', 'pingP99_1000', 'storm1000', 'stormBig', 'rssPerConn', 'fanoutNone', 'fanoutJson'];
  const header: Partial<Record<MetricName, string>> = {
    throughput: 'Throughput msg/s',
    size64k: '64 KB MB/s',
    pingP50_100: 'Ping p50 @100 ms',
    pingP99_100: 'Ping p99 @100 ms',
    pingP50_1000: 'Ping p50 @1K ms',
    pingP99_1000: 'Ping p99 @1K ms',
    storm1000: 'Storm @1K conn/s',
    stormBig: `Storm @${scale.stormBig / 1000}K conn/s`,
    rssPerConn: `RSS/conn @${scale.holdTier / 1000}K KB`,
    fanoutNone: 'Fan-out @1K none deliveries/s',
    fanoutJson: 'Fan-out @1K json deliveries/s',
  };
  lines.push(`| Runtime / transport | ${shown.map((m) => header[m]).join(' | ')} |`);
  lines.push(`|---|${shown.map(() => '---:').join('|')}|`);
  for (const c of combos) lines.push(`| ${label(c.runtime)} / ${c.transport} | ${shown.map((m) => formatSpread(samples.spread(c.key, m), metrics[m].unit)).join(' | ')} |`);
  for (const runtime of session.runtimes) {
    const key = `${runtime}/floor`;
    if (!samples.has(key)) continue;
    lines.push(`| ${label(runtime)} / *raw-client floor* | ${shown.map((m) => (samples.spread(key, m) ? formatSpread(samples.spread(key, m), metrics[m].unit) : '—')).join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    '*Raw-client floor*: bench/ceiling/floor-client.ts under the same runtime, pinned like the clients, against the same server in the same rounds: ' +
      'plain `net` sockets writing a pre-built upgrade request, client_hello and ping frames, reading only frame lengths and the word PONG ' +
      '(same connection counts, batches of 500, same pings per connection; after the same warm-up as the benchmark (--warmup), 1,000 connections opened, pinged and closed, and one untimed round of the pings). It is the server plus the ' +
      'socket syscalls that every client pays: no client can beat it by much, so a baseline ÷ floor ratio under a goal means the goal is out of reach on this machine and server.',
  );
  lines.push('');
  lines.push(`RSS/conn: client RSS growth per added connection from the ${(scale.holdTier / 2).toLocaleString('en-US')}-connection hold to the ${scale.holdTier.toLocaleString('en-US')}-connection one (the marginal cost of a held connection). ` +
    'From the 100-connection hold instead, which also spreads one-time heap growth over the connections: ' +
    combos.filter((c) => samples.spread(c.key, 'rssPerConnFrom100')).map((c) => `${c.key} ${formatSpread(samples.spread(c.key, 'rssPerConnFrom100'), 'KB')} KB`).join('; ') + '.');
  lines.push('');
  lines.push('Throughput CPU (median, cores): ' + combos.map((c) => `${c.key} client ${formatSpread(samples.spread(c.key, 'throughputClientCpu'), 'cores')} / server ${formatSpread(samples.spread(c.key, 'throughputServerCpu'), 'cores')}`).join('; ') + '.');
  lines.push('');
  lines.push('### Targets', '');
  lines.push('| Target | Runtime | core | baseline | Ratio / share | Goal | Met | Raw-client floor | Floor\'s ratio (best any client can show) |');
  lines.push('|---|---|---:|---:|---:|---|---|---:|---:|');
  for (const v of verdicts) {
    const unit = metrics[v.metric].unit;
    const baseline = v.base ? `${v.baselineTransport} ${formatSpread(v.base, unit)}` : v.ceiling ? `ceiling ${formatSpread(v.ceiling, 'frames/s')} frames/s` : '—';
    const ratio = v.ratio === undefined ? '—' : v.base ? `${v.ratio.toFixed(2)}×` : `${(v.ratio * 100).toFixed(0)} %`;
    const floor = v.floor ? formatSpread(v.floor, unit) : '—';
    const floorRatio = v.floorRatio === undefined ? '—' : `${v.floorRatio.toFixed(2)}×${v.floorRatio < (v.goalRatio ?? 0) ? ' (goal out of reach)' : ''}`;
    lines.push(`| ${v.target} | ${label(v.runtime)} | ${formatSpread(v.core, unit)} ${unit} | ${baseline} | ${ratio} | ${v.goal} | ${v.met ? 'met' : '**not met**'} | ${floor} | ${floorRatio} |`);
  }
  const one = spread(session.procs[1]);
  const two = spread(session.procs[2]);
  if (one && two) {
    const ratio = two.median / one.median;
    lines.push(`| --procs 2 vs 1 (core, throughput 100) | ${label('node')} | ${formatSpread(two, 'msg/s')} msg/s | 1 proc ${formatSpread(one, 'msg/s')} | ${ratio.toFixed(2)}× | ≥ 1.8× | ${ratio >= 1.8 ? 'met' : '**not met**'} | — | — |`);
  } else if (session.runtimes.includes('node')) {
    lines.push(`| --procs 2 vs 1 | ${label('node')} | — | — | — | ≥ 1.8× | not measured: the runs failed (see errors) | — | — |`);
  }
  lines.push('');
  if (one && two) {
    lines.push(`--procs: client processes + server used ${formatSpread(spread(session.procs.cpu1), 'cores')} cores with one client process and ${formatSpread(spread(session.procs.cpu2), 'cores')} with two, of ${cpus().length} cores on the machine: ` +
      'a second client process can only add what the server leaves free, so ≥ 1.8× needs more cores than this machine has whenever the server needs most of one.', '');
  }
  if (session.memory.size > 0) {
    const connections = session.quick ? 2000 : 5000;
    lines.push(`### Memory of one held connection (${label('node')}, ${connections.toLocaleString('en-US')} connections, garbage collected before and after)`, '');
    lines.push('`node --expose-gc .build/connection-memory.mjs --mode raw|core|ws` (bench/perf/connection-memory.ts): raw = a plain `net` socket connected to the server and nothing else; core / ws = a WSE session (upgrade, server_ready, client_hello) on that transport.', '');
    lines.push('| Connection | RSS KB | V8 heap used KB | V8 heap total KB | external KB |', '|---|---:|---:|---:|---:|');
    for (const mode of ['raw', 'core', 'ws']) {
      const m = session.memory.get(mode);
      if (!m) continue;
      lines.push(`| ${mode} | ${(['rssKB', 'heapUsedKB', 'heapTotalKB', 'externalKB'] as const).map((k) => formatSpread(spread(m[k]), 'KB')).join(' | ')} |`);
    }
    lines.push('');
  }
  const profiled = Object.entries(session.profiles);
  if (profiled.length > 0) {
    lines.push('### Where the time goes (CPU profiles of a Node 20 core run, top self time)', '');
    for (const [group, p] of profiled) {
      const args = session.groups.find((g) => g.name === group)!.args.join(' ');
      for (const role of ['client', 'server'] as const) {
        const summary = p[role];
        if (!summary) continue;
        lines.push(`- \`${args}\`, ${role} (${(summary.busyShare * 100).toFixed(0)} % of the profile busy): ` + summary.top.map((f) => `${f.name} [${f.module}] ${(f.share * 100).toFixed(1)} %`).join(', '));
      }
    }
    lines.push('');
  }
  if (session.errors.length > 0) {
    lines.push('Errors during the run:', '');
    for (const e of session.errors) lines.push(`- ${e}`);
    lines.push('');
  }
  const gapGroups = new Set(verdicts.filter((v) => !v.met && v.runtime === 'node' && v.profileGroup !== undefined).map((v) => v.profileGroup!));
  return { verdicts, gapGroups, lines, text: section('ab', lines) };
}
