// The A/B section of BENCHMARKS.md from a bench:ab session: the machine's load, medians per runtime
// and transport (latency and connections; throughput against both sinks with the client's CPU per
// message), issue 14's targets against the native yardstick, issue 6's against ws and the
// runtime's WebSocket, --procs, the memory of one held connection and, for targets missed, where
// the time went.
import { cpus, platform, release } from 'node:os';
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import type { RuntimeName } from '../../bench/options/choices.js';
import { spread, type Spread } from '../../bench/stats/spread.js';
import { section } from '../lib/benchmarks-md.js';
import { loadLines, SESSION_CORES } from '../lib/machine-load.js';
import { nativeSinkKey, NATIVE_FLOOR_KEY, type Group, type MetricName, type Unit } from './metrics.js';
import { issue14Verdicts, issue15Verdicts, issue6Verdicts, RUST_CLIENT, type CostVerdict, type NativeVerdict, type Session, type Verdict } from './targets.js';

export type { Session } from './targets.js';

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

const times = (ratio: number | undefined): string => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);
const verdict = (met: boolean | undefined): string => (met === undefined ? '—' : met ? 'met' : '**not met**');

/** The runtime/transport combinations that ran against `sink`, in runtime then transport order. */
function combinations(session: Session, sink: 'js' | 'native'): { runtime: RuntimeName; transport: string; key: string }[] {
  return session.runtimes.flatMap((runtime) =>
    CLIENT_TRANSPORT_NAMES.map((transport) => {
      const key = `${runtime}/${transport}`;
      return { runtime, transport, key: sink === 'js' ? key : nativeSinkKey(key) };
    }).filter((c) => session.samples.has(c.key)),
  );
}

export interface AbSection {
  verdicts: Verdict[];
  native: NativeVerdict[];
  costs: CostVerdict[];
  /** Groups with a Node target missed: their CPU profiles are evidence for the section. */
  gapGroups: Set<Group['name']>;
  /** The section between its markers. */
  lines: string[];
  text: string;
}

function header(session: Session, lines: string[]): void {
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const cmd = `npm run bench:ab --${session.quick ? ' --quick' : ''} --runtimes ${session.runtimes.join(',')} --repeat ${session.repeat}${session.holdRounds !== session.repeat ? ` --hold-rounds ${session.holdRounds}` : ''}`;
  const pinned = session.pinning ? `, pinned to core ${session.pinning.server} with \`taskset\`; clients pinned to core ${session.pinning.clients}` : '';
  const load = loadLines(session.load.before, session.load.after, SESSION_CORES);
  lines.push('## Core against ws, the runtime\'s WebSocket and the native yardstick (issues 6 and 14)', '', ...load.warning);
  lines.push(`- Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${platform()} ${release()}`);
  lines.push(load.reading);
  lines.push(`- Runtimes: ${session.runtimes.map(label).join(', ')}`);
  lines.push(`- Server: \`${session.banner}\` (embedded, run under ${session.serverRuntime}${pinned})`);
  lines.push(
    session.nativeUnavailable === undefined
      ? '- Native yardstick (bench/native, built by `npm run bench:native`): its floor against the same server, its sink as the server of the throughput runs marked "native sink" (pinned like the embedded server), and its flood writer, in the same rounds.'
      : `- Native yardstick: left out (${session.nativeUnavailable}).`,
  );
  lines.push(`- Command: \`${cmd}\` (${session.quick ? 'quick profile' : 'full'}; took ${((Date.now() - session.startedMs) / 60000).toFixed(1)} min; ${date} UTC)`);
  lines.push('- Each round, per group: `dist/bench.js compare --host 127.0.0.1 --port <server> --runtimes <r> --pin --repeat 1 --output json` (every runtime × transport, interleaved: `<runtime> dist/bench.js --host … --transport <t> --output json`) plus one of:');
  for (const g of session.groups) {
    const only = [g.nativeSink ? 'against the native sink' : '', g.transports ? `${g.transports.join(' and ')} only` : '', g.rounds !== undefined && g.rounds < session.repeat ? `${g.rounds} round(s): no median of 3` : ''].filter(Boolean).join(', ');
    lines.push(`  - \`${g.args.join(' ')}\`${only ? ` (${only})` : ''}`);
  }
  lines.push(`- Runs interleaved (every combination once per round, ${session.repeat} round(s)); median (min–max). Ceiling: \`measureCeiling\` of scripts/lib/ceiling.ts, 100 connections, and the raw-client floors (\`measureFloor\`, \`measureNativeFloor\`), in the same rounds.`);
  lines.push('');
}

