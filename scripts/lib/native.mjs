// The native yardstick (bench/native, Rust, standard library only), as a reusable helper in the
// shape of ./ceiling.mjs: builds it into .build/native with cargo (release, offline), then runs
// its floor, its flood writer and its sink server as child processes. A measuring instrument only:
// dist/bench.js never needs it. Where no Rust compiler exists, buildNative says so and callers
// leave the native column out.
import { spawn, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { measureCeiling, measureFloor, root } from './ceiling.mjs';

export const NATIVE_DIR = join(root, 'bench/native');
const TARGET_DIR = join(root, '.build/native');
export const NATIVE_BINARY = join(TARGET_DIR, 'release/wse-native');

/** cargo on PATH, else where rustup puts it ($CARGO_HOME/bin, ~/.cargo/bin); undefined when absent. */
export function findCargo() {
  const candidates = ['cargo', join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin/cargo')];
  return candidates.find((cargo) => spawnSync(cargo, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** `cargo <args>` in bench/native with the shared target dir; rejects with cargo's last lines. */
function runCargo(cargo, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(cargo, [...args, '--offline', '--target-dir', TARGET_DIR], { cwd: NATIVE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(new Error(`${what}: ${error.message}`)));
    child.on('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${what} failed (exit ${code}): ${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

let building;
/**
 * Builds the release binary once per process. Resolves with { binary } or, when no cargo is
 * installed, with { unavailable: one line saying so }; rejects when the build itself fails.
 */
export function buildNative() {
  building ??= (async () => {
    const cargo = findCargo();
    if (cargo === undefined) return { unavailable: 'no Rust compiler (cargo) found: the native yardstick needs one (https://rustup.rs); it is never needed to run dist/bench.js' };
    await runCargo(cargo, ['build', '--release', '--quiet'], 'cargo build --release');
    return { binary: NATIVE_BINARY };
  })();
  return building;
}

/** The Rust unit tests (SHA-1, base64, frame parser, …): resolves with cargo's output. */
export function testNative() {
  const cargo = findCargo();
  if (cargo === undefined) return Promise.reject(new Error('no Rust compiler (cargo) found'));
  return runCargo(cargo, ['test', '--quiet'], 'cargo test');
}

/** [command, args], pinned to `cores` with taskset when asked and available. */
function command(args, cores) {
  const pin = cores !== undefined && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  return pin ? ['taskset', ['-c', cores, NATIVE_BINARY, ...args]] : [NATIVE_BINARY, args];
}

async function requireBinary() {
  const built = await buildNative();
  if (built.unavailable !== undefined) throw new Error(built.unavailable);
  return built.binary;
}

/**
 * The native floor against a running WSE server, run as measureFloor runs the JS floor (same
 * options, same report): `connections` opened in batches, then `pings` sequential pings each.
 */
export async function measureNativeFloor({ port, token, connections, pings = 0, cores, batch, warmupConnections }) {
  const binary = await requireBinary();
  return measureFloor({ runtime: 'native', port, token, connections, pings, cores, batch, warmupConnections, client: { bin: binary, args: ['floor'] } });
}

/**
 * The native flood writer into the ceiling's JS sink (`sinkRuntime`), measured exactly as
 * measureCeiling measures the JS writer; resolves with the same fields (runtime: 'native').
 */
export async function measureNativeFlood({ sinkRuntime, connections = 100, durationSec = 5, warmupSec = 1, framesPerWrite }) {
  const binary = await requireBinary();
  return measureCeiling({ runtime: 'native', sinkRuntime, connections, durationSec, warmupSec, framesPerWrite, client: { bin: binary, args: ['flood'] } });
}

/**
 * Starts the native sink server on 127.0.0.1 (`port` 0: any free port), pinned to `cores` when
 * given. Resolves with { port, stop() } once it listens; it also exits when this process does.
 */
export async function startNativeSink({ port = 0, cores, deadlineSec = 3600 } = {}) {
  await requireBinary();
  const [cmd, args] = command(['sink', '--port', String(port), '--deadline', String(deadlineSec)], cores);
  const child = spawn(cmd, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end(); // the sink exits when its stdin closes
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.event === 'listening') resolve({ port: message.port, stop, child });
      else if (message.event === 'error') reject(new Error(`native sink: ${message.message}`));
    });
    child.on('error', (error) => reject(new Error(`native sink: ${error.message}`)));
    exited.then((code) => reject(new Error(`native sink exited (code ${code}) before listening: ${stderr.trim()}`)));
  });
}
