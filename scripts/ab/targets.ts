// The targets a bench:ab session is judged against, with their verdicts: issue 6's (core against
// ws and the runtime's WebSocket, with the JavaScript floor's best possible ratio) and issue 14's
// (core against the native yardstick: its floor for latency and connection setup, the raw writers'
// CPU per frame for throughput, and the Rust client's published figures).
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import type { RuntimeName } from '../../bench/options/choices.js';
import type { CorePinning } from '../../bench/process/pinning.js';
import { spread, type Spread } from '../../bench/stats/spread.js';
import type { ProfileSummary } from '../lib/cpu-profile.js';
import type { LoadReading } from '../lib/machine-load.js';
import { nativeSinkKey, NATIVE_FLOOR_KEY, type Group, type Metric, type MetricName, type Scale } from './metrics.js';
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
  /** The raw writers' CPU per frame, ns, per round: the ceiling's JS writer per runtime, and 'native' (the native flood). */
  writers: Map<RuntimeName | 'native', number[]>;
  /** Why the native yardstick was left out (no Rust compiler), when it was. */
  nativeUnavailable: string | undefined;
  procs: Record<'1' | '2' | 'cpu1' | 'cpu2', number[]>;
  memory: Map<string, Record<'rssKB' | 'heapUsedKB' | 'heapTotalKB' | 'externalKB', number[]>>;
  errors: string[];
  /** The server's URL and settings, as `serve` prints them. */
  banner: string;
  serverRuntime: string;
  pinning: CorePinning | undefined;
  startedMs: number;
  load: { before: LoadReading; after: LoadReading | undefined };
  profiles: Partial<Record<Group['name'], { client: ProfileSummary | undefined; server: ProfileSummary | undefined }>>;
}

/** Issue 6: core against a baseline transport (or the raw TCP ceiling). */
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

/** Issue 14: core against the native yardstick (and the Rust client's figures where there are some). */
export interface NativeVerdict {
  target: string;
  runtime: RuntimeName;
  metric: MetricName;
  core: Spread;
  /** The native floor's figure (latency, connection rate). */
  native: Spread | undefined;
  /** core ÷ native. */
  ratio: number | undefined;
  goal: string;
  /** undefined: the native column was left out. */
  met: boolean | undefined;
  /** The Rust client's figure from issue 14 (its quiet machine), and whether core is at or better than it. */
  rust: number | undefined;
  rustMet: boolean | undefined;
  /** core ÷ ws and core ÷ the JS floor, beside. */
  wsRatio: number | undefined;
  floorRatio: number | undefined;
  profileGroup: Group['name'];
}

/** Issue 14: the client's CPU per delivered message against the raw writers' CPU per frame, and the other throughput-side goals. */
export interface CostVerdict {
  target: string;
  runtime: RuntimeName;
  unit: 'ns' | 'MB/s' | 'KB';
  core: Spread;
  /** The ceiling's JS writer and the native flood, ns per frame, for the CPU target. */
  jsWriter?: Spread;
  nativeWriter?: Spread;
  ratio?: number;
  goal: string;
  met: boolean;
}

/**
 * WSE's Rust benchmark client (tokio-tungstenite), as issue 14 measured it on a quiet 2-core
 * machine (pinned, medians of 3): absolute figures for reference, not measured in this run.
 */
export const RUST_CLIENT = { pingP50_100: 0.72, pingP99_100: 2.5, pingP50_1000: 5.65, pingP99_1000: 17.4, storm1000: 11_400, storm5000: 10_600 } as const;

const LATENCY_TARGETS = [
  ['pingP50_100', 'Ping p50, 100 conns', 'send'],
  ['pingP99_100', 'Ping p99, 100 conns', 'send'],
  ['pingP50_1000', 'Ping p50, 1,000 conns', 'c1000'],
  ['pingP99_1000', 'Ping p99, 1,000 conns', 'c1000'],
] as const;

/** Goals of issue 14: latency within 1.25× of native, connection rate at least 0.9× native, CPU per message within 2× the writer's. */
export const NATIVE_LATENCY_GOAL = 1.25;
export const NATIVE_STORM_GOAL = 0.9;
export const WRITER_CPU_GOAL = 2;

function ratioOf(a: Spread | undefined, b: Spread | undefined): number | undefined {
  return a === undefined || b === undefined || b.median === 0 ? undefined : a.median / b.median;
}

export function issue6Verdicts(session: Session): Verdict[] {
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
    for (const b of baselines) {
      for (const [metric, label, group] of LATENCY_TARGETS) ratioTarget(label, runtime, metric, b, 5, 'lower', group);
      ratioTarget('Connection storm 1,000', runtime, 'storm1000', b, 2, 'higher', 'c1000');
      ratioTarget(`Connection storm ${scale.stormBig.toLocaleString('en-US')}`, runtime, 'stormBig', b, 2, 'higher', 'storm-big');
    }
  }
  return verdicts;
}

