// The raw TCP ceiling and the raw-client floor, for the benchmark scripts: each runs
// .build/ceiling.mjs (bench/ceiling/main.ts, built by `node build.mjs --script …`) as child
// processes that print JSON lines, and returns what they reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FloodClientReport } from '../../bench/ceiling/flood-client.js';
import type { FloorReport } from '../../bench/ceiling/floor-client.js';
import type { CeilingSinkReport } from '../../bench/ceiling/sink.js';
import { resolveRuntime, type ResolvedRuntime } from '../../bench/compare/runtimes.js';
import type { RuntimeName } from '../../bench/options/choices.js';
import { pinnedCommand } from '../../bench/process/pinning.js';

/** The repository root: the nearest directory above this file holding wse-bench's package.json. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wse-bench') return dir;
    if (dirname(dir) === dir) throw new Error(`no wse-bench package.json above ${start}`);
  }
}
export const root = findRoot(dirname(fileURLToPath(import.meta.url)));
export const BUNDLE = join(root, 'dist/bench.js');
const CEILING_BUNDLE = join(root, '.build/ceiling.mjs');

const resolved = new Map<RuntimeName, ResolvedRuntime>();
/** The runtime's binary and label ('Node 20.20.2'), found as compare finds it; throws when it is missing. */
export function runtime(name: RuntimeName): ResolvedRuntime {
  const known = resolved.get(name);
  if (known !== undefined) return known;
  const found = resolveRuntime(name, BUNDLE);
  if (typeof found === 'string') throw new Error(`${found} (run npm ci)`);
  resolved.set(name, found);
  return found;
}

/** What one ceiling child prints, one JSON object a line. */
type ChildMessage =
  | { event: 'listening'; port: number }
  | { event: 'error'; message: string }
  | ({ event: 'result' } & Record<string, unknown>);

/** Children of runs in progress, so an interrupt can stop every one of them. */
const liveChildren = new Set<ChildProcess>();
export function stopAllChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Starts one child and hands each JSON line it prints to `onMessage`. */
function startChild(command: [string, string[]], onMessage: (message: ChildMessage) => void, onExit: (code: number | null, signal: NodeJS.Signals | null) => void): ChildProcess {
  if (!existsSync(CEILING_BUNDLE)) throw new Error(`${CEILING_BUNDLE} is missing: run the script through npm (node build.mjs --script …)`);
  const child = spawn(command[0], command[1], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  liveChildren.add(child);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: ChildMessage;
    try {
      message = JSON.parse(line) as ChildMessage;
    } catch {
      message = { event: 'error', message: `unexpected output: ${line}` };
    }
    onMessage(message);
  });
  child.on('error', (error) => onMessage({ event: 'error', message: error.message }));
  child.on('exit', (code, signal) => {
    liveChildren.delete(child);
    onExit(code, signal);
  });
  return child;
}

export interface CeilingOptions {
  runtime: RuntimeName;
  /** Runs the sink; default the client's runtime. */
  sinkRuntime?: RuntimeName;
  connections?: number;
  durationSec?: number;
  warmupSec?: number;
  framesPerWrite?: number;
  /** Another writer taking the same options and printing the same result (the native flood of ./native.ts). */
  client?: ChildCommand;
}

/** A child that stands in for one of the JS ones: its binary and its leading arguments. */
export interface ChildCommand {
  bin: string;
  args: string[];
  /** Its name in reports ('native'). */
  label: string;
}

export interface Ceiling {
  bytesPerSec: number;
  framesPerSec: number;
  /** The writer's runtime, or the label of the `client` that stood in for it. */
  runtime: RuntimeName | string;
  sinkRuntime: RuntimeName;
  connections: number;
  durationSec: number;
  warmupSec: number;
  frameBytes: number;
  burstBytes: number;
  totalBytes: number;
  measuredBytes: number;
  measuredSec: number;
  clientCpuShare: number;
  clientSystemShare: number;
  sinkCpuShare: number;
  sinkSystemShare: number;
}

type ClientResult = FloodClientReport & { burstBytes: number; frameBytes: number };

/**
 * One ceiling measurement: the sink and the flooding client as two processes (each gets its own
 * core). Resolves with sink-counted bytes/s over [end of warm-up → last byte received] and the
 * same rate in frames; rejects (after stopping both children) on any error or disagreement.
 */
