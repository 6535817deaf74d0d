// JSON Schema of `--output json` (a RunResult), checked by bench/json-schema.ts. Schema 2 files
// and schema-1 files (which differ only by what 2 added: nulls, notRun, nothingMeasured, countedNotes,
// environment.pid) both conform; `merge` upgrades a schema-1 file after checking it (merge/input.ts).
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import { type JsonSchema, validateAgainstSchema } from '../json-schema.js';
import { CLOCK_MODES, PARSE_MODES, RATE_LIMITS, SERVER_MODES, TEST_NAMES } from '../options/choices.js';
import { RESULTS_SCHEMA_VERSION, type CountedNote } from '../results.js';
import { WSE_METRIC_KEYS } from '../server/wse-metrics.js';

const num: JsonSchema = { type: 'number' };
const nonNegative: JsonSchema = { type: 'number', minimum: 0 };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const str: JsonSchema = { type: 'string' };
const countsByKey: JsonSchema = { type: 'object', additionalProperties: count };
/** A measured number, or null when nothing was measured. */
const measured: JsonSchema = { type: ['number', 'null'], minimum: 0 };
const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
const nullableCount: JsonSchema = { type: ['integer', 'null'], minimum: 0 };
const nullableNumber: JsonSchema = { type: ['number', 'null'] };

function object(properties: Record<string, JsonSchema>, required: string[], additionalProperties: boolean | JsonSchema = false): JsonSchema {
  return { type: 'object', properties, required, additionalProperties };
}

const testName: JsonSchema = { type: 'string', enum: TEST_NAMES };

/** What a tier of `tests` must hold: its measurement, even when that is null. */
function tierOf(tests: readonly string[], required: string[]): JsonSchema {
  return { if: { properties: { test: { enum: tests } } }, then: { required } };
}

const COUNTED_NOTE_KINDS = [
  'closed-before-barrier', 'barrier-pong-missing', 'last-probe-missing', 'closed-before-send', 'pings-unanswered',
  'behind-schedule', 'rate-limit-warnings', 'connection-errors', 'held-open',
] as const satisfies readonly CountedNote['kind'][];

