// TestResult → tables in the reference report's layout, plus a load/errors table per test.
// Text and markdown render the same tables; only the drawing differs.
import type { TestName } from '../options/choices.js';
import type { RunResult, TestResult, TierResult } from '../results.js';
import { formatBytes, formatCompact, formatInteger, formatLatency, formatMB, formatPercent, formatRate, formatRelative, formatTierHeader, NO_VALUE } from './format.js';
import { describeCountedNote } from './counted-notes.js';
import { fanoutTable } from './fanout-table.js';
import { openLoopTable } from './open-loop-table.js';

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Lines shown under the table: ERROR, PARTIAL, notes. */
  lines: string[];
}

export const TEST_TITLES: Record<TestName, string> = {
  'connection-storm': 'Connection storm',
  'ping-latency': 'Ping/pong latency under load',
  throughput: 'Throughput (delivered, behind a PONG barrier)',
  'size-matrix': 'Payload size × connections (msg/s)',
  'format-comparison': 'Format comparison (msg/s)',
  'sustained-hold': 'Sustained hold',
  fanout: 'Fan-out (server push, received by the client)',
  'connection-limit': 'Connection limit',
};

export interface TableOptions {
  /** --per-worker: a load row per client worker process under each tier. */
  perWorker?: boolean;
}

export function tablesForTest(result: TestResult, options: TableOptions = {}): Table[] {
  const main = mainTables(result);
  addProcsColumns(main[0]!, result.tiers);
  main[0]!.lines.push(...tierLines(result.tiers));
  const openLoop = openLoopTable(result, TEST_TITLES[result.test]);
  if (openLoop !== undefined) main.push(openLoop);
  if (result.tiers.length > 0) main.push(loadTable(result, options.perWorker === true));
  return main;
}

/**
 * A --procs list run (--procs 1,2) has one row per tier and process count: add a Procs column and
 * the scaling efficiency (aggregate ÷ (N × the 1-process rate)), for tables with one row per tier.
 */
function addProcsColumns(table: Table, tiers: TierResult[]): void {
  if (!tiers.some((t) => t.params['procs'] !== undefined) || table.rows.length !== tiers.length) return;
  table.headers.splice(1, 0, 'Procs');
  const scaling = tiers.some((t) => typeof t.params['scalingEfficiency'] === 'number');
  if (scaling) table.headers.push('Scaling');
  table.rows.forEach((row, i) => {
    const params = tiers[i]!.params;
    row.splice(1, 0, String(params['procs'] ?? 1));
    const efficiency = params['scalingEfficiency'];
    if (scaling) row.push(typeof efficiency === 'number' ? formatPercent(efficiency) : NO_VALUE);
  });
  if (scaling) table.lines.push('Scaling = aggregate rate ÷ (procs × the same tier\'s 1-process rate); 100% = linear');
}

