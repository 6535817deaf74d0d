// `wse-bench compare --transports core,ws,web --runtimes node,node22,bun --test … [--repeat K]`:
// one embedded server (unless --host), then every transport × runtime combination as a child
// `<runtime> dist/bench.js --host … --port … --output json [test options]`, interleaved
// (A B C A B C …) K times; one table per test and tier: median, min–max, ratio to the first.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ClientTransportName } from '../../adapters/client/names.js';
import { wseUrl } from '../../core/wse/messages.js';
import type { BenchOptions } from '../options/bench-options.js';
import type { RuntimeName, TextOutputFormat } from '../options/choices.js';
import { COMPARE_CHILD_OPTIONS, COMPARE_COMMAND, COMPARE_OWN_OPTIONS, EMBEDDED_SERVER_OPTIONS } from '../options/commands.js';
import { helpText } from '../options/help.js';
import { CONFIG } from '../options/declarations.js';
import { environmentWithSecret, parseLayered, processEnvironment, type SettingsEnvironment } from '../options/layers.js';
import { withDefaults } from '../options/parse.js';
import { renderFlags } from '../options/render.js';
import { resolveRunOptions } from '../options/resolve-run.js';
import { redactSecretFlag } from '../options/secret.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED } from '../process/exit-codes.js';
import { corePinning, pinnedCommand, type CorePinning } from '../process/pinning.js';
import { renderMarkdownTable } from '../report/markdown.js';
import { renderTable } from '../report/text.js';
import { checkWritableFile } from '../report/write.js';
import type { RunResult, ServerDescription } from '../results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../server/embedded.js';
import { COMPARE_SCHEMA_VERSION, compareTables, type Combination, type CompareResult, type CompareRun } from './result.js';
import { resolveRuntime, transportGap, type ResolvedRuntime } from './runtimes.js';

interface CompareArgs {
  transports: ClientTransportName[];
  runtimes: RuntimeName[];
  repeat: number;
  /** --pin on a machine that allows it. */
  pinning: CorePinning | undefined;
  output: TextOutputFormat;
  outFile: string | undefined;
  /** The settings of every run, checked here once so that a typo fails before any run. */
  run: BenchOptions;
  /** The flags every child run gets (tests, tiers, durations, target auth…). */
  childArgs: string[];
  /** The flags of the embedded server (--server-*, --rate-limit). */
  serverArgs: string[];
}

export function parseCompareArgs(argv: readonly string[], environment: SettingsEnvironment = processEnvironment()): CompareArgs | 'help' {
  // The run's options come from the same layers as a run's (config file, environment, flags).
  const { given } = parseLayered(COMPARE_COMMAND, argv, environment, CONFIG);
  const { transports, runtimes, repeat, pin, output, out, help, ...runGiven } = given;
  if (help === true) return 'help';
  const own = withDefaults(COMPARE_OWN_OPTIONS, { transports, runtimes, repeat, pin, output, out });
  return {
    transports: own.transports,
    runtimes: own.runtimes,
    repeat: own.repeat,
    pinning: own.pin ? corePinning() : undefined,
    output: own.output,
    outFile: own.out,
    // Every runtime is checked by the run it starts; here every transport may exist.
    run: resolveRunOptions(runGiven, { hasGlobalWebSocket: true, runtimeLabel: 'compare' }).options,
    childArgs: renderFlags(COMPARE_CHILD_OPTIONS, runGiven),
    serverArgs: renderFlags(EMBEDDED_SERVER_OPTIONS, runGiven),
  };
}

