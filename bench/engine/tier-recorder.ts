// The frame of every tier: server counters and CPU read at the edges of the measured phase,
// this process's usage over it and the saturation verdict. Tests fill in what they measured (and
// whether client and server agree, consistency.ts); this file assembles the TierResult.
import type { TestName } from '../options/choices.js';
import type { ProcessUsage, ServerSide, TierResult } from '../results.js';
import { diffServerCounters, type ServerCounters, type ServerStats } from '../server/stats.js';
import { ProcessUsageMeter } from '../stats/process-usage.js';
import { judgeSaturation } from '../stats/saturation.js';
import type { TestContext } from './context.js';
import { epochNowMs } from './pool.js';
import { TierTally } from './tier-tally.js';

export type TierFields = Omit<
  TierResult,
  'test' | 'startedAtEpochMs' | 'endedAtEpochMs' | 'connections' | 'label' | 'params' | 'serverErrors'
  | 'unexpectedCloses' | 'client' | 'server' | 'saturated' | 'notes'
>;

export class TierRecorder {
  readonly tally = new TierTally();
  readonly notes: string[] = [];
  partial: string | undefined;
  private meter: ProcessUsageMeter | undefined;
  private client: ProcessUsage | undefined;
  private statsBefore: ServerStats | undefined;
  private statsAfter: ServerStats | undefined;
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
    this.startedAtEpochMs = epochNowMs();
    this.meter = new ProcessUsageMeter();
  }

  /** Stops measuring this process, then reads the server's counters again. */
  async endMeasure(): Promise<void> {
    this.client = (this.meter ?? new ProcessUsageMeter()).stop();
    this.endedAtEpochMs = epochNowMs();
    this.statsAfter = await this.readStats();
  }

  /** The server's counters over the measured phase, when both readings exist. */
  serverCounters(): ServerCounters | undefined {
    if (this.statsBefore === undefined || this.statsAfter === undefined) return undefined;
    return diffServerCounters(this.statsBefore.counters, this.statsAfter.counters);
  }

  /** Connections the server had open when measuring began, when it reports them. */
  serverOpenAtStart(): number | undefined {
    return this.statsBefore?.openConnections;
  }

  markPartial(reason: string): void {
    if (this.partial === undefined) this.partial = reason;
  }

  build(fields: TierFields): TierResult {
    const client = this.client ?? new ProcessUsageMeter().stop();
    const server = this.serverSide(client);
    const verdict = judgeSaturation(client, server, this.statsAfter?.workers ?? 1);
    const notes = [...this.notes, `saturation: ${verdict.reason}`];
    if (this.tally.rateLimitWarnings > 0) notes.push(`${this.tally.rateLimitWarnings} rate_limit_warning frames from the server`);
    if (this.tally.transportErrors > 0) notes.push(`${this.tally.transportErrors} connection errors after connect`);
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
    if (server !== undefined) result.server = server;
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
