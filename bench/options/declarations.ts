// Every option of every command, each declared once. A command lists the ones it takes
// (commands.ts); where two commands name the same setting differently (the run's --server-mode is
// serve's --mode), the setting is declared once and bound to each name.
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import { thresholdExpression } from '../thresholds/expression.js';
import {
  AUTH_PLACES,
  CLOCK_MODES,
  MESSAGE_FRAMES,
  OUTPUT_FORMATS,
  PARSE_MODES,
  PAYLOAD_FORMATS,
  RATE_LIMITS,
  SERVER_MODES,
  SERVER_TRANSPORT_CHOICES,
  TEST_NAMES,
  TEXT_OUTPUT_FORMATS,
} from './choices.js';
import { RUNTIME_NAMES } from '../compare/runtime-table.mjs';
import { fromProfile, option } from './option.js';
import { httpHeader, wsUrl } from './target-kinds.js';
import { duration, flag, integer, integerList, listOf, oneOf, positiveNumber, positiveNumberList, processCounts, repeatable, seconds, shardOf, text } from './value-kinds.js';

// --- the target and the client (the benchmark run) --------------------------------------------------

export const TARGET_URL = option({
  name: 'url', group: 'target', kind: wsUrl, defaultText: 'none',
  help: 'the target as a URL, also accepted as the first argument (wse-bench ws://10.0.0.5:5006/wse): sets --host, --port, --tls (wss://) and --path (unless it is only /)',
});
export const HOST = option({ name: 'host', group: 'target', kind: text, arg: '<addr>', help: 'WSE server to benchmark', defaultText: 'none: start the embedded server' });
export const PORT = option({ name: 'port', group: 'target', kind: integer(1, 65535), help: 'its port', default: 5006 });
export const PATH = option({ name: 'path', group: 'target', kind: text, arg: '<path>', help: 'endpoint path and query', default: '/wse?compression=false&protocol_version=1' });
/** The benchmark's public default secret (WSE-PROTOCOL.md): not a credential, so reports may show it. */
export const PUBLIC_SECRET = 'bench-secret-key-for-testing-only';
export const SECRET = option({
  name: 'secret', group: 'target', kind: text, default: PUBLIC_SECRET,
  help: 'HS256 secret the JWT is signed with; give it as WSE_BENCH_SECRET instead: a command line is visible to every user in ps. A secret other than this public default is shown as [redacted] in every report, progress line and error',
});
export const SECRET_FILE = option({
  name: 'secretFile', group: 'target', kind: text, arg: '<file>', defaultText: 'none',
  help: 'read the secret from this file (one trailing newline dropped), e.g. a Kubernetes Secret mounted as a volume: it then appears in no command line',
});
export const ISSUER = option({ name: 'issuer', group: 'target', kind: text, help: 'JWT iss claim', default: 'wse-bench' });
export const AUDIENCE = option({ name: 'audience', group: 'target', kind: text, help: 'JWT aud claim', default: 'wse-bench' });
export const SUBJECT = option({ name: 'subject', group: 'target', kind: text, help: 'JWT sub claim (the user id)', default: 'bench-user' });
export const AUTH = option({
  name: 'auth', group: 'target', kind: oneOf(AUTH_PLACES), default: 'cookie',
  help: 'send the JWT as the access_token cookie, as Authorization: Bearer, or not at all (none: e.g. your own credentials with --header)',
});
export const HEADER = option({
  name: 'header', group: 'target', kind: repeatable(httpHeader),
  help: 'an extra request header of every upgrade, repeatable (--header \'X-Tenant: acme\'); a Cookie is sent after the token\'s; values never appear in reports',
});
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
export const METRICS_PORT = option({
  name: 'metricsPort', group: 'target', kind: integer(0, 65535), defaultText: 'with --host: --port + 1000 (WSE\'s convention); the embedded server\'s own',
  help: 'the target\'s Prometheus GET /metrics, read around every tier (wse_messages_received_total, wse_slow_consumer_drops_total …) and checked against the client\'s counts; missing or malformed is one line in the report; 0 = do not read it',
});
export const CONNECT_TIMEOUT = option({ name: 'connectTimeout', group: 'target', kind: duration('ms', 1, true), default: 10_000, help: 'per-connection handshake timeout (TCP + upgrade + server_ready)' });

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
export const PUBLISH_RATE = option({
  name: 'publishRate', group: 'tests', kind: positiveNumber, arg: '<msg/s>', defaultText: 'as fast as the server can',
  help: 'fanout: unique messages the embedded server publishes per second (each server worker its own stream at this rate)',
});
export const PARSE = option({
  name: 'parse', group: 'tests', kind: oneOf(PARSE_MODES), default: 'json',
  help: 'fanout: json = JSON.parse every message, as a real subscriber does; none = read seq and ts_us from the bytes (the transport alone)',
});
export const CLOCK = option({
  name: 'clock', group: 'tests', kind: oneOf(CLOCK_MODES), default: 'shared',
  help: 'fanout delivery latency = arrival − the message\'s ts_us: shared = the server\'s clock is this machine\'s (true for the embedded server; with --host only on the same host or with synchronised clocks); ping = estimate the server clock\'s offset from WSE ping round trips before each tier (±0.5 ms and half a round trip: WSE stamps PONGs in ms); off = no latency',
});
export const SLO_MS = option({
  name: 'sloMs', group: 'tests', kind: duration('ms', 0.001), defaultText: 'none (required with --ramp)',
  help: 'latency objective: corrected p99 must stay under it, each open-loop step marked pass/FAIL; without --ramp it is a threshold (a FAIL step exits 99), with --ramp it only says where the ramp stopped',
});
export const MESSAGE = option({
  name: 'message', group: 'tests', kind: text, arg: '<file>', defaultText: 'the reference\'s trading message',
  help: 'what throughput, size-matrix and format-comparison send: a JSON file (one message object, or an array sent in turn) or a msgpack file, with placeholders such as "{{seq}}", "{{ts}}", "{{int:1:100}}" (README: Your own messages)',
});
export const FRAME = option({
  name: 'frame', group: 'tests', kind: oneOf(MESSAGE_FRAMES), defaultText: 'text (binary for a msgpack file)',
  help: 'with --message: JSON in text frames, or the same bytes in binary frames (a msgpack file is always sent binary, as M: + msgpack)',
});