function latencyTable(session: Session, lines: string[]): void {
  const { samples, scale, metrics } = session;
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  lines.push('### Latency, connection setup and memory: medians per runtime and transport', '');
  const shown: readonly MetricName[] = ['pingP50_100', 'pingP99_100', 'pingP50_1000', 'pingP99_1000', 'storm1000', 'stormBig', 'rssPerConn'];
  const names: Partial<Record<MetricName, string>> = {
    pingP50_100: 'Ping p50 @100 ms', pingP99_100: 'Ping p99 @100 ms', pingP50_1000: 'Ping p50 @1K ms', pingP99_1000: 'Ping p99 @1K ms',
    storm1000: 'Storm @1K conn/s', stormBig: `Storm @${scale.stormBig / 1000}K conn/s`, rssPerConn: `RSS/conn @${scale.holdTier / 1000}K KB`,
  };
  const row = (name: string, key: string): string => `| ${name} | ${shown.map((m) => (samples.spread(key, m) ? formatSpread(samples.spread(key, m), metrics[m].unit) : '—')).join(' | ')} |`;
  lines.push(`| Runtime / transport | ${shown.map((m) => names[m]).join(' | ')} |`, `|---|${shown.map(() => '---:').join('|')}|`);
  for (const c of combinations(session, 'js')) lines.push(row(`${label(c.runtime)} / ${c.transport}`, c.key));
  for (const runtime of session.runtimes) if (samples.has(`${runtime}/floor`)) lines.push(row(`${label(runtime)} / *JS floor*`, `${runtime}/floor`));
  if (samples.has(NATIVE_FLOOR_KEY)) lines.push(row('*native floor* (Rust)', NATIVE_FLOOR_KEY));
  lines.push('');
  lines.push(
    '*JS floor*: bench/ceiling/floor-client.ts under the same runtime, pinned like the clients, against the same server in the same rounds: plain `net` sockets writing a pre-built upgrade request, client_hello and ping frames, reading only frame lengths and the word PONG (same connection counts, batches of 500, same pings per connection; after the same warm-up as the benchmark, 1,000 connections opened, pinged and closed, and one untimed round of the pings). ' +
      '*Native floor*: the same in compiled code (bench/native, one epoll loop). Both are the server plus the socket syscalls that every client pays.',
  );
  lines.push('');
  lines.push(`RSS/conn: client RSS growth per added connection from the ${(scale.holdTier / 2).toLocaleString('en-US')}-connection hold to the ${scale.holdTier.toLocaleString('en-US')}-connection one (the marginal cost of a held connection). From the 100-connection hold instead, which also spreads one-time heap growth over the connections: ` +
    combinations(session, 'js').filter((c) => samples.spread(c.key, 'rssPerConnFrom100')).map((c) => `${c.key} ${formatSpread(samples.spread(c.key, 'rssPerConnFrom100'), 'KB')} KB`).join('; ') + '.');
  lines.push('');
}

