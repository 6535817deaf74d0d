// What `npm run bench:ab` measures: the groups of client runs (each one `compare` call a round),
// the raw-client floor runs beside them (JavaScript and native), and the metrics read from every
// run's RunResult.
import type { ClientTransportName } from '../../adapters/client/names.js';
import type { FloorReport } from '../../bench/ceiling/floor-client.js';
import { clientCpuNanosPerMessage } from '../../bench/compare/result.js';
import type { RunResult, TierResult } from '../../bench/results.js';

export interface Scale {
  /** The big tiers: 2,000 connections with --quick, else the 10,000 hold and 5,000 storm. */
  holdTier: number;
  stormBig: number;
  durationSec: string;
  cellDurationSec: string;
}

export function scaleOf(quick: boolean): Scale {
  return { holdTier: quick ? 2000 : 10000, stormBig: quick ? 2000 : 5000, durationSec: quick ? '2' : '3', cellDurationSec: quick ? '1' : '2' };
}

export interface Group {
  name: 'send' | 'send-native' | 'c1000' | 'storm-big' | 'hold' | 'fanout-none' | 'fanout-json';
  /** The run's options, as `compare` passes them to every run. */
  args: string[];
  /** Against the native sink (bench/native) instead of the embedded JavaScript sink: the client is the limit. */
  nativeSink?: true;
  /** Only these transports (default every one the runtime has). */
  transports?: ClientTransportName[];
  /** In the first this many rounds only. */
  rounds?: number;
}

export function groupsOf(scale: Scale, holdRounds: number): Group[] {
  return [
    {
      name: 'send',
      args: ['--test', 'throughput,size-matrix,ping-latency', '--tiers', '100', '--duration', scale.durationSec, '--sizes', '65536', '--cell-duration', scale.cellDurationSec, '--pings', '20'],
    },
    {
      name: 'send-native',
      args: ['--test', 'throughput,size-matrix', '--tiers', '100', '--duration', scale.durationSec, '--sizes', '65536', '--cell-duration', scale.cellDurationSec],
      nativeSink: true,
    },
    { name: 'c1000', args: ['--test', 'ping-latency,connection-storm', '--tiers', '1000', '--pings', '10'] },
    { name: 'storm-big', args: ['--test', 'connection-storm', '--tiers', String(scale.stormBig)] },
    // The longest group (15K connections a run): core and ws only, in every round unless
    // --hold-rounds says fewer.
    {
      name: 'hold',
      args: ['--test', 'sustained-hold', '--tiers', `100,${scale.holdTier / 2},${scale.holdTier}`, '--hold', '2', '--hold-ping-interval', '1'],
      transports: ['core', 'ws'],
      rounds: holdRounds,
    },
    // receive throughput (issue 15): the server publishes to 1,000 subscribers as fast as they read
    ...(['none', 'json'] as const).map((parse) => ({
      name: `fanout-${parse}` as const,
      args: ['--test', 'fanout', '--tiers', '1000', '--duration', scale.durationSec, '--parse', parse],
    })),
  ];
}

export type MetricName =
  | 'throughput' | 'size64k' | 'cpuPerMsg' | 'cpuPerMsg64k' | 'pingP50_100' | 'pingP99_100' | 'pingP50_1000' | 'pingP99_1000' | 'storm1000' | 'stormBig'
  | 'rssPerConn' | 'rssPerConnFrom100' | 'throughputClientCpu' | 'throughputServerCpu' | 'fanoutNone' | 'fanoutJson';

export type Unit = 'msg/s' | 'MB/s' | 'ms' | 'conn/s' | 'KB' | 'cores' | 'frames/s' | 'ns';

export interface Metric {
  /** The groups whose runs it is read from (a run against the native sink is kept under its own key: nativeSinkKey). */
  groups: readonly Group['name'][];
  unit: Unit;
  read(result: RunResult): number | undefined;
}

/** The samples key of a runtime/transport's runs against the native sink ('node/core@native-sink'). */
export function nativeSinkKey(key: string): string {
  return `${key}@native-sink`;
}

/** The samples key of the native floor (one for every runtime: it is compiled). */
export const NATIVE_FLOOR_KEY = 'native/floor';

const KB = 1024;

function tier(result: RunResult, test: TierResult['test'], connections: number): TierResult | undefined {
  return result.tests.find((t) => t.test === test)?.tiers.find((t) => t.connections === connections);
}

const ms = (micros: number | undefined): number | undefined => (micros === undefined ? undefined : micros / 1000);

/**
 * Client RSS growth per added connection, KB, from the `from`-connection hold to the big one. From
 * half the big tier it is the marginal cost of a held connection; from 100 it also spreads one-time
 * growth (V8's young generation grows to its full size, code is compiled) over the connections.
 */
function rssPerConnection(result: RunResult, from: number, holdTier: number): number | undefined {
  const small = tier(result, 'sustained-hold', from);
  const big = tier(result, 'sustained-hold', holdTier);
  if (!small || !big || big.connectionCounts.established < holdTier * 0.99) return undefined;
  return (big.client.rssBytes - small.client.rssBytes) / (big.connectionCounts.established - small.connectionCounts.established) / KB;
}

