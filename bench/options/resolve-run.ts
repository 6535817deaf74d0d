// The benchmark run's options → its settings (BenchOptions): the layers (config file, environment,
// command line), the profile's defaults, the tiers per test, and the checks across options. What
// depends on whether an option was given (an explicit --max-connections trims the profile's tiers,
// a default one grows to fit --tiers) reads `given`; everything else reads the values after
// defaults. Every mistake is a UsageError with one line, found before the run starts.
import { readFileSync } from 'node:fs';
import { hasGlobalWebSocket, runtimeLabel } from '../../adapters/runtime.js';
import { loadMessageFile } from '../messages/message-file.js';
import { checkThresholds } from '../thresholds/run-thresholds.js';
import type { BenchOptions } from './bench-options.js';
import type { ProfileName, TestName } from './choices.js';
import { EMBEDDED_SERVER_OPTIONS, RUN_COMMAND, type RUN_OPTIONS } from './commands.js';
import { CONFIG } from './declarations.js';
import { parseLayered, processEnvironment, SECRET_ENV, type SettingSource, type SettingsEnvironment } from './layers.js';
import { openLoopFromFlags } from './open-loop.js';
import { flagOf, type GivenValues, type ValuesOf } from './option.js';
import { withDefaults } from './parse.js';
import { PROFILES, type Profile } from './profiles.js';
import { upgradeHeaders, withTargetUrl } from './resolve-target.js';
import { scheduleFromFlags } from './schedule.js';
import { UsageError } from './usage-error.js';

export type RunGiven = GivenValues<typeof RUN_OPTIONS>;
export type RunValues = ValuesOf<typeof RUN_OPTIONS>;

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'print-schema' }
  | { kind: 'print-metrics' }
  | { kind: 'print-config'; values: RunValues; sources: Record<string, SettingSource>; profile: ProfileName }
  | { kind: 'run'; options: BenchOptions; profile: ProfileName; notices: string[] };

export interface RuntimeFacts {
  /** Whether the runtime has a global WebSocket (Node ≥ 22, Bun): --transport web needs it. */
  hasGlobalWebSocket: boolean;
  runtimeLabel: string;
}

export function currentRuntimeFacts(): RuntimeFacts {
  return { hasGlobalWebSocket: hasGlobalWebSocket(), runtimeLabel: runtimeLabel() };
}

export function parseRunArgs(
  argv: readonly string[],
  runtime: RuntimeFacts = currentRuntimeFacts(),
  environment: SettingsEnvironment = processEnvironment(),
): ParsedCommand {
  const { given, sources } = parseLayered(RUN_COMMAND, argv, environment, CONFIG);
  if (given.help === true) return { kind: 'help' };
  if (given.version === true) return { kind: 'version' };
  if (given.printSchema === true) return { kind: 'print-schema' };
  if (given.printMetrics === true) return { kind: 'print-metrics' };
  // The settings are checked as a run would check them, then shown.
  const resolved = resolveRunOptions(given, runtime);
  if (given.printConfig === true) return { kind: 'print-config', values: resolved.values, sources, profile: resolved.profile };
  const notices: string[] = [];
  if (sources['secret']?.layer === 'flag') notices.push(`--secret on the command line is visible to every user of this machine (ps); set ${SECRET_ENV} instead`);
  return { kind: 'run', options: resolved.options, profile: resolved.profile, notices };
}

function profileOf(given: RunGiven): ProfileName {
  if (given.quick === true && given.full === true) throw new UsageError('--quick and --full exclude each other');
  return given.quick === true ? 'quick' : given.full === true ? 'full' : 'default';
}