export async function measureCeiling({ runtime: clientRuntime, sinkRuntime = clientRuntime, connections = 100, durationSec = 5, warmupSec = 1, framesPerWrite, client: standIn }: CeilingOptions): Promise<Ceiling> {
  const client = standIn?.label ?? clientRuntime;
  const clientBin = standIn?.bin ?? runtime(clientRuntime).binary;
  const sinkBin = runtime(sinkRuntime).binary;
  const common = ['--connections', String(connections), '--warmup', String(warmupSec), '--duration', String(durationSec)];
  const clientArgs = [...(standIn?.args ?? [CEILING_BUNDLE, 'client']), ...common];
  if (framesPerWrite !== undefined) clientArgs.push('--frames-per-write', String(framesPerWrite));

  const children: ChildProcess[] = [];
  let sink: CeilingSinkReport | undefined;
  let flood: ClientResult | undefined;
  try {
    return await new Promise<Ceiling>((resolve, reject) => {
      const limitSec = warmupSec + durationSec + 60;
      const timeout = setTimeout(() => reject(new Error(`ceiling run (${client}) did not finish in ${limitSec} s`)), limitSec * 1000);
      const fail = (error: Error): void => {
        clearTimeout(timeout);
        reject(error);
      };
      const finishIfDone = (): void => {
        if (sink === undefined || flood === undefined) return;
        clearTimeout(timeout);
        if (sink.totalBytes !== flood.bytesWritten) {
          reject(new Error(`ceiling: sink counted ${sink.totalBytes} bytes, client wrote ${flood.bytesWritten}`));
          return;
        }
        const bytesPerSec = sink.measuredBytes / sink.measuredSec;
        resolve({
          bytesPerSec,
          framesPerSec: bytesPerSec / flood.frameBytes,
          runtime: client,
          sinkRuntime,
          connections: flood.connections,
          durationSec,
          warmupSec,
          frameBytes: flood.frameBytes,
          burstBytes: flood.burstBytes,
          totalBytes: sink.totalBytes,
          measuredBytes: sink.measuredBytes,
          measuredSec: sink.measuredSec,
          clientCpuShare: flood.cpuShare,
          clientSystemShare: flood.systemShare,
          sinkCpuShare: sink.cpuShare,
          sinkSystemShare: sink.systemShare,
        });
      };
      const onMessage = (role: 'sink' | 'client') => (message: ChildMessage): void => {
        if (message.event === 'error') fail(new Error(`ceiling ${role} (${role === 'sink' ? sinkRuntime : client}): ${message.message}`));
        else if (message.event === 'listening') {
          children.push(startChild([clientBin, [...clientArgs, '--port', String(message.port)]], onMessage('client'), onExit('client')));
        } else if (role === 'sink') {
          sink = message as unknown as CeilingSinkReport;
          finishIfDone();
        } else {
          flood = message as unknown as ClientResult;
          finishIfDone();
        }
      };
      const onExit = (role: 'sink' | 'client') => (code: number | null, signal: NodeJS.Signals | null): void => {
        if ((role === 'sink' ? sink : flood) === undefined) fail(new Error(`ceiling ${role} exited (code ${code}, signal ${signal}) without a result`));
      };
      children.push(startChild([sinkBin, [CEILING_BUNDLE, 'sink', ...common]], onMessage('sink'), onExit('sink')));
    });
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export interface FloorOptions {
  runtime: RuntimeName;
  port: number;
  token: string;
  connections: number;
  pings?: number;
  /** taskset -c list to pin the client to, like the benchmark's clients. */
  cores?: string;
  /** Connections opened at once, and the untimed warm-up's connections (the floor's defaults: 500, 1,000). */
  batch?: number;
  warmupConnections?: number;
  /** Another floor taking the same options and printing the same report (the native one of ./native.ts). */
  client?: ChildCommand;
}

/** The floor's report, with the first failed connection's cause where one failed (the native floor says it). */
export interface FloorResult extends FloorReport {
  firstFailure?: string;
}

/**
 * The raw-client floor (bench/ceiling/floor-client.ts) against a running WSE server: `connections`
 * opened in batches, then `pings` sequential pings each (after one untimed round).
 */
export async function measureFloor({ runtime: runtimeName, port, token, connections, pings = 0, cores, batch, warmupConnections, client }: FloorOptions): Promise<FloorResult> {
  const name = client?.label ?? runtimeName;
  const args = [...(client?.args ?? [CEILING_BUNDLE, 'floor']), '--port', String(port), '--token', token, '--connections', String(connections), '--pings', String(pings), '--duration', '120'];
  if (batch !== undefined) args.push('--batch', String(batch));
  if (warmupConnections !== undefined) args.push('--warmup-connections', String(warmupConnections));
  let result: FloorResult | undefined;
  let failure: string | undefined;
  await new Promise<void>((resolve) => {
    startChild(
      pinnedCommand(cores, client?.bin ?? runtime(runtimeName).binary, args),
      (message) => {
        if (message.event === 'result') result = message as unknown as FloorResult;
        else if (message.event === 'error') failure = message.message;
      },
      () => resolve(),
    );
  });
  if (result === undefined) throw new Error(`floor (${name}, ${connections} conns): ${failure ?? 'no result'}`);
  if (result.established < connections) {
    const cause = result.firstFailure === undefined ? '' : ` (${result.firstFailure})`;
    throw new Error(`floor (${name}): only ${result.established} of ${connections} connections established${cause}`);
  }
  return result;
}
