// The frame of every tier: server counters and CPU read at the edges of the measured phase,
// this process's usage over it and the saturation verdict. Tests fill in what they measured (and
// whether client and server agree, consistency.ts); this file assembles the TierResult.
import type { ServerCounts } from './consistency.js';
import type { TestName } from '../options/choices.js';
import type { CountedNote, ProcessUsage, ServerSide, TierResult } from '../results.js';
import { diffServerCounters, type ServerCounters, type ServerStats } from '../server/stats.js';
import { diffWseMetrics, type WseMetrics } from '../server/wse-metrics.js';
import { ProcessUsageMeter } from '../stats/process-usage.js';
import { judgeSaturation } from '../stats/saturation.js';
import type { TestContext } from './context.js';
import type { ConnectionLoss } from './connection-loss.js';
import { abortReason } from './phase-waiter.js';
import { epochNowMs } from './pool.js';
import { TierTally } from './tier-tally.js';

export type TierFields = Omit<
  TierResult,
  'test' | 'startedAtEpochMs' | 'endedAtEpochMs' | 'connections' | 'label' | 'params' | 'serverErrors'
  | 'unexpectedCloses' | 'client' | 'server' | 'saturated' | 'notes' | 'countedNotes'
>;

/** Partial cause of a tier some of whose connects failed; the counts are its connectionCounts. */
export const NOT_EVERY_CONNECTION_OPENED = 'not every connection could be opened';

export class TierRecorder {
  readonly tally = new TierTally();
  /** Remarks in words. */
  readonly notes: string[] = [];
  /** Remarks with numbers, kept as data (merged tiers add them up). */
  readonly countedNotes: CountedNote[] = [];
  partial: string | undefined;
  /** The tier's connections, watched for the loss of all of them. */
  private loss: ConnectionLoss | undefined;
  private meter: ProcessUsageMeter | undefined;
  private client: ProcessUsage | undefined;
  private statsBefore: ServerStats | undefined;
  private statsAfter: ServerStats | undefined;
  private metricsBefore: WseMetrics | undefined;
  private metricsAfter: WseMetrics | undefined;
  private startedAtEpochMs = 0;
  private endedAtEpochMs = 0;

  constructor(
    private readonly ctx: TestContext,
    readonly test: TestName,
    readonly connections: number,
    readonly params: Record<string, string | number>,
    readonly label?: string,
  ) {}

  /** Reads the server's counters, then starts measuring this process. */
  async beginMeasure(): Promise<void> {
    this.statsBefore = await this.readStats();
    this.metricsBefore = await this.readMetrics();
    this.startedAtEpochMs = epochNowMs();
    this.meter = new ProcessUsageMeter();
  }

  /** The pool whose connections this tier measures: losing all of them makes the tier partial. */
  watch(loss: ConnectionLoss): void {
    this.loss = loss;
  }

  /**
   * Stops measuring this process, then reads the server's counters again. A tier that lost every
   * connection has the run check the target first (ctx.connectionsLost), unless the run is over anyway.
   */
  async endMeasure(): Promise<void> {
    this.client = (this.meter ?? new ProcessUsageMeter()).stop();
    this.endedAtEpochMs = epochNowMs();
    const lost = this.loss?.cause;
    if (lost !== undefined && !this.ctx.signal.aborted) await this.ctx.connectionsLost(lost);
    this.statsAfter = await this.readStats();
    this.metricsAfter = await this.readMetrics();
  }

  /** The server's counters over the measured phase, when both readings exist. */
  serverCounters(): ServerCounters | undefined {
    if (this.statsBefore === undefined || this.statsAfter === undefined) return undefined;
    return diffServerCounters(this.statsBefore.counters, this.statsAfter.counters);
  }

  /** What the target's /metrics counted over the measured phase, when both readings exist. */
  serverMetrics(): WseMetrics | undefined {
    if (this.metricsBefore === undefined || this.metricsAfter === undefined) return undefined;
    return diffWseMetrics(this.metricsBefore, this.metricsAfter);
  }