function throughputTable(session: Session, lines: string[]): void {
  const { samples } = session;
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  lines.push('### Throughput (100 connections): medians per runtime, transport and sink', '');
  lines.push('| Runtime / transport | Sink | Delivered msg/s (175 B) | Client CPU per message | 64 KB MB/s | Client CPU per 64 KB message | Client CPU | Sink CPU |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const sink of ['native', 'js'] as const) {
    for (const c of combinations(session, sink)) {
      const cells = [
        formatSpread(samples.spread(c.key, 'throughput'), 'msg/s'), `${formatSpread(samples.spread(c.key, 'cpuPerMsg'), 'ns')} ns`,
        formatSpread(samples.spread(c.key, 'size64k'), 'MB/s'), `${formatSpread(samples.spread(c.key, 'cpuPerMsg64k'), 'ns')} ns`,
        `${formatSpread(samples.spread(c.key, 'throughputClientCpu'), 'cores')} cores`, `${formatSpread(samples.spread(c.key, 'throughputServerCpu'), 'cores')} cores`,
      ];
      lines.push(`| ${label(c.runtime)} / ${c.transport} | ${sink === 'native' ? 'native' : `JS (${session.serverRuntime} core sink)`} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  const writers = [...session.runtimes, 'native' as const].map((w) => [w, spread(session.writers.get(w) ?? [])] as const).filter(([, s]) => s !== undefined);
  if (writers.length > 0) {
    lines.push(`Raw writers' CPU per 183-byte frame in the same rounds (pre-built masked frames written over 100 plain sockets, as fast as they are taken; bench/ceiling): ${writers.map(([w, s]) => `${w === 'native' ? 'native flood' : `${label(w)} JS writer`} ${formatSpread(s, 'ns')} ns`).join('; ')}. ` +
      'Client CPU per message: the client process\'s CPU time over the measured phase ÷ messages delivered (behind the PONG barrier). Against the native sink the client is the limit; against the JS sink, the sink.');
    lines.push('');
  }
}

function issue14Tables(session: Session, native: NativeVerdict[], costs: CostVerdict[], lines: string[]): void {
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  lines.push('### Issue 14 targets: core against the native yardstick', '');
  if (session.nativeUnavailable !== undefined) lines.push(`The native column is left out: ${session.nativeUnavailable}.`, '');
  lines.push(`The Rust client's figures are WSE's own Rust benchmark client (tokio-tungstenite) as issue 14 measured it on a quiet machine (p50/p99 ${RUST_CLIENT.pingP50_100}/${RUST_CLIENT.pingP99_100} ms at 100 connections, ${RUST_CLIENT.pingP50_1000}/${RUST_CLIENT.pingP99_1000} ms at 1,000; storm ${RUST_CLIENT.storm1000.toLocaleString('en-US')} / ${RUST_CLIENT.storm5000.toLocaleString('en-US')} conn/s): absolute figures from another run, comparable only when this one ran on a quiet machine.`, '');
  lines.push('| Target | Runtime | core | native floor | core ÷ native | Goal | Met | Rust client | At or better than Rust | core ÷ ws | core ÷ JS floor |', '|---|---|---:|---:|---:|---|---|---:|---|---:|---:|');
  for (const v of native) {
    const unit = session.metrics[v.metric].unit;
    lines.push(`| ${v.target} | ${label(v.runtime)} | ${formatSpread(v.core, unit)} ${unit} | ${formatSpread(v.native, unit)} | ${times(v.ratio)} | ${v.goal} | ${verdict(v.met)} | ${v.rust === undefined ? '—' : formatNumber(v.rust, unit)} | ${verdict(v.rustMet)} | ${times(v.wsRatio)} | ${times(v.floorRatio)} |`);
  }
  lines.push('');
  lines.push('| Target | Runtime | core | JS writer per frame | native writer per frame | Ratio | Goal | Met |', '|---|---|---:|---:|---:|---:|---|---|');
  for (const v of costs) {
    lines.push(`| ${v.target} | ${label(v.runtime)} | ${formatSpread(v.core, v.unit)} ${v.unit} | ${v.jsWriter ? `${formatSpread(v.jsWriter, 'ns')} ns` : '—'} | ${v.nativeWriter ? `${formatSpread(v.nativeWriter, 'ns')} ns` : '—'} | ${times(v.ratio)} | ${v.goal} | ${verdict(v.met)} |`);
  }
  lines.push('');
}

function issue6Table(session: Session, verdicts: Verdict[], lines: string[]): void {
  const { metrics } = session;
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  lines.push('### Issue 6 targets: core against ws and the runtime\'s WebSocket', '');
  lines.push('| Target | Runtime | core | baseline | Ratio / share | Goal | Met | JS floor | Floor\'s ratio (best any client can show) |', '|---|---|---:|---:|---:|---|---|---:|---:|');
  for (const v of verdicts) {
    const unit = metrics[v.metric].unit;
    const baseline = v.base ? `${v.baselineTransport} ${formatSpread(v.base, unit)}` : v.ceiling ? `ceiling ${formatSpread(v.ceiling, 'frames/s')} frames/s` : '—';
    const ratio = v.ratio === undefined ? '—' : v.base ? `${v.ratio.toFixed(2)}×` : `${(v.ratio * 100).toFixed(0)} %`;
    const floorRatio = v.floorRatio === undefined ? '—' : `${v.floorRatio.toFixed(2)}×${v.floorRatio < (v.goalRatio ?? 0) ? ' (goal out of reach)' : ''}`;
    lines.push(`| ${v.target} | ${label(v.runtime)} | ${formatSpread(v.core, unit)} ${unit} | ${baseline} | ${ratio} | ${v.goal} | ${verdict(v.met)} | ${v.floor ? formatSpread(v.floor, unit) : '—'} | ${floorRatio} |`);
  }
  const one = spread(session.procs[1]);
  const two = spread(session.procs[2]);
  if (one && two) {
    const ratio = two.median / one.median;
    lines.push(`| --procs 2 vs 1 (core, throughput 100) | ${label('node')} | ${formatSpread(two, 'msg/s')} msg/s | 1 proc ${formatSpread(one, 'msg/s')} | ${ratio.toFixed(2)}× | ≥ 1.8× | ${verdict(ratio >= 1.8)} | — | — |`);
    lines.push('', `--procs: client processes + server used ${formatSpread(spread(session.procs.cpu1), 'cores')} cores with one client process and ${formatSpread(spread(session.procs.cpu2), 'cores')} with two, of ${cpus().length} cores on the machine: ` +
      'a second client process can only add what the server leaves free, so ≥ 1.8× needs more cores than this machine has whenever the server needs most of one.');
  } else if (session.runtimes.includes('node')) {
    lines.push(`| --procs 2 vs 1 | ${label('node')} | — | — | — | ≥ 1.8× | not measured: the runs failed (see errors) | — | — |`);
  }
  lines.push('');
}

function fanoutTable(session: Session, verdicts: Verdict[], lines: string[]): void {
  const { samples } = session;
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  const rows = combinations(session, 'js').filter((c) => samples.has(c.key) && (samples.spread(c.key, 'fanoutNone') || samples.spread(c.key, 'fanoutJson')));
  if (rows.length === 0) return;
  lines.push('### Fan-out (issue 15): deliveries/s received from the embedded server\'s publisher, 1,000 subscribers', '');
  lines.push('| Runtime / transport | --parse none | --parse json |', '|---|---:|---:|');
  for (const c of rows) lines.push(`| ${label(c.runtime)} / ${c.transport} | ${formatSpread(samples.spread(c.key, 'fanoutNone'), 'msg/s')} | ${formatSpread(samples.spread(c.key, 'fanoutJson'), 'msg/s')} |`);
  lines.push('');
  for (const v of verdicts) lines.push(`- ${v.target}, ${label(v.runtime)}: core ${formatSpread(v.core, 'msg/s')} deliveries/s, goal ${v.goal}: ${verdict(v.met)}`);
  lines.push('');
}

function evidence(session: Session, lines: string[]): void {
  const label = (r: RuntimeName): string => session.labels.get(r) ?? r;
  if (session.memory.size > 0) {
    const connections = session.quick ? 2000 : 5000;
    lines.push(`### Memory of one held connection (${label('node')}, ${connections.toLocaleString('en-US')} connections, garbage collected before and after)`, '');
    lines.push('`node --expose-gc .build/connection-memory.mjs --mode raw|core|ws` (bench/perf/connection-memory.ts): raw = a plain `net` socket connected to the server and nothing else; core / ws = a WSE session (upgrade, server_ready, client_hello) on that transport.', '');
    lines.push('| Connection | RSS KB | V8 heap used KB | V8 heap total KB | external KB |', '|---|---:|---:|---:|---:|');
    for (const mode of ['raw', 'core', 'ws']) {
      const m = session.memory.get(mode);
      if (m) lines.push(`| ${mode} | ${(['rssKB', 'heapUsedKB', 'heapTotalKB', 'externalKB'] as const).map((k) => formatSpread(spread(m[k]), 'KB')).join(' | ')} |`);
    }
    lines.push('');
  }
  const profiled = Object.entries(session.profiles);
  if (profiled.length > 0) {
    lines.push('### Where the time goes (CPU profiles of a Node 20 core run, top self time)', '');
    for (const [group, p] of profiled) {
      const g = session.groups.find((candidate) => candidate.name === group)!;
      for (const role of ['client', 'server'] as const) {
        const summary = p[role];
        if (!summary) continue;
        lines.push(`- \`${g.args.join(' ')}\`${g.nativeSink ? ' (native sink)' : ''}, ${role} (${(summary.busyShare * 100).toFixed(0)} % of the profile busy): ` + summary.top.map((f) => `${f.name} [${f.module}] ${(f.share * 100).toFixed(1)} %`).join(', '));
      }
    }
    lines.push('');
  }
  if (session.errors.length > 0) {
    lines.push('Errors during the run:', '');
    for (const e of session.errors) lines.push(`- ${e}`);
    lines.push('');
  }
}

export function abSection(session: Session): AbSection {
  const verdicts = issue6Verdicts(session);
  const { native, costs } = issue14Verdicts(session);
  const fanout = issue15Verdicts(session);
  const lines: string[] = [];
  header(session, lines);
  latencyTable(session, lines);
  throughputTable(session, lines);
  issue14Tables(session, native, costs, lines);
  issue6Table(session, verdicts, lines);
  fanoutTable(session, fanout, lines);
  evidence(session, lines);
  const gapGroups = new Set<Group['name']>([
    ...[...verdicts, ...fanout].filter((v) => !v.met && v.runtime === 'node' && v.profileGroup !== undefined).map((v) => v.profileGroup!),
    ...native.filter((v) => v.met === false && v.runtime === 'node').map((v) => v.profileGroup),
    ...(costs.some((v) => !v.met && v.runtime === 'node' && v.unit !== 'KB') ? (['send-native'] as const) : []),
  ]);
  return { verdicts: [...verdicts, ...fanout], native, costs, gapGroups, lines, text: section('ab', lines) };
}
