// JSON Schema of `--output json` (a RunResult), checked by bench/json-schema.ts.
import { CLIENT_TRANSPORT_NAMES } from '../../adapters/client/names.js';
import { type JsonSchema, validateAgainstSchema } from '../json-schema.js';
import { RATE_LIMITS, SERVER_MODES, TEST_NAMES } from '../options/choices.js';
import { RESULTS_SCHEMA_VERSION } from '../results.js';

const num: JsonSchema = { type: 'number' };
const nonNegative: JsonSchema = { type: 'number', minimum: 0 };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const str: JsonSchema = { type: 'string' };
const countsByKey: JsonSchema = { type: 'object', additionalProperties: count };
const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });

function object(properties: Record<string, JsonSchema>, required: string[], additionalProperties: boolean | JsonSchema = false): JsonSchema {
  return { type: 'object', properties, required, additionalProperties };
}

const testName: JsonSchema = { type: 'string', enum: TEST_NAMES };

export const RUN_RESULT_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://wse-bench/schema/run-result-v1.json',
  title: 'wse-bench RunResult',
  $defs: {
    latency: object(
      { count, min: nonNegative, mean: nonNegative, p50: nonNegative, p95: nonNegative, p99: nonNegative, p999: nonNegative, p9999: nonNegative, max: nonNegative, hdr: str },
      ['count', 'min', 'mean', 'p50', 'p95', 'p99', 'p999', 'p9999', 'max', 'hdr'],
    ),
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
        connectRatePerSec: nonNegative,
        connectLatency: ref('latency'),
        tlsHandshake: ref('latency'),
        messages: object(
          {
            sent: count, delivered: count, queuedBytesAtSendEnd: nonNegative, payloadBytes: count, windowMs: nonNegative,
            windowStartEpochMs: num, windowEndEpochMs: num, sendPhaseMs: nonNegative,
            deliveredPerSec: nonNegative, deliveredMBPerSec: nonNegative, perConnectionPerSec: nonNegative,
          },
          ['sent', 'delivered', 'queuedBytesAtSendEnd', 'payloadBytes', 'windowMs', 'windowStartEpochMs', 'windowEndEpochMs', 'sendPhaseMs', 'deliveredPerSec', 'deliveredMBPerSec', 'perConnectionPerSec'],
        ),
        latency: ref('latency'),
        hold: object(
          { heldMs: nonNegative, survivalPct: { type: 'number', minimum: 0, maximum: 100 }, disconnects: count, pingsSent: count, pongsReceived: count, p50ByInterval: { type: 'array', items: nonNegative } },
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
      },
      ['test', 'startedAtEpochMs', 'endedAtEpochMs', 'connections', 'params', 'connectionCounts', 'serverErrors', 'unexpectedCloses', 'client', 'saturated', 'notes'],
    ),
    test: object(
      {
        test: testName,
        tiers: { type: 'array', items: ref('tier') },
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
      schemaVersion: { const: RESULTS_SCHEMA_VERSION },
      tool: object({ name: str, version: str }, ['name', 'version']),
      startedAt: str,
      finishedAt: str,
      environment: object(
        { runtime: { type: 'string', enum: ['node', 'bun'] }, runtimeVersion: str, platform: str, arch: str, cpuModel: str, cpus: count, totalMemoryBytes: count, hostname: str, fdLimit: count },
        ['runtime', 'runtimeVersion', 'platform', 'arch', 'cpuModel', 'cpus', 'totalMemoryBytes', 'hostname'],
      ),
      transport: { type: 'string', enum: CLIENT_TRANSPORT_NAMES },
      procs: { type: 'integer', minimum: 1 },
      server: object(
        { embedded: { type: 'boolean' }, url: str, transport: str, mode: { type: 'string', enum: SERVER_MODES }, rateLimit: { type: 'string', enum: RATE_LIMITS }, workers: count },
        ['embedded', 'url'],
      ),
      options: { type: 'object' },
      tests: { type: 'array', items: ref('test') },
      partial: str,
      clockOffset: object({ offsetMs: num, uncertaintyMs: nonNegative, samples: { type: 'integer', minimum: 1 } }, ['offsetMs', 'uncertaintyMs', 'samples']),
    },
    ['schemaVersion', 'tool', 'startedAt', 'finishedAt', 'environment', 'transport', 'procs', 'server', 'options', 'tests'],
  ),
};

/** Every way `value` is not a RunResult, as 'path: problem'; empty when it is one. */
export function validateRunResult(value: unknown): string[] {
  return validateAgainstSchema(value, RUN_RESULT_SCHEMA);
}
