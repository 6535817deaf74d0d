// Every option of every command, each declared once. A command lists the ones it takes
// (commands.ts); where two commands name the same setting differently (the run's --server-mode is
// serve's --mode), the setting is declared once and bound to each name.
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import {
  AUTH_PLACES,
  OUTPUT_FORMATS,
  PAYLOAD_FORMATS,
  RATE_LIMITS,
  SERVER_MODES,
  SERVER_TRANSPORT_CHOICES,
  TEST_NAMES,
  TEXT_OUTPUT_FORMATS,
} from './choices.js';
import { RUNTIME_NAMES } from '../compare/runtime-table.mjs';
import { fromProfile, option } from './option.js';
import { flag, integer, integerList, listOf, oneOf, positiveNumber, positiveNumberList, processCounts, seconds, shardOf, text } from './value-kinds.js';

// --- the target and the client (the benchmark run) --------------------------------------------------

export const HOST = option({ name: 'host', group: 'target', kind: text, arg: '<addr>', help: 'WSE server to benchmark', defaultText: 'none: start the embedded server' });
export const PORT = option({ name: 'port', group: 'target', kind: integer(1, 65535), help: 'its port', default: 5006 });
export const PATH = option({ name: 'path', group: 'target', kind: text, arg: '<path>', help: 'endpoint path and query', default: '/wse?compression=false&protocol_version=1' });
export const SECRET = option({ name: 'secret', group: 'target', kind: text, help: 'HS256 secret the JWT is signed with (results record it as redacted)', default: 'bench-secret-key-for-testing-only' });
export const SECRET_FILE = option({
  name: 'secretFile', group: 'target', kind: text, arg: '<file>', defaultText: 'none',
  help: 'read the secret from this file (one trailing newline dropped), e.g. a Kubernetes Secret mounted as a volume: it then appears in no command line',
});
export const ISSUER = option({ name: 'issuer', group: 'target', kind: text, help: 'JWT iss claim', default: 'wse-bench' });
export const AUDIENCE = option({ name: 'audience', group: 'target', kind: text, help: 'JWT aud claim', default: 'wse-bench' });
export const SUBJECT = option({ name: 'subject', group: 'target', kind: text, help: 'JWT sub claim (the user id)', default: 'bench-user' });
export const AUTH = option({ name: 'auth', group: 'target', kind: oneOf(AUTH_PLACES), help: 'send the JWT as the access_token cookie or as Authorization: Bearer', default: 'cookie' });
export const TRANSPORT = option({
  name: 'transport', group: 'target', kind: oneOf(CLIENT_TRANSPORT_NAMES), default: 'core',
  help: 'client WebSocket: core (our framing over node:net), ws (npm ws, the reference\'s), web (the runtime\'s global WebSocket; not on Node 20)',
});
export const TLS = option({ name: 'tls', group: 'target', kind: flag, default: false, help: 'connect with wss:// (TLS, SNI from --host unless it is an IP); the embedded server then serves TLS' });
export const CA = option({ name: 'ca', group: 'target', kind: text, arg: '<file>', defaultText: 'the system\'s CAs', help: 'with --tls: trust the certificates in this PEM file instead (e.g. a self-signed server\'s)' });
export const INSECURE = option({ name: 'insecure', group: 'target', kind: flag, default: false, help: 'with --tls: accept any server certificate (self-signed, another name)' });
export const PROCS = option({
  name: 'procs', group: 'target', kind: processCounts, default: [1],
  help: 'client processes; each tier\'s connections are split across them and results merged (auto = available cores). A list such as 1,2 runs each test once per count and shows scaling efficiency = aggregate rate ÷ (N × the 1-process rate)',
});
export const CONNECT_TIMEOUT = option({ name: 'connectTimeout', group: 'target', kind: integer(1), arg: '<ms>', default: 10_000, help: 'per-connection handshake timeout (TCP + upgrade + server_ready)' });

// --- tests and tiers ---------------------------------------------------------------------------------