function mainTables(result: TestResult): Table[] {
  const title = TEST_TITLES[result.test];
  const tiers = result.tiers;
  switch (result.test) {
    case 'connection-storm': {
      // wss://: the TLS handshake's share of the connect time, in columns of its own
      const tls = tiers.some((t) => t.tlsHandshake !== undefined);
      return [{
        title,
        headers: ['Connections', 'Accept Rate', 'p50', 'p95', 'p99', 'Max', ...(tls ? ['TLS p50', 'TLS p99', 'TLS max'] : []), 'Failed'],
        rows: tiers.map((t) => [
          formatInteger(t.connections), formatRate(t.connectRatePerSec),
          formatLatency(t.connectLatency?.p50), formatLatency(t.connectLatency?.p95),
          formatLatency(t.connectLatency?.p99), formatLatency(t.connectLatency?.max),
          ...(tls ? [formatLatency(t.tlsHandshake?.p50), formatLatency(t.tlsHandshake?.p99), formatLatency(t.tlsHandshake?.max)] : []),
          formatInteger(t.connectionCounts.failed),
        ]),
        lines: [],
      }];
    }
    case 'ping-latency':
      return [{
        title,
        headers: ['Connections', 'Total Pings', 'p50', 'p95', 'p99', 'p99.9', 'Max'],
        rows: tiers.map((t) => [
          formatInteger(t.connections), formatInteger(t.latency?.count ?? 0),
          formatLatency(t.latency?.p50), formatLatency(t.latency?.p95), formatLatency(t.latency?.p99),
          formatLatency(t.latency?.p999), formatLatency(t.latency?.max),
        ]),
        lines: [],
      }];
    case 'throughput':
      return [{
        title,
        headers: ['Connections', 'Msg/s', 'MB/s', 'Per-conn msg/s', 'Delivered', 'Queued at send end'],
        rows: tiers.map((t) => {
          const m = t.messages;
          return [
            formatInteger(t.connections), formatCompact(m?.deliveredPerSec), formatMB(m?.deliveredMBPerSec),
            formatInteger(m?.perConnectionPerSec), formatInteger(m?.delivered),
            m ? formatBytes(m.queuedBytesAtSendEnd) : NO_VALUE,
          ];
        }),
        lines: [],
      }];
    case 'size-matrix':
      return sizeMatrixTables(title, tiers);
    case 'format-comparison':
      return [formatComparisonTable(title, tiers)];
    case 'sustained-hold':
      return [{
        title,
        headers: ['Connections', 'Survival', 'Disconnects', 'Total PINGs', 'p50', 'p95', 'p99'],
        rows: tiers.map((t) => [
          formatInteger(t.connections), formatSurvival(t.hold?.survivalPct),
          formatInteger(t.hold?.disconnects ?? 0), formatInteger(t.hold?.pingsSent ?? 0),
          formatLatency(t.latency?.p50), formatLatency(t.latency?.p95), formatLatency(t.latency?.p99),
        ]),
        lines: tiers
          .filter((t) => t.hold && t.hold.p50ByInterval.length > 1)
          .map((t) => `p50 per interval at ${formatInteger(t.connections)}: ${t.hold!.p50ByInterval.map((us) => formatLatency(us)).join(', ')}`),
      }];
    case 'fanout':
      return [fanoutTable(title, tiers)];
    case 'connection-limit': {
      const lines: string[] = [];
      if (result.maxStableConnections !== undefined) {
        const why = result.stoppedBy ? ` (search stopped by ${result.stoppedBy})` : '';
        lines.push(`Max stable connections: ${formatInteger(result.maxStableConnections)}${why}`);
      }
      return [{
        title,
        headers: ['Phase', 'Target', 'Connected', 'Result'],
        rows: (result.probes ?? []).map((p) => [
          p.phase === 'probe' ? 'Probe' : 'Bisect', formatInteger(p.target), formatInteger(p.connected), p.ok ? 'OK' : 'FAIL',
        ]),
        lines,
      }];
    }
  }
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function sizeMatrixTables(title: string, tiers: TierResult[]): Table[] {
  const sizes = distinct(tiers.map((t) => t.label ?? String(t.params['sizeBytes'] ?? '?')));
  const conns = distinct(tiers.map((t) => t.connections)).sort((a, b) => a - b);
  const cell = (size: string, n: number) => tiers.find((t) => (t.label ?? String(t.params['sizeBytes'])) === size && t.connections === n);
  const matrix: Table = {
    title,
    headers: ['Size \\ Conns', ...conns.map(formatTierHeader)],
    rows: sizes.map((size) => [size, ...conns.map((n) => formatCompact(cell(size, n)?.messages?.deliveredPerSec))]),
    lines: [],
  };
  const first = conns[0];
  const bandwidth: Table = {
    title: `Bandwidth at ${formatInteger(first ?? 0)} connections`,
    headers: ['Size', 'msg/s', 'Bandwidth'],
    rows: sizes.map((size) => {
      const m = first === undefined ? undefined : cell(size, first)?.messages;
      const mb = m?.deliveredMBPerSec;
      return [size, formatCompact(m?.deliveredPerSec), mb === undefined || mb === null ? NO_VALUE : `${formatMB(mb)} MB/s`];
    }),
    lines: [],
  };
  return [matrix, bandwidth];
}

const FORMAT_COLUMNS: Record<string, string> = { json: 'JSON', msgpack: 'MsgPack', zlib: 'Compressed' };

function formatComparisonTable(title: string, tiers: TierResult[]): Table {
  const formats = distinct(tiers.map((t) => t.label ?? String(t.params['format'] ?? '?')));
  const conns = distinct(tiers.map((t) => t.connections)).sort((a, b) => a - b);
  const rate = (format: string, n: number) =>
    tiers.find((t) => (t.label ?? t.params['format']) === format && t.connections === n)?.messages?.deliveredPerSec;
  const headers = ['Connections'];
  for (const f of formats) headers.push(FORMAT_COLUMNS[f] ?? f, ...(f === 'json' || !formats.includes('json') ? [] : ['vs JSON']));
  const rows = conns.map((n) => {
    const row = [formatInteger(n)];
    const json = rate('json', n);
    for (const f of formats) {
      const r = rate(f, n);
      row.push(formatCompact(r));
      if (f !== 'json' && formats.includes('json')) row.push(formatRelative(r, json));
    }
    return row;
  });
  const params = tiers[0]?.params ?? {};
  const sizes = formats
    .filter((f) => typeof params[`${f}Bytes`] === 'number')
    .map((f) => `${FORMAT_COLUMNS[f] ?? f} = ${params[`${f}Bytes`]} bytes`);
  return { title, headers, rows, lines: sizes.length > 0 ? [`Wire sizes: ${sizes.join(', ')}`] : [] };
}

/** 100% → '100%', 99.5 → '99.50%', null (no connection was established) → NO_VALUE. */
function formatSurvival(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return NO_VALUE;
  return `${pct.toFixed(pct === 100 ? 0 : 2)}%`;
}

function tierName(t: TierResult): string {
  return `${formatInteger(t.connections)}${t.label === undefined ? '' : ` ${t.label}`}`;
}

/** The saturation verdict's note ('saturation: …', 'saturation (busiest of 2 …): …') repeats the load table's ELU and CPU: tables leave it out (JSON keeps it). */
const SATURATION_NOTE = 'saturation';

/**
 * PARTIAL and ERROR lines, then each tier's notes (once) and counted notes. A PARTIAL line names the
 * tier's failed connects and unexpected closes: its causes are words, the counts come from the data.
 */
function tierLines(tiers: TierResult[]): string[] {
  const lines: string[] = [];
  for (const t of tiers) {
    const errors = errorSummary(t);
    if (t.partial) lines.push(`PARTIAL (${tierName(t)}): ${t.partial}${errors === '0' ? '' : ` (${errors})`}`);
    if (t.consistency && !t.consistency.ok) lines.push(`ERROR (${tierName(t)}): ${t.consistency.message}`);
    for (const note of t.notes) {
      if (t.consistency && note === `ERROR: ${t.consistency.message}`) continue;
      if (note.startsWith(SATURATION_NOTE)) continue;
      lines.push(note.startsWith('ERROR') ? `ERROR (${tierName(t)}): ${note.replace(/^ERROR:\s*/, '')}` : `${tierName(t)}: ${note}`);
    }
    for (const note of t.countedNotes ?? []) lines.push(`${tierName(t)}: ${describeCountedNote(note)}`);
  }
  return lines;
}

/** '3 failed (timeout 2, refused 1); RATE_LIMITED 5; close 1006 ×2', or '0'. */
export function errorSummary(t: TierResult): string {
  const parts: string[] = [];
  if (t.connectionCounts.failed > 0) {
    const kinds = Object.entries(t.connectionCounts.failedByKind).map(([k, n]) => `${k} ${n}`).join(', ');
    parts.push(`${formatInteger(t.connectionCounts.failed)} failed${kinds ? ` (${kinds})` : ''}`);
  }
  for (const [code, n] of Object.entries(t.serverErrors)) parts.push(`${code} ${formatInteger(n)}`);
  for (const [code, n] of Object.entries(t.unexpectedCloses)) parts.push(`close ${code} ×${formatInteger(n)}`);
  return parts.length === 0 ? '0' : parts.join('; ');
}

function loadTable(result: TestResult, perWorker: boolean): Table {
  const rows: string[][] = [];
  for (const t of result.tiers) {
    const procs = t.params['procs'] !== undefined ? ` ×${t.params['procs']}` : '';
    rows.push([
      `${tierName(t)}${procs}`,
      t.client.eventLoopMeasured === false ? 'n/a' : formatPercent(t.client.eventLoopUtilization),
      `${t.client.cpuCores.toFixed(2)} cores`,
      t.server ? `${t.server.cpuCores.toFixed(2)} cores` : NO_VALUE,
      t.saturated,
      errorSummary(t),
    ]);
    if (perWorker && t.workers !== undefined) {
      t.workers.forEach((w, i) => rows.push([
        `  worker ${i + 1}`,
        w.eventLoopMeasured === false ? 'n/a' : formatPercent(w.eventLoopUtilization),
        `${w.cpuCores.toFixed(2)} cores`, '', '', `RSS ${formatBytes(w.rssBytes)}`,
      ]));
    }
  }
  const merged = result.tiers.some((t) => (t.workers?.length ?? 0) > 1);
  return {
    title: `${TEST_TITLES[result.test]}: load and errors`,
    headers: ['Tier', 'Client ELU', 'Client CPU', 'Server CPU', 'Saturated', 'Errors'],
    rows,
    lines: merged ? ['With several client processes: Client ELU = their mean, Client CPU = their sum; the busiest one decides "Saturated".'] : [],
  };
}

/** What a run's header says, known before its first test: tool, runtime, machine, transport, server. */
export type RunHead = Pick<RunResult, 'tool' | 'environment' | 'transport' | 'procs' | 'server' | 'startedAt'>;

/** The header lines known before the first test (text output prints them as the run starts). */
export function runHeadLines(run: RunHead): string[] {
  const env = run.environment;
  const server = run.server.embedded
    ? `embedded ${run.server.transport ?? '?'} server, mode ${run.server.mode ?? '?'}, rate limit ${run.server.rateLimit ?? 'off'}, ${run.server.workers ?? 1} worker(s), ${run.server.url}`
    : `external server ${run.server.url}`;
  const lines = [
    `${run.tool.name} ${run.tool.version} · ${env.runtime} ${env.runtimeVersion} · transport ${run.transport} · ${run.procs} process(es)`,
    `${env.cpuModel}, ${env.cpus} cores, ${formatBytes(env.totalMemoryBytes)} RAM, ${env.platform}/${env.arch}${env.fdLimit === undefined ? '' : `, ulimit -n ${env.fdLimit}`}`,
    `Server: ${server}`,
  ];
  const metrics = run.server.metrics;
  if (metrics !== undefined) {
    lines.push(metrics.problem === undefined ? `Server /metrics: ${metrics.url}, read around every tier` : `Server /metrics: not read (${metrics.url}: ${metrics.problem})`);
  }
  return lines;
}

/** The run's header lines: tool, runtime, machine, transport, server, when, and whether it is partial. */
export function runHeaderLines(run: RunResult): string[] {
  const lines = [...runHeadLines(run), `Started ${run.startedAt}, finished ${run.finishedAt}`];
  if (run.partial) lines.push(`PARTIAL RUN: ${run.partial}`);
  for (const skipped of run.notRun ?? []) lines.push(`NOT RUN: ${skipped.test}: ${skipped.reason}`);
  if (run.nothingMeasured) lines.push(`NOTHING MEASURED: ${run.nothingMeasured}`);
  return lines;
}

/** Every --threshold with its verdict and the value it judged; undefined without thresholds. */
export function thresholdTable(run: RunResult): Table | undefined {
  const outcomes = run.thresholds;
  if (outcomes === undefined || outcomes.length === 0) return undefined;
  const failed = outcomes.filter((o) => !o.passed).length;
  return {
    title: 'Thresholds',
    headers: ['Threshold', 'Result', 'Measured', 'Where'],
    rows: outcomes.map((o) => [o.threshold, o.passed ? 'PASS' : 'FAIL', o.measured, o.where ?? '']),
    lines: [failed === 0 ? `All ${outcomes.length} passed` : `${failed} of ${outcomes.length} FAILED`],
  };
}

/** Every table of a run: each test's, then the thresholds'. */
export function runTables(run: RunResult): Table[] {
  const tables = run.tests.flatMap((test) => tablesForTest(test, { perWorker: run.options.perWorker === true }));
  const thresholds = thresholdTable(run);
  return thresholds === undefined ? tables : [...tables, thresholds];
}
