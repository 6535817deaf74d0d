// argv → BenchOptions: table-driven (option-table.ts), profile defaults (profiles.ts), then the
// checks across options. Every mistake is a UsageError with one line.
import type { BenchOptions, OutputFormat } from '../options.js';
import type { PayloadFormat, TestName, TransportName } from '../results.js';
import { TEST_NAMES } from '../results.js';
import { openLoopFromFlags } from './open-loop-options.js';
import { findOption, type OptionValue } from './option-table.js';
import { PROFILES, type ProfileName } from './profiles.js';
import { UsageError } from './usage-error.js';

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; options: BenchOptions; profile: ProfileName };

export interface RuntimeFacts {
  /** Whether the runtime has a global WebSocket (Node ≥ 22, Bun): --transport web needs it. */
  hasGlobalWebSocket: boolean;
  runtimeLabel: string;
}

export function currentRuntimeFacts(): RuntimeFacts {
  const bun = (process.versions as Record<string, string | undefined>)['bun'];
  return {
    hasGlobalWebSocket: typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function',
    runtimeLabel: bun ? `Bun ${bun}` : `Node ${process.versions.node}`,
  };
}

/** Reads `--flag value` and `--flag=value` pairs into flag → value; later repeats win. */
export function readFlags(argv: readonly string[]): Map<string, OptionValue> {
  const given = new Map<string, OptionValue>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument "${token}"`);
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const spec = findOption(flag);
    if (!spec) throw new UsageError(`unknown option ${flag}`);
    let raw: string;
    if (spec.arg === undefined) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      raw = '';
    } else if (eq !== -1) {
      raw = token.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`${flag} needs a value ${spec.arg}`);
      raw = next;
      i++;
    }
    given.set(flag, spec.parse(raw, flag));
  }
  return given;
}

function pick<T extends OptionValue>(given: Map<string, OptionValue>, flag: string, fallback: T): T {
  return given.has(flag) ? (given.get(flag) as T) : fallback;
}

export function parseArgs(argv: readonly string[], runtime: RuntimeFacts = currentRuntimeFacts()): ParsedCommand {
  const given = readFlags(argv);
  if (given.has('--help')) return { kind: 'help' };
  if (given.has('--version')) return { kind: 'version' };

  if (given.has('--quick') && given.has('--full')) throw new UsageError('--quick and --full exclude each other');
  const profileName: ProfileName = given.has('--quick') ? 'quick' : given.has('--full') ? 'full' : 'default';
  const profile = PROFILES[profileName];

  const host = pick<string>(given, '--host', '');
  if (host !== '') {
    const serverFlag = ['--server-mode', '--server-transport', '--server-workers', '--rate-limit'].find((f) => given.has(f));
    if (serverFlag) throw new UsageError(`${serverFlag} configures the embedded server; it cannot be used with --host`);
  }
  const transport = pick<string>(given, '--transport', 'core') as TransportName;
  if (transport === 'web' && !runtime.hasGlobalWebSocket) {
    throw new UsageError(`--transport web needs a global WebSocket, which ${runtime.runtimeLabel} lacks (use Node 22+ or Bun)`);
  }

  const tests = pick<string[]>(given, '--test', [...TEST_NAMES]) as TestName[];
  const explicitTiers = given.get('--tiers') as number[] | undefined;
  const tiersByTest: Partial<Record<TestName, number[]>> = {};
  for (const test of tests) tiersByTest[test] = explicitTiers ?? profile.tiersByTest[test];
  const largestTier = Math.max(...tests.map((t) => Math.max(...tiersByTest[t]!)));

  let maxConnections: number;
  if (given.has('--max-connections')) {
    maxConnections = given.get('--max-connections') as number;
    if (explicitTiers && largestTier > maxConnections) {
      throw new UsageError(`--tiers asks for ${largestTier} connections, above --max-connections ${maxConnections}`);
    }
    // Profile tiers above an explicit cap are dropped; the cap itself becomes the last tier.
    for (const test of tests) {
      const kept = tiersByTest[test]!.filter((n) => n <= maxConnections);
      tiersByTest[test] = kept.length > 0 ? kept : [maxConnections];
    }
  } else {
    maxConnections = Math.max(profile.maxConnections, explicitTiers ? largestTier : 0);
  }
  const limitStartConnections = pick<number>(given, '--limit-start', Math.min(profile.limitStartConnections, maxConnections));
  if (limitStartConnections > maxConnections) {
    throw new UsageError(`--limit-start ${limitStartConnections} is above --max-connections ${maxConnections}`);
  }

  // A page of inline SVG is no use on a terminal.
  if (given.get('--output') === 'html' && !given.has('--out')) throw new UsageError('--output html writes a file: add --out <file>');

  const options: BenchOptions = {
    host: host === '' ? undefined : host,
    port: pick<number>(given, '--port', 5006),
    path: pick<string>(given, '--path', '/wse?compression=false&protocol_version=1'),
    secret: pick<string>(given, '--secret', 'bench-secret-key-for-testing-only'),
    issuer: pick<string>(given, '--issuer', 'wse-bench'),
    audience: pick<string>(given, '--audience', 'wse-bench'),
    subject: pick<string>(given, '--subject', 'bench-user'),
    authVia: pick<string>(given, '--auth', 'cookie') as 'cookie' | 'bearer',
    tests,
    tiers: explicitTiers ?? tiersByTest[tests[0]!]!,
    tiersByTest,
    durationSec: pick<number>(given, '--duration', profile.durationSec),
    cellDurationSec: pick<number>(given, '--cell-duration', profile.cellDurationSec),
    batchSize: pick<number>(given, '--batch-size', 500),
    warmupConnections: pick<number>(given, '--warmup', 1000),
    maxConnections,
    limitStartConnections,
    limitHoldSec: pick<number>(given, '--limit-hold', profile.limitHoldSec),
    pings: pick<number>(given, '--pings', profile.pings),
    holdSec: pick<number>(given, '--hold', profile.holdSec),
    holdPingIntervalSec: pick<number>(given, '--hold-ping-interval', profile.holdPingIntervalSec),
    transport,
    output: pick<string>(given, '--output', 'text') as OutputFormat,
    outFile: given.get('--out') as string | undefined,
    svgDir: given.get('--svg') as string | undefined,
    progress: given.has('--progress'),
    connectTimeoutMs: pick<number>(given, '--connect-timeout', 10_000),
    sizes: pick<number[]>(given, '--sizes', [64, 256, 1024, 4096, 16384, 65536]),
    formats: pick<string[]>(given, '--formats', ['json', 'msgpack', 'zlib']) as PayloadFormat[],
    serverMode: pick<string>(given, '--server-mode', 'wse') as 'wse' | 'sink',
    serverTransport: pick<string>(given, '--server-transport', 'auto') as BenchOptions['serverTransport'],
    serverWorkers: pick<number>(given, '--server-workers', 1),
    rateLimit: pick<string>(given, '--rate-limit', 'off') as 'off' | 'wse',
    procs: 1,
    perWorker: given.has('--per-worker'),
    ...tlsFlags(given, host !== ''),
  };
  const openLoop = openLoopFromFlags(given, tests);
  if (openLoop !== undefined) options.openLoop = openLoop;
  const procs = given.get('--procs') as number[] | undefined;
  if (procs !== undefined) {
    options.procs = Math.max(...procs);
    if (procs.length > 1) options.procsSeries = procs;
  }
  if (given.has('--per-worker') && options.procs === 1) throw new UsageError('--per-worker needs --procs above 1');
  if (given.has('--start-at')) options.startAtEpochMs = given.get('--start-at') as number;
  return { kind: 'run', options, profile: profileName };
}

/** --tls, --ca, --insecure (client) and --cert/--key (embedded server, imply --tls). */
function tlsFlags(given: Map<string, OptionValue>, external: boolean): Pick<BenchOptions, 'tls' | 'caFile' | 'insecure' | 'certFile' | 'keyFile'> {
  const certFile = given.get('--cert') as string | undefined;
  const keyFile = given.get('--key') as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--cert and --key go together');
  if (certFile !== undefined && external) throw new UsageError('--cert/--key configure the embedded server; they cannot be used with --host');
  const tls = given.has('--tls') || certFile !== undefined;
  const caFile = given.get('--ca') as string | undefined;
  const insecure = given.has('--insecure');
  if (!tls && (caFile !== undefined || insecure)) throw new UsageError(`${caFile !== undefined ? '--ca' : '--insecure'} applies to wss:// targets: add --tls`);
  if (caFile !== undefined && insecure) throw new UsageError('--ca and --insecure exclude each other');
  if (!tls) return {};
  return {
    tls,
    ...(caFile !== undefined ? { caFile } : {}),
    ...(insecure ? { insecure } : {}),
    ...(certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : {}),
  };
}
