// One benchmark run: preflight advice, the client transport, the target (embedded server or
// --host), the selected tests (here or in --procs worker processes), one RunResult, the reports,
// the thresholds' verdicts and the summary. What happens on the way goes out as events to the
// reporters (progress, --live, the tables printed as each test ends, --fail-fast).
// SIGINT, SIGTERM and a dying server end the current tier early (partial); whatever finished is
// reported, the tests left are listed as not run, and the exit code says which of these happened.
import { loadClientTransport } from '../adapters/client/index.js';
import type { ClientTlsOptions } from '../core/tls.js';
import type { ClientTransport } from '../core/wse/transport.js';
import type { TestContext } from './engine/context.js';
import { LiveCounters } from './engine/live-counters.js';
import { describeEnvironment } from './environment.js';
import { Interruption } from './interruption.js';
import { runTestsInWorkers } from './launcher/launcher.js';
import { shardShare } from './launcher/shard.js';
import { startTimetable } from './launcher/timetable-clock.js';
import { msgpackCodec } from './msgpack-codec.js';
import { oneLine } from './one-line.js';
import type { BenchOptions } from './options/bench-options.js';
import { redactSecretIn } from './options/secret.js';
import { demandOf, preflightWarnings, readSystemLimits } from './preflight.js';
import { EXIT_FAILED } from './process/exit-codes.js';
import { renderSummary } from './report/summary.js';
import { checkReportDestinations, streamsText, writeReports } from './report/write.js';
import { FailFastWatcher } from './reporters/fail-fast.js';
import { LiveFile } from './reporters/live-file.js';
import { RunEvents } from './reporters/run-events.js';
import { RunPlan } from './reporters/run-plan.js';
import { StderrProgress } from './reporters/stderr-progress.js';
import { StreamedTables } from './reporters/streamed-tables.js';
import { buildRunResult, nothingMeasured } from './run-result.js';
import type { ClockOffset } from './results.js';
import { judgeRun } from './run-verdict.js';
import { runTestsInProcess, type TestsRun } from './scenarios/session.js';
import { clientTlsOptions } from './target/client-tls.js';
import { measureClockOffset } from './target/clock-offset.js';
import { openTarget, type Target } from './target/target.js';
import { thresholdOutcomes } from './thresholds/evaluate.js';
import { runThresholds } from './thresholds/run-thresholds.js';
import { CLIENT_NAME, VERSION } from './version.js';

/** `notices`: warnings about the settings themselves (a secret on the command line). */
export async function runBenchmark(options: BenchOptions, notices: readonly string[] = []): Promise<number> {
  checkReportDestinations(options);
  const redact = (text: string): string => redactSecretIn(text, options.secret);
  const live = new LiveCounters(options.liveFile !== undefined);
  const events = new RunEvents(redact);
  // First, so that a --live path that cannot be written is a usage error before anything starts.
  if (options.liveFile !== undefined) events.subscribe(new LiveFile(options.liveFile, live));
  const progress = StderrProgress.forStderr(options, new RunPlan(options), live);
  events.subscribe(progress);
  const toStdout = streamsText(options);
  if (toStdout) {
    events.subscribe(new StreamedTables((text) => {
      progress.clear();
      process.stdout.write(text);
    }, options.perWorker));
  }
  const thresholds = runThresholds(options);
  let target: Target | undefined;
  const interruption = new Interruption(events, () => target?.close() ?? Promise.resolve());
  if (options.failFast === true) events.subscribe(new FailFastWatcher(thresholds, (reason) => interruption.interrupt(reason)));
  try {
    for (const notice of notices) events.warn(notice);
    // With --shard, this machine's share of every tier; the result records the options as given.
    const local = shardShare(options);
    // With --start-at, the timetable (the same in every shard: from the options as given), shown up front.
    const clock = startTimetable(options, interruption.signal, (line) => {
      events.endLine();
      process.stderr.write(`${line}\n`);
    });
    for (const warning of preflightWarnings(readSystemLimits(), demandOf(local))) events.warn(warning);
    const transport = loadTransport(options);
    const startedAt = new Date().toISOString();
    target = await openTarget(local, transport, (description) => interruption.targetLost(`embedded server died: ${description}`));
    if (target.note !== undefined) events.warn(target.note);
    let clockOffset: ClockOffset | undefined;
    if (clock !== undefined) {
      const measured = await measureClockOffset({
        transport, url: target.description.url, token: target.token, authVia: options.authVia, timeoutMs: options.connectTimeoutMs,
        clientVersion: VERSION, msgpack: msgpackCodec, ...tlsOf(target),
      });
      if (typeof measured === 'string') events.warn(`clock offset to the target not measured: ${measured}`);
      else clockOffset = measured;
    }
    events.runStarted({
      tool: { name: CLIENT_NAME, version: VERSION }, environment: describeEnvironment(), transport: options.transport,
      procs: options.procs, server: target.description, startedAt,
    });
    const context: Omit<TestContext, 'options'> = {
      transport,
      url: target.description.url,
      token: target.token,
      msgpack: msgpackCodec,
      clientVersion: VERSION,
      readServerStats: target.readServerStats,
      ...(target.readServerMetrics !== undefined ? { readServerMetrics: target.readServerMetrics } : {}),
      ...(target.publisher !== undefined ? { publisher: target.publisher } : {}),
      progress: events,
      live,
      signal: interruption.signal,
      localAddresses: target.localAddresses,
      barrier: clock === undefined ? () => Promise.resolve() : (phase) => clock.reach(phase),
      connectionsLost: targetCheck(target, interruption),
    };

    let ran: TestsRun;
    if (options.procs > 1 || options.procsSeries !== undefined) {
      // --procs: worker processes run the tests; the launcher merges their results.
      const launched = await runTestsInWorkers(target.options, { ...context, publisherAt: target.publisherAt, serverWorkers: target.description.workers ?? 1, ...(clock !== undefined ? { clock } : {}) });
      ran = launched;
      if (launched.partial !== undefined) interruption.reason ??= launched.partial;
    } else {
      ran = await runTestsInProcess({ ...context, options: target.options }, clock);
    }
    events.endLine();

    const nothing = nothingMeasured(ran.tests);
    const run = buildRunResult({ options, startedAt, server: target.description, ...ran, partial: interruption.reason, nothingMeasured: nothing });
    if (clockOffset !== undefined) run.clockOffset = clockOffset;
    if (thresholds.length > 0) run.thresholds = thresholdOutcomes(thresholds, run.tests);
    const verdict = judgeRun(run, interruption.exitCode);
    events.close();
    const files = writeReports(run, options);
    (toStdout ? process.stdout : process.stderr).write(renderSummary(run, verdict, files));
    // last on stderr, whatever stdout carries: the one line a script shows when the run failed
    if (nothing !== undefined) process.stderr.write(`wse-bench: nothing could be measured: ${redact(nothing)}\n`);
    return verdict.exitCode;
  } catch (error) {
    events.endLine();
    process.stderr.write(`wse-bench: ${redact(oneLine(error))}\n`);
    return interruption.exitCode ?? EXIT_FAILED;
  } finally {
    events.close();
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