export const TEST = option({ name: 'test', group: 'tests', kind: listOf(TEST_NAMES, true), default: [...TEST_NAMES], help: `tests to run: ${TEST_NAMES.join(', ')}` });
export const TIERS = option({ name: 'tiers', group: 'tests', kind: integerList(1, 10_000_000, 1000), defaultText: 'per test, from the profile', help: 'connection counts, one tier each, for every selected test' });
export const QUICK = option({ name: 'quick', group: 'tests', kind: flag, default: false, help: 'small tiers and short durations (smoke run, well under a minute)' });
export const FULL = option({ name: 'full', group: 'tests', kind: flag, default: false, help: 'the reference\'s tiers 100,500,1000,5000,10000,30000,50000, 10 s throughput, 5 s cells, 30 s hold' });
export const DURATION = option({ name: 'duration', group: 'tests', kind: seconds(0.1), default: fromProfile((p) => p.durationSec), help: 'throughput send phase' });
export const CELL_DURATION = option({ name: 'cellDuration', group: 'tests', kind: seconds(0.1), default: fromProfile((p) => p.cellDurationSec), help: 'send phase of each size-matrix / format-comparison cell' });
export const BATCH_SIZE = option({ name: 'batchSize', group: 'tests', kind: integer(1), default: 500, help: 'connections opened concurrently per batch' });
export const WARMUP = option({
  name: 'warmup', group: 'tests', kind: integer(0), default: 1000,
  help: 'before the first test, untimed, in every client process: open n connections, ping each 5 times, close them, so the first measured tier is not run by a cold JIT (0 = no warm-up)',
});
export const PINGS = option({ name: 'pings', group: 'tests', kind: integer(1), default: fromProfile((p) => p.pings), help: 'ping-latency: sequential pings per connection' });
export const HOLD = option({ name: 'hold', group: 'tests', kind: seconds(0.1), default: fromProfile((p) => p.holdSec), help: 'sustained-hold duration' });
export const HOLD_PING_INTERVAL = option({ name: 'holdPingInterval', group: 'tests', kind: seconds(0.1), default: fromProfile((p) => p.holdPingIntervalSec), help: 'sustained-hold ping period' });
export const SIZES = option({ name: 'sizes', group: 'tests', kind: integerList(16, 1024 * 1024, 1024), arg: '<bytes,…>', default: [64, 256, 1024, 4096, 16384, 65536], help: 'size-matrix payload sizes (1k = 1024)' });
export const FORMATS = option({ name: 'formats', group: 'tests', kind: listOf(PAYLOAD_FORMATS, false), default: [...PAYLOAD_FORMATS], help: 'format-comparison formats' });
export const MAX_CONNECTIONS = option({
  name: 'maxConnections', group: 'tests', kind: integer(1), default: fromProfile((p) => p.maxConnections),
  help: 'connection-limit upper bound and the embedded server\'s cap; tiers may not exceed it',
});
export const LIMIT_START = option({ name: 'limitStart', group: 'tests', kind: integer(1), default: fromProfile((p) => p.limitStartConnections), help: 'connection-limit first probe' });
export const START_AT = option({
  name: 'startAt', group: 'tests', kind: integer(0), arg: '<unix ms>', defaultText: 'none',
  help: 'run on a timetable from this wall-clock time (epoch ms): every tier\'s connect, measure and close phase starts at a time computed from the options (shown up front), the same on every machine, so runs there can be merged; a phase reached late still runs and its tier is marked partial with how late',
});
export const SHARD = option({
  name: 'shard', group: 'tests', kind: shardOf, defaultText: 'none',
  help: 'run share i of n (from 0: 0/4 … 3/4) of every tier\'s connections, split like --procs; needs --start-at (every shard runs the same timetable); `merge` joins the shards\' JSON',
});
export const LIMIT_HOLD = option({ name: 'limitHold', group: 'tests', kind: seconds(0.1), default: fromProfile((p) => p.limitHoldSec), help: 'connection-limit hold per probe' });
export const RATE = option({
  name: 'rate', group: 'tests', kind: positiveNumber, arg: '<msg/s>', defaultText: 'off: as fast as possible',
  help: 'open loop for throughput, size-matrix, ping-latency: each connection\'s messages (pings) are due on a fixed timetable at this rate; latency counts from the due time (corrected for coordinated omission) and from the actual write (uncorrected); a latency ping follows every max(1, rate/50)-th message (at most 64 KB apart); ping-latency sends --pings pings at this rate, up to 4 unanswered',
});
export const TOTAL_RATE = option({ name: 'totalRate', group: 'tests', kind: positiveNumber, arg: '<msg/s>', defaultText: 'off', help: 'like --rate, but the rate of all connections of a tier together (each gets rate ÷ connections)' });
export const RAMP = option({
  name: 'ramp', group: 'tests', kind: positiveNumberList, arg: '<r1,r2,…>', defaultText: 'off',
  help: 'open loop at each per-connection rate in turn (rising) on the same connections; stops after the first step whose corrected p99 reaches --slo-ms or that achieves < 95 % of its rate, and reports the highest passing rate',
});
export const SLO_MS = option({ name: 'sloMs', group: 'tests', kind: positiveNumber, arg: '<ms>', defaultText: 'none (required with --ramp)', help: 'latency objective: corrected p99 must stay under it (marks each open-loop step pass/fail)' });

// --- output -------------------------------------------------------------------------------------------

export const OUTPUT = option({ name: 'output', group: 'output', kind: oneOf(OUTPUT_FORMATS), default: 'text', help: 'report format (html: one self-contained page of charts and tables; needs --out)' });
/** compare and merge print tables of several runs: no html page. */
export const TEXT_OUTPUT = option({ name: 'output', group: 'output', kind: oneOf(TEXT_OUTPUT_FORMATS), default: 'text', help: 'report format' });
export const OUT = option({ name: 'out', group: 'output', kind: text, arg: '<file>', defaultText: 'none', help: 'write the report in the --output format to this file (text tables still go to stdout)' });
export const SVG = option({ name: 'svg', group: 'output', kind: text, arg: '<dir>', defaultText: 'none', help: 'also write the charts as .svg files and an index.md that embeds them into this directory' });
export const PER_WORKER = option({ name: 'perWorker', group: 'output', kind: flag, default: false, help: 'with --procs: a load row per worker process' });
export const PROGRESS = option({ name: 'progress', group: 'output', kind: flag, default: false, defaultText: 'on when stderr is a TTY', help: 'show progress on stderr even when it is not a TTY' });

