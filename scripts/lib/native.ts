// The native yardstick (bench/native, Rust, standard library only), for the benchmark scripts and
// its test, in the shape of ./ceiling.ts: builds it into .build/native with cargo (release,
// offline), then runs its floor, its flood writer and its sink server as child processes. A
// measuring instrument only: dist/bench.js never needs it. Where no Rust compiler exists,
// buildNative says so and callers leave the native column out.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pinnedCommand } from '../../bench/process/pinning.js';
import { measureCeiling, measureFloor, root, type Ceiling, type CeilingOptions, type ChildCommand, type FloorOptions, type FloorResult } from './ceiling.js';

export const NATIVE_DIR = join(root, 'bench/native');
const TARGET_DIR = join(root, '.build/native');
export const NATIVE_BINARY = join(TARGET_DIR, 'release/wse-native');
const LABEL = 'native';

/** cargo on PATH, else where rustup puts it ($CARGO_HOME/bin, ~/.cargo/bin); undefined when absent. */
export function findCargo(): string | undefined {
  const candidates = ['cargo', join(process.env['CARGO_HOME'] ?? join(homedir(), '.cargo'), 'bin/cargo')];
  return candidates.find((cargo) => spawnSync(cargo, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** `cargo <args>` in bench/native with the shared target dir; rejects with cargo's last lines. */
function runCargo(cargo: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cargo, [...args, '--offline', '--target-dir', TARGET_DIR], { cwd: NATIVE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new Error(`${what}: ${error.message}`)));
    child.on('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${what} failed (exit ${code}): ${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

export type NativeBuild = { binary: string; unavailable?: undefined } | { unavailable: string; binary?: undefined };

let building: Promise<NativeBuild> | undefined;
/**
 * Builds the release binary once per process. Resolves with { binary } or, when no cargo is
 * installed, with { unavailable: one line saying so }; rejects when the build itself fails.
 */
export function buildNative(): Promise<NativeBuild> {
  building ??= (async (): Promise<NativeBuild> => {
    const cargo = findCargo();
    if (cargo === undefined) {
      return { unavailable: 'no Rust compiler (cargo) found: the native yardstick needs one (https://rustup.rs); it is never needed to run dist/bench.js' };
    }
    await runCargo(cargo, ['build', '--release', '--quiet'], 'cargo build --release');
    return { binary: NATIVE_BINARY };
  })();
  return building;
}

/** The Rust unit tests (SHA-1, base64, frame parser, …): resolves with cargo's output. */
export function testNative(): Promise<string> {
  const cargo = findCargo();
  if (cargo === undefined) return Promise.reject(new Error('no Rust compiler (cargo) found'));
  return runCargo(cargo, ['test', '--quiet'], 'cargo test');
}

async function nativeCommand(mode: 'floor' | 'flood'): Promise<ChildCommand> {
  const built = await buildNative();
  if (built.unavailable !== undefined) throw new Error(built.unavailable);
  return { bin: built.binary, args: [mode], label: LABEL };
}

/**
 * The native floor against a running WSE server, run as measureFloor runs the JS floor (same
 * options, same report): `connections` opened in batches, then `pings` sequential pings each.
 */
export async function measureNativeFloor(options: Omit<FloorOptions, 'runtime' | 'client'>): Promise<FloorResult> {
  // The runtime is not used when a client stands in; 'node' only satisfies the type.
  return measureFloor({ ...options, runtime: 'node', client: await nativeCommand('floor') });
}

/**
 * The native flood writer into the ceiling's JS sink (`sinkRuntime`), measured exactly as
 * measureCeiling measures the JS writer; resolves with the same fields (runtime: 'native').
 */
export async function measureNativeFlood(options: Omit<CeilingOptions, 'runtime' | 'client'> & { sinkRuntime: CeilingOptions['runtime'] }): Promise<Ceiling> {
  return measureCeiling({ ...options, runtime: options.sinkRuntime, client: await nativeCommand('flood') });
}

export interface NativeSink {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the native sink server on 127.0.0.1 (`port` 0: any free port), pinned to `cores` when
 * given. Resolves once it listens; it also exits when this process does (its stdin closes).
 */
export async function startNativeSink({ port = 0, cores, deadlineSec = 3600 }: { port?: number; cores?: string; deadlineSec?: number } = {}): Promise<NativeSink> {
  const { bin } = await nativeCommand('floor');
  const [cmd, args] = pinnedCommand(cores, bin, ['sink', '--port', String(port), '--deadline', String(deadlineSec)]);
  const child = spawn(cmd, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end(); // the sink exits when its stdin closes
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message: { event?: string; port?: number; message?: string };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.event === 'listening' && typeof message.port === 'number') resolve({ port: message.port, stop, child });
      else if (message.event === 'error') reject(new Error(`native sink: ${message.message}`));
    });
    child.on('error', (error) => reject(new Error(`native sink: ${error.message}`)));
    void exited.then((code) => reject(new Error(`native sink exited (code ${code}) before listening: ${stderr.trim()}`)));
  });
}
