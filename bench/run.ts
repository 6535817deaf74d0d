// One benchmark run: preflight advice, the client transport, the target (embedded server or
// --host), the selected tests (here or in --procs worker processes), one RunResult, the report.
// SIGINT, SIGTERM and a dying server end the current tier early (partial); whatever finished is
// reported, the tests left are listed as not run, and the exit code says which of these happened.
import { loadClientTransport } from '../adapters/client/index.js';
import type { ClientTransport } from '../core/wse/transport.js';
import type { TestContext } from './engine/context.js';
import { Interruption } from './interruption.js';
import { runTestsInWorkers } from './launcher/launcher.js';
import { singleProcessBarrier } from './launcher/start-at.js';
import { msgpackCodec } from './msgpack-codec.js';
import { oneLine } from './one-line.js';
import type { BenchOptions } from './options/bench-options.js';
import { redactSecretIn } from './options/secret.js';
import { demandOf, preflightWarnings, readSystemLimits } from './preflight.js';
import { EXIT_FAILED, EXIT_OK } from './process/exit-codes.js';
import { StderrProgress } from './progress.js';
import { checkReportDestinations, writeReports } from './report/write.js';
import { buildRunResult, nothingMeasured } from './run-result.js';
import { runTestsInProcess, type TestsRun } from './scenarios/session.js';
import { openTarget, type Target } from './target/target.js';
import { VERSION } from './version.js';

export async function runBenchmark(options: BenchOptions): Promise<number> {
  checkReportDestinations(options);
  const redact = (text: string): string => redactSecretIn(text, options.secret);
  const progress = StderrProgress.forStderr(options.progress, redact);
  let target: Target | undefined;
  const interruption = new Interruption(progress, () => target?.close() ?? Promise.resolve());
  try {
    for (const warning of preflightWarnings(readSystemLimits(), demandOf(options))) progress.warn(warning);
    const transport = loadTransport(options);
    const startedAt = new Date().toISOString();
    target = await openTarget(options, transport, (description) => interruption.targetLost(`embedded server died: ${description}`));
    if (target.note !== undefined) progress.warn(target.note);
    const context: Omit<TestContext, 'options'> = {
      transport,
      url: target.description.url,
      token: target.token,
      msgpack: msgpackCodec,
      clientVersion: VERSION,
      readServerStats: target.readServerStats,
      ...(target.readServerMetrics !== undefined ? { readServerMetrics: target.readServerMetrics } : {}),
      ...(target.publisher !== undefined ? { publisher: target.publisher } : {}),
      progress,
      signal: interruption.signal,
      localAddresses: target.localAddresses,
      barrier: singleProcessBarrier(options.startAtEpochMs, interruption.signal),
      connectionsLost: targetCheck(target, interruption),
    };

    let ran: TestsRun;
    if (options.procs > 1 || options.procsSeries !== undefined) {
      // --procs: worker processes run the tests; the launcher merges their results.
      const launched = await runTestsInWorkers(target.options, { ...context, publisherAt: target.publisherAt, serverWorkers: target.description.workers ?? 1 });
      ran = launched;
      if (launched.partial !== undefined) interruption.reason ??= launched.partial;
    } else {
      ran = await runTestsInProcess({ ...context, options: target.options });
    }
    progress.endLine();

    const nothing = nothingMeasured(ran.tests);
    const run = buildRunResult({ options, startedAt, server: target.description, ...ran, partial: interruption.reason, nothingMeasured: nothing });
    // Nothing measured: the report is still written for a file or a machine (JSON), not as empty tables.
    if (nothing === undefined || options.output !== 'text') writeReports(run, options, nothing === undefined);
    if (nothing !== undefined) process.stderr.write(`wse-bench: nothing could be measured: ${redact(nothing)}\n`);
    return interruption.exitCode ?? (nothing !== undefined ? EXIT_FAILED : EXIT_OK);
  } catch (error) {
    progress.endLine();
    process.stderr.write(`wse-bench: ${redact(oneLine(error))}\n`);
    return interruption.exitCode ?? EXIT_FAILED;
  } finally {
    interruption.dispose();
    await target?.close();
  }
}

/**
 * What the run does when a tier lost every connection: asks whether the target is gone and, if so,
 * ends the run (the tests left are not run). Tiers of several workers losing theirs at once share
 * one check.
 */
function targetCheck(target: Target, interruption: Interruption): (cause: string) => Promise<void> {
  let checking: Promise<void> | undefined;
  return (cause) =>
    (checking ??= target
      .whyGone()
      .then((gone) => {
        if (gone !== undefined && !interruption.signal.aborted) interruption.targetLost(`the server is gone: ${gone}, after ${cause}`);
      })
      .finally(() => (checking = undefined)));
}

function loadTransport(options: BenchOptions): ClientTransport {
  try {
    return loadClientTransport(options.transport);
  } catch (error) {
    throw new Error(`--transport ${options.transport}: ${oneLine(error)}`);
  }
}
