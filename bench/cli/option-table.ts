// The one table of command-line options: name, value type, default, help text and validation.
// The parser (parse-args.ts) and the help text (help.ts) are both generated from it.
import { availableParallelism } from 'node:os';
import { TEST_NAMES } from '../results.js';
import { UsageError } from './usage-error.js';

export type OptionValue = string | number | boolean | number[] | string[];

export interface OptionSpec {
  /** '--port' */
  flag: string;
  /** Placeholder in the help ('<n>'); absent for a switch that takes no value. */
  arg?: string;
  /** The default as shown in --help ('5006', 'profile: 5 s'…). */
  defaultText: string;
  help: string;
  /** Turns the raw text into a value, or throws UsageError naming the flag. */
  parse(raw: string, flag: string): OptionValue;
  /** Group heading in --help. */
  group: 'target' | 'tests' | 'output' | 'server' | 'general';
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string, flag: string): number => {
    if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} expects a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${raw}`);
    return n;
  };
}

function seconds(min: number) {
  return (raw: string, flag: string): number => {
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`${flag} expects seconds (e.g. 5 or 0.5), got "${raw}"`);
    const n = Number(raw);
    if (n < min) throw new UsageError(`${flag} must be at least ${min} s, got ${raw}`);
    return n;
  };
}

/** '100,1000,5k' → [100, 1000, 5000]; sizes also take 'kb'. */
function integerList(min: number, max: number, multiplier: number) {
  return (raw: string, flag: string): number[] => {
    const items = raw.split(',').map((s) => s.trim().toLowerCase());
    if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`${flag} expects a comma-separated list, got "${raw}"`);
    return items.map((item) => {
      const match = /^(\d+)(k|kb)?$/.exec(item);
      if (!match) throw new UsageError(`${flag}: "${item}" is not a whole number`);
      const n = Number(match[1]) * (match[2] ? multiplier : 1);
      if (n < min || n > max) throw new UsageError(`${flag}: ${n} is outside ${min}…${max}`);
      return n;
    });
  };
}

function oneOf(values: readonly string[]) {
  return (raw: string, flag: string): string => {
    if (!values.includes(raw)) throw new UsageError(`${flag} must be one of ${values.join(', ')}, got "${raw}"`);
    return raw;
  };
}

function listOf(values: readonly string[], all: boolean) {
  return (raw: string, flag: string): string[] => {
    if (all && raw === 'all') return [...values];
    const items = raw.split(',').map((s) => s.trim());
    for (const item of items) {
      if (!values.includes(item)) {
        throw new UsageError(`${flag}: unknown "${item}" (known: ${values.join(', ')}${all ? ', all' : ''})`);
      }
    }
    return [...new Set(items)];
  };
}

/** A rate or a bound: a positive decimal number. */
function positiveNumber(raw: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new UsageError(`${flag} expects a positive number, got "${raw}"`);
  return Number(raw);
}

/** '100,200,1k' → [100, 200, 1000]. */
function positiveNumberList(raw: string, flag: string): number[] {
  const items = raw.split(',').map((s) => s.trim().toLowerCase());
  return items.map((item) => {
    const match = /^(\d+(?:\.\d+)?)(k)?$/.exec(item);
    if (!match || Number(match[1]) <= 0) throw new UsageError(`${flag}: "${item}" is not a positive number`);
    return Number(match[1]) * (match[2] ? 1000 : 1);
  });
}

function text(raw: string, flag: string): string {
  if (raw === '') throw new UsageError(`${flag} expects a value`);
  return raw;
}

const aSwitch = (): boolean => true;

/** '2' → [2], 'auto' → [cores], '1,2' → [1, 2] (a series: each test once per count). */
function processCounts(raw: string, flag: string): number[] {
  if (raw === 'auto') return [availableParallelism()];
  return integerList(1, 1024, 1)(raw, flag);
}

export const OPTION_TABLE: readonly OptionSpec[] = [
  { group: 'target', flag: '--host', arg: '<addr>', defaultText: 'none: start the embedded server', help: 'WSE server to benchmark', parse: text },
  { group: 'target', flag: '--port', arg: '<n>', defaultText: '5006', help: 'its port', parse: integer(1, 65535) },
  { group: 'target', flag: '--path', arg: '<path>', defaultText: '/wse?compression=false&protocol_version=1', help: 'endpoint path and query', parse: text },
  { group: 'target', flag: '--secret', arg: '<s>', defaultText: 'bench-secret-key-for-testing-only', help: 'HS256 secret the JWT is signed with', parse: text },
  { group: 'target', flag: '--issuer', arg: '<s>', defaultText: 'wse-bench', help: 'JWT iss claim', parse: text },
  { group: 'target', flag: '--audience', arg: '<s>', defaultText: 'wse-bench', help: 'JWT aud claim', parse: text },
  { group: 'target', flag: '--subject', arg: '<s>', defaultText: 'bench-user', help: 'JWT sub claim (the user id)', parse: text },
  { group: 'target', flag: '--auth', arg: 'cookie|bearer', defaultText: 'cookie', help: 'send the JWT as the access_token cookie or as Authorization: Bearer', parse: oneOf(['cookie', 'bearer']) },
  { group: 'target', flag: '--transport', arg: 'core|ws|web', defaultText: 'core', help: 'client WebSocket: core (our framing over node:net), ws (npm ws, the reference\'s), web (the runtime\'s global WebSocket; not on Node 20)', parse: oneOf(['core', 'ws', 'web']) },
  { group: 'target', flag: '--tls', defaultText: 'off', help: 'connect with wss:// (TLS, SNI from --host unless it is an IP); the embedded server then serves TLS', parse: aSwitch },
  { group: 'target', flag: '--ca', arg: '<file>', defaultText: 'the system\'s CAs', help: 'with --tls: trust the certificates in this PEM file instead (e.g. a self-signed server\'s)', parse: text },
  { group: 'target', flag: '--insecure', defaultText: 'off', help: 'with --tls: accept any server certificate (self-signed, another name)', parse: aSwitch },
  { group: 'target', flag: '--procs', arg: '<n|auto|1,n>', defaultText: '1', help: 'client processes; each tier\'s connections are split across them and results merged (auto = available cores). A list such as 1,2 runs each test once per count and shows scaling efficiency = aggregate rate ÷ (N × the 1-process rate)', parse: processCounts },
  { group: 'target', flag: '--connect-timeout', arg: '<ms>', defaultText: '10000', help: 'per-connection handshake timeout (TCP + upgrade + server_ready)', parse: integer(1) },

  { group: 'tests', flag: '--test', arg: '<name[,name…]|all>', defaultText: 'all', help: `tests to run: ${TEST_NAMES.join(', ')}`, parse: listOf(TEST_NAMES, true) },
  { group: 'tests', flag: '--tiers', arg: '<n,n,…>', defaultText: 'per test, from the profile', help: 'connection counts, one tier each, for every selected test', parse: integerList(1, 10_000_000, 1000) },
  { group: 'tests', flag: '--quick', defaultText: 'off', help: 'small tiers and short durations (smoke run, well under a minute)', parse: aSwitch },
  { group: 'tests', flag: '--full', defaultText: 'off', help: 'the reference\'s tiers 100,500,1000,5000,10000,30000,50000, 10 s throughput, 5 s cells, 30 s hold', parse: aSwitch },
  { group: 'tests', flag: '--duration', arg: '<s>', defaultText: 'profile: 5 (quick 2, full 10)', help: 'throughput send phase', parse: seconds(0.1) },
  { group: 'tests', flag: '--cell-duration', arg: '<s>', defaultText: 'profile: 2 (quick 1, full 5)', help: 'send phase of each size-matrix / format-comparison cell', parse: seconds(0.1) },
  { group: 'tests', flag: '--batch-size', arg: '<n>', defaultText: '500', help: 'connections opened concurrently per batch', parse: integer(1) },
  { group: 'tests', flag: '--warmup', arg: '<n>', defaultText: '1000', help: 'before the first test, untimed, in every client process: open n connections, ping each 5 times, close them, so the first measured tier is not run by a cold JIT (0 = no warm-up)', parse: integer(0) },
  { group: 'tests', flag: '--pings', arg: '<n>', defaultText: 'profile: 50 (quick 20)', help: 'ping-latency: sequential pings per connection', parse: integer(1) },
  { group: 'tests', flag: '--hold', arg: '<s>', defaultText: 'profile: 15 (quick 4, full 30)', help: 'sustained-hold duration', parse: seconds(0.1) },
  { group: 'tests', flag: '--hold-ping-interval', arg: '<s>', defaultText: 'profile: 5 (quick 1)', help: 'sustained-hold ping period', parse: seconds(0.1) },
  { group: 'tests', flag: '--sizes', arg: '<bytes,…>', defaultText: '64,256,1024,4096,16384,65536', help: 'size-matrix payload sizes (1k = 1024)', parse: integerList(16, 1024 * 1024, 1024) },
  { group: 'tests', flag: '--formats', arg: '<f,…>', defaultText: 'json,msgpack,zlib', help: 'format-comparison formats', parse: listOf(['json', 'msgpack', 'zlib'], false) },
  { group: 'tests', flag: '--max-connections', arg: '<n>', defaultText: 'profile: 5000 (quick 400, full 100000)', help: 'connection-limit upper bound and the embedded server\'s cap; tiers may not exceed it', parse: integer(1) },
  { group: 'tests', flag: '--limit-start', arg: '<n>', defaultText: 'profile: 1000 (quick 100)', help: 'connection-limit first probe', parse: integer(1) },
  { group: 'tests', flag: '--start-at', arg: '<unix ms>', defaultText: 'none', help: 'wait until this wall-clock time (epoch ms) to start the first tier\'s measured phase, to align runs on several machines for merge', parse: integer(0) },
  { group: 'tests', flag: '--limit-hold', arg: '<s>', defaultText: 'profile: 3 (quick 1)', help: 'connection-limit hold per probe', parse: seconds(0.1) },
  { group: 'tests', flag: '--rate', arg: '<msg/s>', defaultText: 'off: as fast as possible', help: 'open loop for throughput, size-matrix, ping-latency: each connection\'s messages (pings) are due on a fixed timetable at this rate; latency counts from the due time (corrected for coordinated omission) and from the actual write (uncorrected); a latency ping follows every max(1, rate/50)-th message (at most 64 KB apart); ping-latency sends --pings pings at this rate, up to 4 unanswered', parse: positiveNumber },
  { group: 'tests', flag: '--total-rate', arg: '<msg/s>', defaultText: 'off', help: 'like --rate, but the rate of all connections of a tier together (each gets rate ÷ connections)', parse: positiveNumber },
  { group: 'tests', flag: '--ramp', arg: '<r1,r2,…>', defaultText: 'off', help: 'open loop at each per-connection rate in turn (rising) on the same connections; stops after the first step whose corrected p99 reaches --slo-ms or that achieves < 95 % of its rate, and reports the highest passing rate', parse: positiveNumberList },
  { group: 'tests', flag: '--slo-ms', arg: '<ms>', defaultText: 'none (required with --ramp)', help: 'latency objective: corrected p99 must stay under it (marks each open-loop step pass/fail)', parse: positiveNumber },

  { group: 'output', flag: '--output', arg: 'text|json|markdown|html', defaultText: 'text', help: 'report format (html: one self-contained page of charts and tables; needs --out)', parse: oneOf(['text', 'json', 'markdown', 'html']) },
  { group: 'output', flag: '--out', arg: '<file>', defaultText: 'none', help: 'write the report in the --output format to this file (text tables still go to stdout)', parse: text },
  { group: 'output', flag: '--svg', arg: '<dir>', defaultText: 'none', help: 'also write the charts as .svg files and an index.md that embeds them into this directory', parse: text },
  { group: 'output', flag: '--per-worker', defaultText: 'off', help: 'with --procs: a load row per worker process', parse: aSwitch },
  { group: 'output', flag: '--progress', defaultText: 'on when stderr is a TTY', help: 'show progress on stderr even when it is not a TTY', parse: aSwitch },

  { group: 'server', flag: '--server-mode', arg: 'wse|sink', defaultText: 'wse', help: 'embedded server: parse every message like WSE, or only count frames', parse: oneOf(['wse', 'sink']) },
  { group: 'server', flag: '--server-transport', arg: 'auto|uws|bun|core', defaultText: 'auto', help: 'embedded server transport (auto: core, the fastest measured; uws = uWebSockets.js, Node 20 only here; bun = Bun.serve, under Bun)', parse: oneOf(['auto', 'uws', 'bun', 'core']) },
  { group: 'server', flag: '--server-workers', arg: '<n>', defaultText: '1', help: 'embedded server processes', parse: integer(1, 256) },
  { group: 'server', flag: '--cert', arg: '<file>', defaultText: 'with --tls: a generated self-signed pair', help: 'embedded server: PEM certificate to serve wss:// with (needs --key; implies --tls)', parse: text },
  { group: 'server', flag: '--key', arg: '<file>', defaultText: 'none', help: 'embedded server: PEM private key of --cert', parse: text },
  { group: 'server', flag: '--rate-limit', arg: 'off|wse', defaultText: 'off', help: 'embedded server: WSE\'s per-connection rate limiter', parse: oneOf(['off', 'wse']) },

  { group: 'general', flag: '--help', defaultText: '', help: 'print this help', parse: aSwitch },
  { group: 'general', flag: '--version', defaultText: '', help: 'print the version', parse: aSwitch },
];

export function findOption(flag: string): OptionSpec | undefined {
  return OPTION_TABLE.find((spec) => spec.flag === flag);
}