export function resolveRunOptions(given: RunGiven, runtime: RuntimeFacts): { options: BenchOptions; profile: ProfileName; values: RunValues } {
  const profileName = profileOf(given);
  const profile = PROFILES[profileName];
  const values = withTargetUrl(withDefaults(RUN_COMMAND.options, given, profile), given);

  if (values.host !== undefined) {
    const serverOption = EMBEDDED_SERVER_OPTIONS.find((spec) => given[spec.name] !== undefined);
    if (serverOption) throw new UsageError(`${flagOf(serverOption)} configures the embedded server; it cannot be used with --host`);
  }
  if (values.transport === 'web' && !runtime.hasGlobalWebSocket) {
    throw new UsageError(`--transport web needs a global WebSocket, which ${runtime.runtimeLabel} lacks (use Node 22+ or Bun)`);
  }
  const tests = values.test;
  const { tiersByTest, maxConnections } = tiersAndCap(values, given, profile);
  // An explicit --limit-start stands; the profile's is lowered to the cap.
  const limitStartConnections = given.limitStart ?? Math.min(profile.limitStartConnections, maxConnections);
  if (limitStartConnections > maxConnections) {
    throw new UsageError(`--limit-start ${limitStartConnections} is above --max-connections ${maxConnections}`);
  }
  // A page of inline SVG is no use on a terminal.
  if (values.output === 'html' && values.out === undefined) throw new UsageError('--output html writes a file: add --out <file>');
  if (values.frame !== undefined && values.message === undefined) throw new UsageError('--frame says how --message\'s messages are sent: add --message <file>');

  const options: BenchOptions = {
    host: values.host,
    port: values.port,
    path: values.path,
    secret: secretOf(values, given),
    issuer: values.issuer,
    audience: values.audience,
    subject: values.subject,
    authVia: values.auth,
    ...upgradeHeaders(values),
    tests,
    tiers: values.tiers ?? tiersByTest[tests[0]!]!,
    tiersByTest,
    durationSec: values.duration,
    cellDurationSec: values.cellDuration,
    batchSize: values.batchSize,
    warmupConnections: values.warmup,
    maxConnections,
    limitStartConnections,
    limitHoldSec: values.limitHold,
    pings: values.pings,
    holdSec: values.hold,
    holdPingIntervalSec: values.holdPingInterval,
    transport: values.transport,
    output: values.output,
    outFile: values.out,
    svgDir: values.svg,
    progress: values.progress,
    quiet: values.quiet,
    failFast: values.failFast,
    connectTimeoutMs: values.connectTimeout,
    sizes: values.sizes,
    formats: values.formats,
    serverMode: values.serverMode,
    serverTransport: values.serverTransport,
    serverWorkers: values.serverWorkers,
    rateLimit: values.rateLimit,
    procs: Math.max(...values.procs),
    perWorker: values.perWorker,
    ...tlsSettings(values),
  };
  if (!tests.includes('fanout')) {
    const fanoutOnly = [['--publish-rate', given.publishRate], ['--parse', given.parse], ['--clock', given.clock]].find(([, value]) => value !== undefined);
    if (fanoutOnly !== undefined) throw new UsageError(`${fanoutOnly[0]} applies to the fanout test: add it with --test`);
  }
  options.parse = values.parse;
  options.clock = values.clock;
  if (values.publishRate !== undefined) options.publishRate = values.publishRate;
  if (given.sizes !== undefined) options.fanoutSizes = given.sizes;
  if (values.metricsPort !== undefined) options.metricsPort = values.metricsPort;
  const openLoop = openLoopFromFlags(values, tests);
  if (openLoop !== undefined) options.openLoop = openLoop;
  if (values.procs.length > 1) options.procsSeries = values.procs;
  if (values.perWorker && options.procs === 1) throw new UsageError('--per-worker needs --procs above 1');
  Object.assign(options, scheduleFromFlags(values, tests, tiersByTest));
  if (values.message !== undefined) options.message = loadMessageFile(values.message, values.frame);
  if (values.live !== undefined) options.liveFile = values.live;
  if (values.html !== undefined) options.htmlFile = values.html;
  if (values.threshold !== undefined) options.thresholds = values.threshold;
  checkThresholds(options);
  return { options, profile: profileName, values };
}

/**
 * Each test's tiers (--tiers for all, else the profile's) and the connection cap: an explicit
 * --max-connections drops the profile tiers above it (the cap itself becomes the last tier);
 * without one the profile's cap grows to the largest explicit tier.
 */
function tiersAndCap(values: RunValues, given: RunGiven, profile: Profile): { tiersByTest: Partial<Record<TestName, number[]>>; maxConnections: number } {
  const tests = values.test;
  const explicitTiers = values.tiers;
  const tiersByTest: Partial<Record<TestName, number[]>> = {};
  for (const test of tests) tiersByTest[test] = explicitTiers ?? profile.tiersByTest[test];
  const largestTier = Math.max(...tests.map((t) => Math.max(...tiersByTest[t]!)));
  if (given.maxConnections === undefined) {
    return { tiersByTest, maxConnections: Math.max(values.maxConnections, explicitTiers ? largestTier : 0) };
  }
  const maxConnections = given.maxConnections;
  if (explicitTiers && largestTier > maxConnections) {
    throw new UsageError(`--tiers asks for ${largestTier} connections, above --max-connections ${maxConnections}`);
  }
  for (const test of tests) {
    const kept = tiersByTest[test]!.filter((n) => n <= maxConnections);
    tiersByTest[test] = kept.length > 0 ? kept : [maxConnections];
  }
  return { tiersByTest, maxConnections };
}

/** --secret, or the contents of --secret-file (a Kubernetes Secret's file ends without a newline; an editor's with one). */
function secretOf(values: RunValues, given: RunGiven): string {
  const file = values.secretFile;
  if (file === undefined) return values.secret;
  if (given.secret !== undefined) throw new UsageError('--secret and --secret-file exclude each other');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--secret-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`--secret-file ${file} is empty`);
  return secret;
}

/** --tls, --ca, --insecure (client) and --cert/--key (embedded server, imply --tls). */
function tlsSettings(values: RunValues): Pick<BenchOptions, 'tls' | 'caFile' | 'insecure' | 'certFile' | 'keyFile'> {
  const { cert: certFile, key: keyFile, ca: caFile, insecure } = values;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--cert and --key go together');
  if (certFile !== undefined && values.host !== undefined) throw new UsageError('--cert/--key configure the embedded server; they cannot be used with --host');
  const tls = values.tls || certFile !== undefined;
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
