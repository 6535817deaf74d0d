// The timetable of a run with --start-at: the wall-clock time at which every tier's connect,
// measure and close phases begin. Every shard (and every run given the same options) computes the
// same one from the options alone, so shards on several machines measure together with no
// coordinator and no network between them; timetable-clock.ts waits for each slot at the phase
// barriers the tests already pass. A slot's budget is the code's own bound where it has one
// (connects time out, closes are dropped after a timeout) and an allowance where it has none.
import { CLOSE_BOUND_MS } from '../engine/pool.js';
import { rateLabel, ratesPerConnection } from '../engine/open-loop-plan.js';
import { tiersOf, type BenchOptions } from '../options/bench-options.js';
import type { TestName } from '../options/choices.js';
import { sizeLabel } from '../report/format.js';
import { shareOf } from './ipc.js';

/** After the last connect: the 'connected' barrier between processes and the settle ping before a cell. */
const SETTLE_MS = 1_000;
/** After a send phase or a hold: the PONG barrier (a phase that needs longer makes its shard late). */
const DRAIN_MS = 2_000;
/** Between tiers: the server finishes closing the last tier's connections before the next opens. */
const GAP_MS = 1_000;
/**
 * Closed-loop ping-latency has no duration: each ping waits for the last PONG. Its budget is an
 * estimate per round of pings: a loopback round trip is well under 10 ms, and a process spends
 * ~10 µs a connection on a round's pings and PONGs (25,000 connections: ~250 ms a round).
 */
const PING_ROUND_MS = 10;
const PING_ROUND_MS_PER_CONNECTION = 0.01;

/** The barrier phases a slot starts ('connected' is not scheduled: the settle round follows it). */
export type SlotPhase = 'connect' | 'start' | 'done';

export interface Slot {
  phase: SlotPhase;
  /** ms after --start-at. */
  offsetMs: number;
  /** The row of the test's result (its TierResult) whose phase this is. */
  row: number;
  /** What begins: 'connect', 'measure', 'measure 1 KB', 'close'. */
  what: string;
}

export interface TierSchedule {
  test: TestName;
  /** The whole tier, over every shard. */
  connections: number;
  /** The most connections one client process of one shard opens in it (what the connect budget is for). */
  perProcess: number;
  slots: Slot[];
}

export interface Timetable {
  startAtEpochMs: number;
  tiers: TierSchedule[];
  /** ms after --start-at when the last tier's close slot ends. */
  endOffsetMs: number;
}

/** One measured cell of a tier: its label (for display) and its budget. */
interface CellBudget {
  label: string | undefined;
  ms: number;
}

/** Connects run in batches of --batch-size, each ending by --connect-timeout at the latest. */
export function connectBudgetMs(perProcess: number, options: BenchOptions): number {
  return Math.ceil(perProcess / Math.max(1, options.batchSize)) * options.connectTimeoutMs;
}

/** The open-loop steps of a tier (a ramp's rates, one --rate), or one closed-loop cell. */
function stepRates(options: BenchOptions, connections: number): (number | undefined)[] {
  return options.openLoop === undefined ? [undefined] : ratesPerConnection(options.openLoop, connections);
}

function stepLabel(base: string | undefined, rate: number | undefined, options: BenchOptions): string | undefined {
  if (rate === undefined || options.openLoop?.ramp === undefined) return base;
  return [base, rateLabel(rate)].filter((s) => s !== undefined).join(' @ ');
}

/** The measured cells of one tier, in the order the test runs them (one row of its result each). */
function cellsOf(test: Exclude<TestName, 'connection-storm' | 'connection-limit' | 'fanout'>, options: BenchOptions, connections: number, perProcess: number): CellBudget[] {
  const rates = stepRates(options, connections);
  const sendCells = (labels: (string | undefined)[], seconds: number): CellBudget[] =>
    labels.flatMap((label) => rates.map((rate) => ({ label: stepLabel(label, rate, options), ms: seconds * 1000 + DRAIN_MS })));
  switch (test) {
    case 'throughput':
      return sendCells([undefined], options.durationSec);
    case 'size-matrix':
      return sendCells(options.sizes.map(sizeLabel), options.cellDurationSec);
    case 'format-comparison':
      return options.formats.map((format) => ({ label: format, ms: options.cellDurationSec * 1000 + DRAIN_MS }));
    case 'ping-latency':
      return rates.map((rate) => ({
        label: stepLabel(undefined, rate, options),
        ms: rate === undefined
          ? options.pings * (PING_ROUND_MS + perProcess * PING_ROUND_MS_PER_CONNECTION) + DRAIN_MS
          : (options.pings / rate) * 1000 + DRAIN_MS,
      }));
    case 'sustained-hold':
      return [{ label: undefined, ms: options.holdSec * 1000 + DRAIN_MS }];
  }
}

