// One benchmark run: preflight advice, the client transport, the target (embedded server or
// --host), the selected tests (here or in --procs worker processes), one RunResult, the report.
// Ctrl-C and a dying server end the current tier early (partial); whatever finished is reported.
import { loadClientTransport } from '../adapters/client/index.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { ClientTransport } from '../core/wse/transport.js';
import type { TestContext } from './engine/context.js';
import { Interruption } from './interruption.js';
import { runTestsInWorkers } from './launcher/launcher.js';
import { shardShare } from './launcher/shard.js';
import { startTimetable } from './launcher/timetable-clock.js';
import { msgpackCodec } from './msgpack-codec.js';
import { oneLine } from './one-line.js';
import type { BenchOptions } from './options/bench-options.js';
import { demandOf, preflightWarnings, readSystemLimits } from './preflight.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './process/exit-codes.js';
import { StderrProgress } from './progress.js';
import { writeReports } from './report/write.js';
import type { ClockOffset, TestResult } from './results.js';
import { buildRunResult, nothingMeasured } from './run-result.js';
import { runTestsInProcess } from './scenarios/session.js';
import { clientTlsOptions } from './target/client-tls.js';
import { measureClockOffset } from './target/clock-offset.js';
import { openTarget, type Target } from './target/target.js';
import { VERSION } from './version.js';

export async function runBenchmark(options: BenchOptions): Promise<number> {
  const progress = StderrProgress.forStderr(options.progress);
  let target: Target | undefined;
  const interruption = new Interruption(progress, () => target?.close() ?? Promise.resolve());
  try {
    // With --shard, this machine's share of every tier; the result records the options as given.
    const local = shardShare(options);
    // With --start-at, the timetable (the same in every shard: from the options as given), shown up front.
    const clock = startTimetable(options, interruption.signal, (line) => process.stderr.write(`${line}\n`));
    for (const warning of preflightWarnings(readSystemLimits(), demandOf(local))) progress.warn(warning);
    const transport = loadTransport(options);
    const startedAt = new Date().toISOString();
    target = await openTarget(local, transport, (description) => interruption.interrupt(`embedded server died: ${description}`));
    if (target.note !== undefined) progress.warn(target.note);
    let clockOffset: ClockOffset | undefined;
    if (clock !== undefined) {
      const measured = await measureClockOffset({
        transport, url: target.description.url, token: target.token, authVia: options.authVia, timeoutMs: options.connectTimeoutMs,
        clientVersion: VERSION, msgpack: msgpackCodec, ...tlsOf(target),
      });
      if (typeof measured === 'string') progress.warn(`clock offset to the target not measured: ${measured}`);
      else clockOffset = measured;
    }
    const context: Omit<TestContext, 'options'> = {
      transport,
      url: target.description.url,
      token: target.token,
      msgpack: msgpackCodec,
      clientVersion: VERSION,
      readServerStats: target.readServerStats,
      progress,
      signal: interruption.signal,
      localAddresses: target.localAddresses,
      barrier: clock === undefined ? () => Promise.resolve() : (phase) => clock.reach(phase),
    };

    let tests: TestResult[];
    if (options.procs > 1 || options.procsSeries !== undefined) {
      // --procs: worker processes run the tests; the launcher merges their results.
      const launched = await runTestsInWorkers(target.options, { ...context, serverWorkers: target.description.workers ?? 1, ...(clock !== undefined ? { clock } : {}) });
      tests = launched.tests;
      if (launched.partial !== undefined) interruption.reason ??= launched.partial;
    } else {
      tests = await runTestsInProcess({ ...context, options: target.options }, clock);
    }
    progress.endLine();

    const run = buildRunResult({ options, startedAt, server: target.description, tests, partial: interruption.reason });
    if (clockOffset !== undefined) run.clockOffset = clockOffset;
    const nothing = nothingMeasured(tests);
    if (nothing !== undefined && !interruption.sigint) throw new Error(`nothing could be measured: ${nothing}`);
    writeReports(run, options);
    return interruption.sigint ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (error) {
    progress.endLine();
    process.stderr.write(`wse-bench: ${oneLine(error)}\n`);
    return interruption.sigint ? EXIT_INTERRUPTED : EXIT_FAILED;
  } finally {
    interruption.dispose();
    await target?.close();
  }
}

/** The client's TLS settings for a wss:// target. */
function tlsOf(target: Target): { tls?: ClientTlsOptions } {
  const tls = target.description.url.startsWith('wss:') ? clientTlsOptions(target.options) : undefined;
  return tls === undefined ? {} : { tls };
}

function loadTransport(options: BenchOptions): ClientTransport {
  try {
    return loadClientTransport(options.transport);
  } catch (error) {
    throw new Error(`--transport ${options.transport}: ${oneLine(error)}`);
  }
}
