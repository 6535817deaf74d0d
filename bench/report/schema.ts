// JSON Schema (draft 2020-12 subset) of `--output json`, and a small validator for exactly the
// keywords used here: type, properties, required, additionalProperties, items, enum, const,
// minimum, maximum, $ref into $defs.
import { RESULTS_SCHEMA_VERSION, TEST_NAMES } from '../results.js';

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  minimum?: number;
  maximum?: number;
}

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

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
      transport: { type: 'string', enum: ['core', 'ws', 'web'] },
      procs: { type: 'integer', minimum: 1 },
      server: object(
        { embedded: { type: 'boolean' }, url: str, transport: str, mode: { type: 'string', enum: ['wse', 'sink'] }, rateLimit: { type: 'string', enum: ['off', 'wse'] }, workers: count },
        ['embedded', 'url'],
      ),
      options: { type: 'object' },
      tests: { type: 'array', items: ref('test') },
      partial: str,
    },
    ['schemaVersion', 'tool', 'startedAt', 'finishedAt', 'environment', 'transport', 'procs', 'server', 'options', 'tests'],
  ),
};

/** Every violation as 'path: problem'; empty when `value` conforms. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema = RUN_RESULT_SCHEMA, root: JsonSchema = schema, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (!target) return [`${path}: unresolvable $ref ${schema.$ref}`];
    return validateAgainstSchema(value, target, root, path);
  }
  const errors: string[] = [];
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${describeType(value)}`);
      return errors;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: ${value} > maximum ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => errors.push(...validateAgainstSchema(item, schema.items!, root, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value)) errors.push(`${path}: missing required "${key}"`);
    }
    for (const [key, child] of Object.entries(value)) {
      const known = schema.properties?.[key];
      if (known) errors.push(...validateAgainstSchema(child, known, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property "${key}"`);
      else if (typeof schema.additionalProperties === 'object') {
        errors.push(...validateAgainstSchema(child, schema.additionalProperties, root, `${path}.${key}`));
      }
    }
  }
  return errors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