/** Issue 15's goals: deliveries/s a core client receives from 1,000 subscribers' worth of fan-out. */
export const FANOUT_GOALS = [
  ['fanoutNone', 'none', 2e6],
  ['fanoutJson', 'json', 1e6],
] as const;

export function issue15Verdicts(session: Session): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const runtime of session.runtimes) {
    for (const [metric, parse, goal] of FANOUT_GOALS) {
      const core = session.samples.spread(`${runtime}/core`, metric);
      if (core === undefined) continue;
      const profileGroup = `fanout-${parse}` as const;
      verdicts.push({ target: `Fan-out to 1,000 subscribers, --parse ${parse}`, runtime, metric, core, goal: `≥ ${goal / 1e6}M deliveries/s`, met: core.median >= goal, profileGroup });
    }
  }
  return verdicts;
}

export function issue14Verdicts(session: Session): { native: NativeVerdict[]; costs: CostVerdict[] } {
  const { samples, scale } = session;
  const native: NativeVerdict[] = [];
  const costs: CostVerdict[] = [];
  const stormTargets = [
    ['storm1000', 'Connection storm 1,000', 'c1000', RUST_CLIENT.storm1000],
    ['stormBig', `Connection storm ${scale.stormBig.toLocaleString('en-US')}`, 'storm-big', scale.stormBig === 5000 ? RUST_CLIENT.storm5000 : undefined],
  ] as const;
  for (const runtime of session.runtimes) {
    const judge = (metric: MetricName, target: string, profileGroup: Group['name'], direction: 'lower' | 'higher', rust: number | undefined): void => {
      const core = samples.spread(`${runtime}/core`, metric);
      if (core === undefined) return;
      const nativeFloor = samples.spread(NATIVE_FLOOR_KEY, metric);
      const ratio = ratioOf(core, nativeFloor);
      const met = ratio === undefined ? undefined : direction === 'lower' ? ratio <= NATIVE_LATENCY_GOAL : ratio >= NATIVE_STORM_GOAL;
      native.push({
        target, runtime, metric, core, native: nativeFloor, ratio, met, profileGroup,
        goal: direction === 'lower' ? `≤ ${NATIVE_LATENCY_GOAL}× native` : `≥ ${NATIVE_STORM_GOAL}× native`,
        rust,
        rustMet: rust === undefined ? undefined : direction === 'lower' ? core.median <= rust : core.median >= rust,
        wsRatio: ratioOf(core, samples.spread(`${runtime}/ws`, metric)),
        floorRatio: ratioOf(core, samples.spread(`${runtime}/floor`, metric)),
      });
    };
    for (const [metric, label, group] of LATENCY_TARGETS) judge(metric, label, group, 'lower', RUST_CLIENT[metric]);
    for (const [metric, label, group, rust] of stormTargets) judge(metric, label, group, 'higher', rust);

    // The client is the limit against the native sink: its CPU per message against the raw writer's per frame.
    const cpu = samples.spread(nativeSinkKey(`${runtime}/core`), 'cpuPerMsg');
    const jsWriter = spread(session.writers.get(runtime) ?? []);
    const nativeWriter = spread(session.writers.get('native') ?? []);
    if (cpu !== undefined && jsWriter !== undefined) {
      const ratio = cpu.median / jsWriter.median;
      costs.push({ target: 'Throughput 100 conns, 175 B (native sink): client CPU per delivered message', runtime, unit: 'ns', core: cpu, jsWriter, ...(nativeWriter ? { nativeWriter } : {}), ratio, goal: `≤ ${WRITER_CPU_GOAL}× the JS writer's per frame`, met: ratio <= WRITER_CPU_GOAL });
    }
    for (const [key, sink] of [[nativeSinkKey(`${runtime}/core`), 'native sink'], [`${runtime}/core`, 'JS sink']] as const) {
      const size = samples.spread(key, 'size64k');
      if (size) costs.push({ target: `64 KB messages, 100 conns (${sink})`, runtime, unit: 'MB/s', core: size, goal: '≥ 1000 MB/s', met: size.median >= 1000 });
    }
    const rss = samples.spread(`${runtime}/core`, 'rssPerConn');
    if (rss) costs.push({ target: `RSS per held connection (${(scale.holdTier / 2).toLocaleString('en-US')} → ${scale.holdTier.toLocaleString('en-US')})`, runtime, unit: 'KB', core: rss, goal: '≤ 5 KB', met: rss.median <= 5 });
  }
  return { native, costs };
}