export const RUN_RESULT_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://wse-bench/schema/run-result-v2.json',
  title: 'wse-bench RunResult',
  $defs: {
    /** A latency summary, or null: the histogram was empty (schema-1 files wrote count 0 instead). */
    latency: {
      ...object(
        { count, min: nonNegative, mean: nonNegative, p50: nonNegative, p95: nonNegative, p99: nonNegative, p999: nonNegative, p9999: nonNegative, max: nonNegative, hdr: str },
        ['count', 'min', 'mean', 'p50', 'p95', 'p99', 'p999', 'p9999', 'max', 'hdr'],
      ),
      type: ['object', 'null'],
    },
    processUsage: object(
      {
        eventLoopUtilization: { type: 'number', minimum: 0, maximum: 1 },
        eventLoopMeasured: { type: 'boolean' },
        cpuUserMicros: nonNegative, cpuSystemMicros: nonNegative, cpuCores: nonNegative, rssBytes: nonNegative, wallMicros: nonNegative,
      },
      ['eventLoopUtilization', 'cpuUserMicros', 'cpuSystemMicros', 'cpuCores', 'rssBytes', 'wallMicros'],
    ),
    serverCounters: object(
      {
        connectionsOpened: num, connectionsRejected: num, authFailures: num,
        connectionsClosedByCode: { type: 'object', additionalProperties: num },
        messages: object(
          { text: num, binary: num, json: num, msgpack: num, zlib: num, encrypted: num, bad: num },
          ['text', 'binary', 'json', 'msgpack', 'zlib', 'encrypted', 'bad'],
        ),
        bytes: object({ text: num, binary: num }, ['text', 'binary']),
        pings: num, heartbeatReplies: num, rateLimitedDrops: num,
        // counted since the fanout test; older results lack them
        sent: object({ messages: num, bytes: num }, ['messages', 'bytes']), slowConsumerDrops: num, published: num,
      },
      ['connectionsOpened', 'connectionsRejected', 'authFailures', 'connectionsClosedByCode', 'messages', 'bytes', 'pings', 'heartbeatReplies', 'rateLimitedDrops'],
    ),
    tier: object(
      {
        test: testName,
        startedAtEpochMs: num, endedAtEpochMs: num,
        connections: count,
        label: str,
        params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
        connectionCounts: object(
          { attempted: count, established: count, failed: count, failedByKind: countsByKey },
          ['attempted', 'established', 'failed', 'failedByKind'],
        ),
        connectRatePerSec: measured,
        connectLatency: ref('latency'),
        tlsHandshake: ref('latency'),
        messages: object(
          {
            sent: count, delivered: count, queuedBytesAtSendEnd: nonNegative, payloadBytes: count, windowMs: nonNegative,
            windowStartEpochMs: num, windowEndEpochMs: num, sendPhaseMs: nonNegative,
            deliveredPerSec: measured, deliveredMBPerSec: measured, perConnectionPerSec: measured,
          },
          ['sent', 'delivered', 'queuedBytesAtSendEnd', 'payloadBytes', 'windowMs', 'windowStartEpochMs', 'windowEndEpochMs', 'sendPhaseMs', 'deliveredPerSec', 'deliveredMBPerSec', 'perConnectionPerSec'],
        ),
        latency: ref('latency'),
        hold: object(
          { heldMs: nonNegative, survivalPct: { type: ['number', 'null'], minimum: 0, maximum: 100 }, disconnects: count, pingsSent: count, pongsReceived: count, p50ByInterval: { type: 'array', items: measured } },
          ['heldMs', 'survivalPct', 'disconnects', 'pingsSent', 'pongsReceived', 'p50ByInterval'],
        ),
        openLoop: object(
          {
            requestedPerSec: nonNegative, requestedPerConnectionPerSec: nonNegative, achievedPerSec: nonNegative,
            probeEvery: { type: 'integer', minimum: 1 }, behindAtScheduleEnd: count,
            corrected: ref('latency'), uncorrected: ref('latency'), sloMs: nonNegative, withinSlo: { type: 'boolean' },
          },
          ['requestedPerSec', 'requestedPerConnectionPerSec', 'achievedPerSec', 'probeEvery', 'behindAtScheduleEnd', 'corrected', 'uncorrected'],
        ),
        fanout: object(
          {
            parse: { type: 'string', enum: PARSE_MODES }, payloadBytes: count, requestedRatePerSec: nullableNumber, publisherDriven: { type: 'boolean' },
            subscribers: count, streams: count, published: nullableCount, publishedPerSec: nullableNumber, expectedDeliveries: nullableCount,
            received: count, deliveriesPerSec: nonNegative, MBPerSec: nonNegative, duplicates: count, reordered: count,
            lost: count, subscribersWithLoss: count, maxLossPerSubscriber: count, silentSubscribers: count,
            serverSubscribers: nullableCount, serverSubscribersAtEnd: nullableCount, serverDelivered: nullableCount, serverDrops: nullableCount,
            lostInFlight: { type: ['integer', 'null'] },
            windowMs: nonNegative, windowStartEpochMs: num, windowEndEpochMs: num,
            latency: ref('latency'), clock: { type: 'string', enum: CLOCK_MODES }, clockOffsetMicros: num, clockUncertaintyMicros: nonNegative,
            negativeLatencies: count,
          },
          [
            'parse', 'payloadBytes', 'requestedRatePerSec', 'publisherDriven', 'subscribers', 'streams', 'published', 'publishedPerSec', 'expectedDeliveries',
            'received', 'deliveriesPerSec', 'MBPerSec', 'duplicates', 'reordered', 'lost', 'subscribersWithLoss', 'maxLossPerSubscriber',
            'silentSubscribers', 'serverSubscribers', 'serverSubscribersAtEnd', 'serverDelivered', 'serverDrops', 'lostInFlight',
            'windowMs', 'windowStartEpochMs', 'windowEndEpochMs', 'clock', 'negativeLatencies',
          ],
        ),
        serverMetrics: object(Object.fromEntries(WSE_METRIC_KEYS.map((key) => [key, num])), []),
        serverErrors: countsByKey,
        unexpectedCloses: countsByKey,
        client: ref('processUsage'),
        workers: { type: 'array', items: ref('processUsage') },
        server: object(
          { counters: ref('serverCounters'), cpuUserMicros: nonNegative, cpuSystemMicros: nonNegative, cpuCores: nonNegative },
          ['counters', 'cpuUserMicros', 'cpuSystemMicros', 'cpuCores'],
        ),
        saturated: { type: 'string', enum: ['client', 'server', 'neither', 'unknown'] },
        consistency: object({ ok: { type: 'boolean' }, clientDelivered: num, serverReceived: num, message: str }, ['ok', 'clientDelivered', 'serverReceived', 'message']),
        partial: str,
        lateMs: nonNegative,
        notes: { type: 'array', items: str },
        countedNotes: {
          type: 'array',
          items: object({ kind: { type: 'string', enum: COUNTED_NOTE_KINDS }, count, of: count, holdSec: nonNegative }, ['kind', 'count']),
        },
      },
      ['test', 'startedAtEpochMs', 'endedAtEpochMs', 'connections', 'params', 'connectionCounts', 'serverErrors', 'unexpectedCloses', 'client', 'saturated', 'notes'],
    ),
    /** A tier holds its test's measurement; merging a tier without it would invent one. */
    measuredTier: {
      allOf: [
        ref('tier'),
        tierOf(['throughput', 'size-matrix', 'format-comparison'], ['messages']),
        tierOf(['ping-latency'], ['latency']),
        tierOf(['sustained-hold'], ['hold', 'latency']),
        tierOf(['connection-storm'], ['connectLatency']),
      ],
    },
    test: object(
      {
        test: testName,
        tiers: { type: 'array', items: ref('measuredTier') },
        probes: {
          type: 'array',
          items: object({ phase: { type: 'string', enum: ['probe', 'bisect'] }, target: count, connected: count, ok: { type: 'boolean' } }, ['phase', 'target', 'connected', 'ok']),
        },
        maxStableConnections: count,
        stoppedBy: str,
        ramp: {
          type: 'array',
          items: object(
            {
              connections: count, label: str, sloMs: nonNegative,
              stepsPerConnection: { type: 'array', items: nonNegative },
              highestPassingPerConnection: { type: ['number', 'null'], minimum: 0 },
              highestPassingTotal: { type: ['number', 'null'], minimum: 0 },
              failedBecause: str,
            },
            ['connections', 'sloMs', 'stepsPerConnection', 'highestPassingPerConnection', 'highestPassingTotal'],
          ),
        },
      },
      ['test', 'tiers'],
    ),
  },
  ...object(
    {
      schemaVersion: { enum: [1, RESULTS_SCHEMA_VERSION] },
      tool: object({ name: str, version: str }, ['name', 'version']),
      startedAt: str,
      finishedAt: str,
      environment: object(
        { runtime: { type: 'string', enum: ['node', 'bun'] }, runtimeVersion: str, platform: str, arch: str, cpuModel: str, cpus: count, totalMemoryBytes: count, hostname: str, fdLimit: count, pid: count },
        ['runtime', 'runtimeVersion', 'platform', 'arch', 'cpuModel', 'cpus', 'totalMemoryBytes', 'hostname'],
      ),
      transport: { type: 'string', enum: CLIENT_TRANSPORT_NAMES },
      procs: { type: 'integer', minimum: 1 },
      server: object(
        {
          embedded: { type: 'boolean' }, url: str, transport: str, mode: { type: 'string', enum: SERVER_MODES }, rateLimit: { type: 'string', enum: RATE_LIMITS }, workers: count,
          metrics: object({ url: str, problem: str }, ['url']),
        },
        ['embedded', 'url'],
      ),
      options: { type: 'object' },
      tests: { type: 'array', items: ref('test') },
      partial: str,
      notRun: { type: 'array', items: object({ test: testName, reason: str }, ['test', 'reason']) },
      nothingMeasured: str,
      thresholds: {
        type: 'array',
        items: object(
          { threshold: str, metric: str, passed: { type: 'boolean' }, value: { type: ['number', 'null'] }, measured: str, where: str },
          ['threshold', 'metric', 'passed', 'value', 'measured'],
        ),
      },
      clockOffset: object({ offsetMs: num, uncertaintyMs: nonNegative, samples: { type: 'integer', minimum: 1 } }, ['offsetMs', 'uncertaintyMs', 'samples']),
    },
    ['schemaVersion', 'tool', 'startedAt', 'finishedAt', 'environment', 'transport', 'procs', 'server', 'options', 'tests'],
  ),
};

/** Every way `value` is not a RunResult, as 'path: problem'; empty when it is one. */
export function validateRunResult(value: unknown): string[] {
  return validateAgainstSchema(value, RUN_RESULT_SCHEMA);
}

/** The schema as published in schema/run-result.schema.json and printed by --print-schema. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(RUN_RESULT_SCHEMA, null, 2)}\n`;
}