function sizeTier(result: RunResult, bytes: number): TierResult | undefined {
  return result.tests.find((t) => t.test === 'size-matrix')?.tiers.find((t) => t.connections === 100 && t.messages?.payloadBytes === bytes);
}

const SENDING = ['send', 'send-native'] as const;

/** Deliveries/s of a fan-out tier; none when nothing was received (not a rate of 0). */
const fanoutDeliveries = (t: TierResult | undefined): number | undefined => (t?.fanout !== undefined && t.fanout.received > 0 ? t.fanout.deliveriesPerSec : undefined);

const cpuPerMessage = (t: TierResult | undefined): number | undefined => (t === undefined ? undefined : clientCpuNanosPerMessage(t));

export function metricsOf(scale: Scale): Record<MetricName, Metric> {
  return {
    throughput: { groups: SENDING, unit: 'msg/s', read: (r) => tier(r, 'throughput', 100)?.messages?.deliveredPerSec ?? undefined },
    size64k: { groups: SENDING, unit: 'MB/s', read: (r) => sizeTier(r, 65536)?.messages?.deliveredMBPerSec ?? undefined },
    cpuPerMsg: { groups: SENDING, unit: 'ns', read: (r) => cpuPerMessage(tier(r, 'throughput', 100)) },
    cpuPerMsg64k: { groups: SENDING, unit: 'ns', read: (r) => cpuPerMessage(sizeTier(r, 65536)) },
    pingP50_100: { groups: ['send'], unit: 'ms', read: (r) => ms(tier(r, 'ping-latency', 100)?.latency?.p50) },
    pingP99_100: { groups: ['send'], unit: 'ms', read: (r) => ms(tier(r, 'ping-latency', 100)?.latency?.p99) },
    pingP50_1000: { groups: ['c1000'], unit: 'ms', read: (r) => ms(tier(r, 'ping-latency', 1000)?.latency?.p50) },
    pingP99_1000: { groups: ['c1000'], unit: 'ms', read: (r) => ms(tier(r, 'ping-latency', 1000)?.latency?.p99) },
    storm1000: { groups: ['c1000'], unit: 'conn/s', read: (r) => tier(r, 'connection-storm', 1000)?.connectRatePerSec ?? undefined },
    stormBig: { groups: ['storm-big'], unit: 'conn/s', read: (r) => tier(r, 'connection-storm', scale.stormBig)?.connectRatePerSec ?? undefined },
    rssPerConn: { groups: ['hold'], unit: 'KB', read: (r) => rssPerConnection(r, scale.holdTier / 2, scale.holdTier) },
    rssPerConnFrom100: { groups: ['hold'], unit: 'KB', read: (r) => rssPerConnection(r, 100, scale.holdTier) },
    throughputClientCpu: { groups: SENDING, unit: 'cores', read: (r) => tier(r, 'throughput', 100)?.client.cpuCores },
    throughputServerCpu: { groups: SENDING, unit: 'cores', read: (r) => tier(r, 'throughput', 100)?.server?.cpuCores },
    fanoutNone: { groups: ['fanout-none'], unit: 'msg/s', read: (r) => fanoutDeliveries(tier(r, 'fanout', 1000)) },
    fanoutJson: { groups: ['fanout-json'], unit: 'msg/s', read: (r) => fanoutDeliveries(tier(r, 'fanout', 1000)) },
  };
}

/** The throughput tier of a --procs run: its delivered rate and the CPU of clients + server. */
export function procsSample(result: RunResult): { rate: number; cores: number } | undefined {
  const t = tier(result, 'throughput', 100);
  if (t?.messages === undefined) return undefined;
  const clientCpu = (t.workers ?? [t.client]).reduce((sum, w) => sum + w.cpuCores, 0);
  if (t.messages.deliveredPerSec === null) return undefined;
  return { rate: t.messages.deliveredPerSec, cores: clientCpu + (t.server?.cpuCores ?? 0) };
}

export interface FloorRun {
  connections: number;
  pings: number;
  /** The metrics this floor run bounds, read from its report. */
  metrics: Partial<Record<MetricName, (floor: FloorReport) => number>>;
}

/**
 * The raw-client floor runs (bench/ceiling/floor-client.ts), one per group whose latency or
 * connection metrics it bounds, with the same connection counts and pings as those groups.
 */
export function floorRunsOf(scale: Scale): FloorRun[] {
  return [
    { connections: 100, pings: 20, metrics: { pingP50_100: (f) => f.rttP50Micros / 1000, pingP99_100: (f) => f.rttP99Micros / 1000 } },
    { connections: 1000, pings: 10, metrics: { pingP50_1000: (f) => f.rttP50Micros / 1000, pingP99_1000: (f) => f.rttP99Micros / 1000, storm1000: (f) => f.connectRatePerSec } },
    { connections: scale.stormBig, pings: 0, metrics: { stormBig: (f) => f.connectRatePerSec } },
  ];
}