// --- output -------------------------------------------------------------------------------------------

export const OUTPUT = option({ name: 'output', group: 'output', kind: oneOf(OUTPUT_FORMATS), default: 'text', help: 'report format (html: one self-contained page of charts and tables; needs --out)' });
/** compare and merge print tables of several runs: no html page. */
export const TEXT_OUTPUT = option({ name: 'output', group: 'output', kind: oneOf(TEXT_OUTPUT_FORMATS), default: 'text', help: 'report format' });
export const OUT = option({ name: 'out', group: 'output', kind: text, arg: '<file>', defaultText: 'none', help: 'write the report in the --output format to this file (text tables still go to stdout)' });
export const HTML = option({
  name: 'html', group: 'output', kind: text, arg: '<file>', defaultText: 'none',
  help: 'also write the HTML report (charts and every table) to this file, whatever --output says (e.g. --output json --out run.json --html run.html)',
});
export const SVG = option({ name: 'svg', group: 'output', kind: text, arg: '<dir>', defaultText: 'none', help: 'also write the charts as .svg files and an index.md that embeds them into this directory' });
export const PER_WORKER = option({ name: 'perWorker', group: 'output', kind: flag, default: false, help: 'with --procs: a load row per worker process' });
export const PROGRESS = option({
  name: 'progress', group: 'output', kind: flag, default: false,
  help: 'when stderr is not a TTY, also a line at each phase start (progress is always on: a live line on a TTY, a line every 5 s elsewhere)',
});
export const QUIET = option({ name: 'quiet', group: 'output', kind: flag, default: false, short: 'q', help: 'no progress on stderr (warnings, errors and the end summary still show)' });
export const LIVE = option({
  name: 'live', group: 'output', kind: text, arg: '<file>', defaultText: 'none',
  help: 'write one JSON line a second while running: elapsed, test, tier, rates, errors, latency of the last second (for dashboards and scripts)',
});
export const THRESHOLD = option({
  name: 'threshold', group: 'output', kind: repeatable(thresholdExpression),
  help: 'pass/fail criterion, repeatable: \'throughput.delivered_per_sec>=1e6\', \'ping-latency[1000].p99<=20ms\', \'errors==0\'; any FAIL exits 99 (grammar: README, metric names: --print-metrics)',
});
export const FAIL_FAST = option({ name: 'failFast', group: 'output', kind: flag, default: false, help: 'stop as soon as a threshold can no longer pass (after the tier or test it judges), report what ran, exit 99' });

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
export const SERVE_METRICS_PORT = option({
  name: 'metricsPort', group: 'server', kind: integer(0, 65535), defaultText: '--port + 1000, or any free port if that is taken',
  help: 'plain-HTTP port of GET /metrics (Prometheus text, WSE\'s metric names) and of the fan-out publisher\'s control (POST /fanout/start?payload_bytes=N&rate=R, POST /fanout/stop, with the JWT as Bearer); 0 = none',
});
export const OUTBOUND_QUEUE = option({
  name: 'outboundQueue', group: 'server', kind: integer(1024, 1024 * 1024 * 1024), arg: '<bytes>', default: 256 * 1024,
  help: 'WSE\'s max_outbound_queue_bytes: a fan-out message that would take a connection\'s queue past it is dropped for that connection and counted (wse_slow_consumer_drops_total); the connection stays open',
});
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

export const HELP = option({ name: 'help', group: 'general', kind: flag, default: false, defaultText: '', short: 'h', flagOnly: true, help: 'print this help' });
export const VERSION = option({ name: 'version', group: 'general', kind: flag, default: false, defaultText: '', flagOnly: true, help: 'print the version' });
export const CONFIG = option({
  name: 'config', group: 'general', kind: text, arg: '<file>', defaultText: 'none',
  help: 'read options from a JSON file whose keys are the long options ({"tiers": "100,1k", "duration": "30s", "threshold": ["errors==0"]}); the environment (WSE_BENCH_<OPTION>, e.g. WSE_BENCH_SECRET, WSE_BENCH_MAX_CONNECTIONS) overrides it, the command line overrides both',
});
export const PRINT_CONFIG = option({ name: 'printConfig', group: 'general', kind: flag, default: false, defaultText: '', flagOnly: true, help: 'print every setting and where it came from (default, profile, config file, environment, command line), then exit' });
export const PRINT_SCHEMA = option({ name: 'printSchema', group: 'general', kind: flag, default: false, defaultText: '', flagOnly: true, help: 'print the JSON schema of --output json (schema/run-result.schema.json), then exit' });
export const PRINT_METRICS = option({ name: 'printMetrics', group: 'general', kind: flag, default: false, defaultText: '', flagOnly: true, help: 'print the metric names --threshold takes, with their units, then exit' });