export async function runCompareCommand(argv: string[]): Promise<number> {
  const args = parseCompareArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${helpText(COMPARE_COMMAND)}\n`);
    return EXIT_OK;
  }
  const options = args.run;
  if (args.outFile !== undefined) checkWritableFile('--out', args.outFile);
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

  // SIGINT or SIGTERM: the current run ends its tier and reports (it gets the same signal), no
  // further run starts, and the comparison of what finished is printed.
  let interrupted: NodeJS.Signals | undefined;
  let current: ReturnType<typeof spawn> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted ??= signal;
    current?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let server: EmbeddedServer | undefined;
  try {
    let host: string;
    let port: number;
    /** Every run reads the server's /metrics (and drives its fan-out publisher) here. */
    let metricsPort: number | undefined;
    let description: ServerDescription;
    if (options.host === undefined) {
      server = await startEmbeddedServer({
        host: '127.0.0.1', port: 0, secret: options.secret, issuer: options.issuer, audience: options.audience,
        mode: options.serverMode, transport: options.serverTransport, workers: options.serverWorkers,
        maxConnections: options.maxConnections, rateLimit: options.rateLimit, script,
        ...(args.pinning !== undefined ? { cores: args.pinning.server } : {}),
      });
      host = server.host;
      port = server.port;
      metricsPort = server.metricsPort;
      description = { embedded: true, url: wseUrl(host, port, options.path), transport: server.transport, mode: server.mode, rateLimit: options.rateLimit, workers: server.workers };
    } else {
      host = options.host;
      port = options.port;
      metricsPort = options.metricsPort;
      description = { embedded: false, url: wseUrl(host, port, options.path) };
    }
    const childArgs = args.childArgs;
    const result: CompareResult = {
      kind: 'compare', schemaVersion: COMPARE_SCHEMA_VERSION, startedAt: new Date().toISOString(), finishedAt: '',
      server: description, repeat: args.repeat, tests: options.tests, childArgs: redactSecretFlag(childArgs), skipped, combinations, runs: [],
    };
    if (args.pinning !== undefined) result.pinning = args.pinning;
    const binaryOf = new Map(runtimes.map((r) => [r.name, r.binary]));
    rounds: for (let round = 1; round <= args.repeat; round++) {
      for (const c of combinations) {
        if (interrupted !== undefined) break rounds;
        log(`compare: round ${round}/${args.repeat}: ${c.name}`);
        const target = ['--host', host, '--port', String(port), ...(metricsPort !== undefined ? ['--metrics-port', String(metricsPort)] : [])];
        // --quiet: no progress lines, since a failed run's last stderr line is its error
        const argv = [script, ...target, '--transport', c.transport, ...childArgs, '--output', 'json', '--quiet'];
        const run = runChild(pinnedCommand(args.pinning?.clients, binaryOf.get(c.runtime)!, argv), options.secret, (child) => (current = child));
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
    return interrupted === 'SIGTERM' ? EXIT_TERMINATED : interrupted === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server?.stop();
  }
}

/** Runs one child benchmark (the secret in its environment); its RunResult, or why there is none (one line). */
function runChild([binary, argv]: [string, string[]], secret: string, started: (child: ReturnType<typeof spawn>) => void): Promise<RunResult | string> {
  return new Promise((resolve) => {
    const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: environmentWithSecret(secret) });
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
        const run = JSON.parse(text) as RunResult;
        // a run that measured nothing writes its JSON too: for the comparison it is a failed run
        resolve(run.nothingMeasured === undefined ? run : `nothing could be measured: ${run.nothingMeasured}`);
      } catch {
        const last = stderrTail.trim().split('\n').at(-1) ?? '';
        resolve(`${signal !== null ? `killed by ${signal}` : `exit ${code}`}${last !== '' ? `: ${last}` : ''}`);
      }
    });
  });
}

export function renderCompare(result: CompareResult, format: TextOutputFormat): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  const header = [
    `Transport × runtime comparison: ${result.combinations.map((c) => `${c.name} (${c.runtimeLabel})`).join(', ')}`,
    `Server: ${result.server.embedded ? `embedded ${result.server.transport ?? '?'} server, mode ${result.server.mode ?? '?'}, ${result.server.url}` : `external ${result.server.url}`}`,
    `Each run: ${result.childArgs.join(' ') || '(defaults)'}; ${result.repeat} round(s), interleaved`,
  ];
  if (result.pinning !== undefined) header.push(`Pinned with taskset: server on core ${result.pinning.server}, runs on ${result.pinning.clients}`);
  const tables = compareTables(result);
  if (format === 'markdown') {
    return `${['# wse-bench compare', header.map((l) => `${l}  `).join('\n'), ...tables.map((t) => renderMarkdownTable(t, '##'))].join('\n\n')}\n`;
  }
  return `${[header.join('\n'), ...tables.map(renderTable)].join('\n\n')}\n`;
}