// --- the embedded server: the run's --server-* flags and serve's own ------------------------------------

const SERVER_MODE_SETTING = { group: 'server', kind: oneOf(SERVER_MODES), default: 'wse', help: 'parse every message like WSE, or only count frames' } as const;
const SERVER_TRANSPORT_SETTING = {
  group: 'server', kind: oneOf(SERVER_TRANSPORT_CHOICES), default: 'auto',
  help: 'WebSocket server (auto: core, the fastest measured; uws = uWebSockets.js where a build loads, Node 20 here; bun = Bun.serve, under Bun)',
} as const;
const SERVER_WORKERS_SETTING = { group: 'server', kind: integer(1, 256), default: 1, help: 'server processes sharing the port' } as const;

export const SERVER_MODE = option({ name: 'serverMode', ...SERVER_MODE_SETTING });
export const SERVER_TRANSPORT = option({ name: 'serverTransport', ...SERVER_TRANSPORT_SETTING });
export const SERVER_WORKERS = option({ name: 'serverWorkers', ...SERVER_WORKERS_SETTING });
export const CERT = option({ name: 'cert', group: 'server', kind: text, arg: '<file>', defaultText: 'with --tls: a generated self-signed pair', help: 'PEM certificate to serve wss:// with (needs --key; implies --tls)' });
export const KEY = option({ name: 'key', group: 'server', kind: text, arg: '<file>', defaultText: 'none', help: 'PEM private key of --cert' });
export const RATE_LIMIT = option({ name: 'rateLimit', group: 'server', kind: oneOf(RATE_LIMITS), default: 'off', help: 'WSE\'s per-connection rate limiter (a token bucket)' });

export const LISTEN_HOST = option({ name: 'host', group: 'server', kind: text, arg: '<addr>', default: '127.0.0.1', help: 'listen address' });
export const LISTEN_PORT = option({ name: 'port', group: 'server', kind: integer(0, 65535), default: 5006, help: 'port, 0 = any free port' });
export const MODE = option({ name: 'mode', ...SERVER_MODE_SETTING });
export const SERVE_TRANSPORT = option({ name: 'transport', ...SERVER_TRANSPORT_SETTING });
export const WORKERS = option({ name: 'workers', ...SERVER_WORKERS_SETTING });
export const SERVE_MAX_CONNECTIONS = option({ name: 'maxConnections', group: 'server', kind: integer(1, 10_000_000), default: 100_000, help: 'connections over this are closed right after the upgrade' });
export const SERVE_TLS = option({ name: 'tls', group: 'server', kind: flag, default: false, help: 'serve wss:// (with a generated self-signed certificate unless --cert/--key)' });
/** Internal: spawned by startEmbeddedServer or a multi-worker primary; report over the IPC channel. */
export const IPC = option({ name: 'ipc', group: 'server', kind: flag, default: false, internal: true, help: 'report readiness and stats over the IPC channel' });
/** Internal: a worker of a multi-process server, sharing the port with SO_REUSEPORT. */
export const REUSE_PORT = option({ name: 'reusePort', group: 'server', kind: flag, default: false, internal: true, help: 'share the port with sibling processes (SO_REUSEPORT)' });
/** Internal, for tests: shorter timeouts than a real server's. */
export const HANDSHAKE_TIMEOUT = option({ name: 'handshakeTimeout', group: 'server', kind: integer(1, 3_600_000), arg: '<ms>', internal: true, help: 'drop a connection whose upgrade has not completed by then' });
export const IDLE_TIMEOUT = option({ name: 'idleTimeout', group: 'server', kind: integer(1, 3_600_000), arg: '<ms>', internal: true, help: 'close a connection without client data for this long' });

// --- compare --------------------------------------------------------------------------------------------

export const TRANSPORTS = option({ name: 'transports', group: 'compare', kind: listOf(CLIENT_TRANSPORT_NAMES, false), arg: '<t,…>', default: [...CLIENT_TRANSPORT_NAMES], help: 'client transports to compare' });
export const RUNTIMES = option({ name: 'runtimes', group: 'compare', kind: listOf(RUNTIME_NAMES, false), arg: '<r,…>', default: [...RUNTIME_NAMES], help: 'runtimes to run each transport under' });
export const REPEAT = option({ name: 'repeat', group: 'compare', kind: integer(1), default: 3, help: 'interleaved rounds: every combination runs once per round' });
export const PIN = option({
  name: 'pin', group: 'compare', kind: flag, default: false,
  help: 'with taskset and 2+ cores: the embedded server on the last core, every run on the others (so they do not steal each other\'s CPU)',
});

// --- every command ----------------------------------------------------------------------------------------

export const HELP = option({ name: 'help', group: 'general', kind: flag, default: false, defaultText: '', help: 'print this help' });
export const VERSION = option({ name: 'version', group: 'general', kind: flag, default: false, defaultText: '', help: 'print the version' });