  /**
   * The server's counters and /metrics to check this client's counts against: none in a --shard
   * run against a --host, whose server also counts the other shards' traffic (merge checks their
   * sum); a shard's own embedded server counts only its traffic.
   */
  countsToCheck(): ServerCounts {
    if (this.ctx.options.shard !== undefined && this.ctx.options.host !== undefined) return { counters: undefined, metrics: undefined };
    return { counters: this.serverCounters(), metrics: this.serverMetrics() };
  }

  /** Connections the server had open when measuring began, when it reports them. */
  serverOpenAtStart(): number | undefined {
    return this.statsBefore?.openConnections;
  }

  /** The tier is incomplete for `reason` (added to those already given, each once). */
  markPartial(reason: string): void {
    if (this.partial === undefined) this.partial = reason;
    else if (!this.partial.split('; ').includes(reason)) this.partial = `${this.partial}; ${reason}`;
  }

  /** `phase` ended early because `signal` aborted: partial, saying why (SIGINT, the server died…). */
  markInterrupted(phase: string, signal: AbortSignal): void {
    this.markPartial(`${phase} ended early: ${abortReason(signal)}`);
  }

  build(fields: TierFields): TierResult {
    const lost = this.loss?.cause;
    if (lost !== undefined && !(this.partial ?? '').includes(lost)) this.markPartial(lost);
    // A connection-limit probe is meant to find where connects fail; any other tier ran on fewer.
    if (fields.connectionCounts.failed > 0 && this.test !== 'connection-limit') this.markPartial(NOT_EVERY_CONNECTION_OPENED);
    const client = this.client ?? new ProcessUsageMeter().stop();
    const server = this.serverSide(client);
    const verdict = judgeSaturation(client, server, this.statsAfter?.workers ?? 1);
    const notes = [...this.notes, `saturation: ${verdict.reason}`];
    const countedNotes = [...this.countedNotes];
    if (this.tally.rateLimitWarnings > 0) countedNotes.push({ kind: 'rate-limit-warnings', count: this.tally.rateLimitWarnings });
    if (this.tally.transportErrors > 0) countedNotes.push({ kind: 'connection-errors', count: this.tally.transportErrors });
    if (fields.consistency !== undefined && !fields.consistency.ok) notes.push(`ERROR: ${fields.consistency.message}`);
    const result: TierResult = {
      test: this.test,
      startedAtEpochMs: this.startedAtEpochMs,
      endedAtEpochMs: this.endedAtEpochMs,
      connections: this.connections,
      params: this.params,
      ...fields,
      serverErrors: { ...this.tally.serverErrors },
      unexpectedCloses: { ...this.tally.unexpectedCloses },
      client,
      saturated: verdict.saturated,
      notes,
    };
    if (this.label !== undefined) result.label = this.label;
    if (countedNotes.length > 0) result.countedNotes = countedNotes;
    if (server !== undefined) result.server = server;
    const metrics = this.serverMetrics();
    if (metrics !== undefined) result.serverMetrics = metrics;
    if (this.partial !== undefined) result.partial = this.partial;
    this.ctx.progress.tierMeasured(result);
    return result;
  }

  private serverSide(client: ProcessUsage): ServerSide | undefined {
    const before = this.statsBefore;
    const after = this.statsAfter;
    const counters = this.serverCounters();
    if (before === undefined || after === undefined || counters === undefined) return undefined;
    const cpuUserMicros = after.cpuUserMicros - before.cpuUserMicros;
    const cpuSystemMicros = after.cpuSystemMicros - before.cpuSystemMicros;
    // The server's CPU over the same wall time as the client's measured phase.
    return { counters, cpuUserMicros, cpuSystemMicros, cpuCores: (cpuUserMicros + cpuSystemMicros) / client.wallMicros };
  }

  private async readMetrics(): Promise<WseMetrics | undefined> {
    const read = this.ctx.readServerMetrics;
    if (read === undefined) return undefined;
    try {
      return await read();
    } catch (error) {
      const text = `server /metrics unavailable: ${(error as Error).message}`;
      if (!this.notes.includes(text)) this.notes.push(text);
      return undefined;
    }
  }

  private async readStats(): Promise<ServerStats | undefined> {
    try {
      return await this.ctx.readServerStats();
    } catch (error) {
      const text = `server counters unavailable: ${(error as Error).message}`;
      if (!this.notes.includes(text)) this.notes.push(text);
      return undefined;
    }
  }
}