/** The timetable of `options` (the run's options as given, every shard's the same). */
export function buildTimetable(options: BenchOptions, startAtEpochMs: number): Timetable {
  const shards = options.shard?.count ?? 1;
  const tiers: TierSchedule[] = [];
  let at = 0;
  for (const test of options.tests) {
    if (test === 'connection-limit' || test === 'fanout') throw new Error(`${test} cannot run on a timetable`);
    let row = 0;
    for (const connections of tiersOf(options, test)) {
      const perProcess = shareOf(shareOf(connections, 0, shards), 0, Math.max(1, options.procs));
      const connectMs = connectBudgetMs(perProcess, options);
      const slots: Slot[] = [];
      if (test === 'connection-storm') {
        // The storm measures its connecting: its measured phase is the connect slot.
        slots.push({ phase: 'start', offsetMs: at, row, what: 'connect (measured)' });
        at += connectMs;
        slots.push({ phase: 'done', offsetMs: at, row, what: 'close' });
        row++;
      } else {
        slots.push({ phase: 'connect', offsetMs: at, row, what: 'connect' });
        at += connectMs + SETTLE_MS;
        const cells = cellsOf(test, options, connections, perProcess);
        cells.forEach((cell, k) => {
          if (k > 0) at += SETTLE_MS;
          slots.push({ phase: 'start', offsetMs: at, row: row + k, what: cell.label === undefined ? 'measure' : `measure ${cell.label}` });
          at += cell.ms;
        });
        slots.push({ phase: 'done', offsetMs: at, row: row + cells.length - 1, what: 'close' });
        row += cells.length;
      }
      at += CLOSE_BOUND_MS;
      tiers.push({ test, connections, perProcess, slots });
      at += GAP_MS;
    }
  }
  return { startAtEpochMs, tiers, endOffsetMs: Math.max(0, at - GAP_MS) };
}

/** A test's slots in the order its barriers meet them. */
export function slotsOf(timetable: Timetable, test: TestName): Slot[] {
  return timetable.tiers.filter((tier) => tier.test === test).flatMap((tier) => tier.slots);
}

function seconds(ms: number): string {
  return `+${(ms / 1000).toFixed(1)} s`;
}

/** The timetable as shown before the run: how each budget is made, then one line per tier. */
export function describeTimetable(timetable: Timetable, options: BenchOptions): string[] {
  const shard = options.shard;
  const start = new Date(timetable.startAtEpochMs).toISOString();
  const end = new Date(timetable.startAtEpochMs + timetable.endOffsetMs).toISOString();
  const lines = [
    `timetable from ${start}${shard === undefined ? '' : `, shard ${shard.index}/${shard.count}`} (computed from the options alone: the same in every run given them)`,
    `  budgets: connect = ⌈connections a process ÷ --batch-size ${options.batchSize}⌉ × --connect-timeout ${options.connectTimeoutMs} ms;` +
      ` + ${SETTLE_MS / 1000} s to settle; measure = the phase's duration + ${DRAIN_MS / 1000} s for its PONGs` +
      ` (closed-loop ping-latency: ${PING_ROUND_MS} ms + ${PING_ROUND_MS_PER_CONNECTION * 1000} µs a connection per ping round);` +
      ` close ${CLOSE_BOUND_MS / 1000} s; ${GAP_MS / 1000} s between tiers`,
  ];
  for (const tier of timetable.tiers) {
    const here = shard === undefined ? '' : `, ${shareOf(tier.connections, shard.index, shard.count)} in this shard`;
    const measures = tier.slots.filter((s) => s.phase === 'start' && tier.test !== 'connection-storm');
    const parts = tier.slots.filter((s) => !measures.includes(s) || s === measures[0]).map((s) => {
      if (s === measures[0] && measures.length > 1) return `measure ${seconds(s.offsetMs)} … ${seconds(measures.at(-1)!.offsetMs)} (${measures.length} cells)`;
      return `${s.what} ${seconds(s.offsetMs)}`;
    });
    lines.push(`  ${tier.test} ${tier.connections} conns (${tier.perProcess} a process${here}): ${parts.join(', ')}`);
  }
  lines.push(`  ends ${seconds(timetable.endOffsetMs)} (${end})`);
  return lines;
}
