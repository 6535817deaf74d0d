// Entry of the ceiling's child processes, bundled by build.mjs (target 'ceiling') into .build/ceiling.mjs:
//   ceiling.mjs sink   --connections C --warmup W [--port 0]
//   ceiling.mjs client --port P --connections C --warmup W --duration D [--frames-per-write N]
//   ceiling.mjs floor  --port P --token JWT --connections C [--pings K] [--batch B] [--warmup-connections W]
// Each prints JSON lines on stdout ({"event":"listening"|"result"|"error",...}) and exits when done,
// when its parent goes away (stdin closes) or at its own deadline, whichever comes first.
import { parseArgs } from 'node:util';
import { TRADING_MESSAGE } from '../../core/wse/messages.js';
import { EXIT_FAILED, EXIT_OK, EXIT_ORPHANED } from '../process/exit-codes.js';
import { runFloodClient } from './flood-client.js';
import { runFloorClient } from './floor-client.js';
import { buildMaskedTextFrames, DEFAULT_FRAMES_PER_WRITE, maskedFrameSize } from './frames.js';
import { CeilingSink } from './sink.js';

const HOST = '127.0.0.1';
/** Seconds allowed beyond warm-up + duration for connecting and draining before a child gives up. */
const GRACE_SEC = 30;

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      'frames-per-write': { type: 'string' },
      token: { type: 'string' },
      pings: { type: 'string' },
      batch: { type: 'string' },
      path: { type: 'string' },
      'warmup-connections': { type: 'string' },
    },
  });
  const role = positionals[0];
  const connections = positiveNumber('connections', values.connections, 100);
  const warmupSec = positiveNumber('warmup', values.warmup, 1);
  const durationSec = positiveNumber('duration', values.duration, 5);
  const deadline = setTimeout(() => {
    emit({ event: 'error', message: `${role} did not finish within ${warmupSec + durationSec + GRACE_SEC} s` });
    process.exit(EXIT_FAILED);
  }, (warmupSec + durationSec + GRACE_SEC) * 1000);
  deadline.unref();
  // The driver holds our stdin open; when it closes, the driver is gone and so are we.
  process.stdin.on('end', () => process.exit(EXIT_ORPHANED));
  process.stdin.on('error', () => process.exit(EXIT_ORPHANED));
  process.stdin.resume();

  if (role === 'sink') {
    const sink = new CeilingSink({ host: HOST, port: positiveNumber('port', values.port, 0), warmupSec });
    const port = await sink.listen();
    emit({ event: 'listening', port });
    await sink.whenAllClosed(connections);
    emit({ event: 'result', ...sink.report() });
    await sink.close();
  } else if (role === 'client') {
    if (values.port === undefined) throw new Error('client needs --port');
    const framesPerWrite = positiveNumber('frames-per-write', values['frames-per-write'], DEFAULT_FRAMES_PER_WRITE);
    const payload = Buffer.from(TRADING_MESSAGE);
    const burst = buildMaskedTextFrames(payload, Math.max(1, Math.floor(framesPerWrite)));
    const report = await runFloodClient({
      host: HOST,
      port: positiveNumber('port', values.port, 0),
      connections,
      writeSec: warmupSec + durationSec,
      burst,
    });
    emit({ event: 'result', ...report, burstBytes: burst.length, frameBytes: maskedFrameSize(payload.length) });
  } else if (role === 'floor') {
    if (values.port === undefined || values.token === undefined) throw new Error('floor needs --port and --token');
    const report = await runFloorClient({
      host: HOST,
      port: positiveNumber('port', values.port, 0),
      path: values.path ?? '/wse?compression=false&protocol_version=1',
      token: values.token,
      connections,
      batchSize: Math.max(1, positiveNumber('batch', values.batch, 500)),
      pings: Math.floor(positiveNumber('pings', values.pings, 0)),
      timeoutMs: 10_000,
      warmupConnections: Math.floor(positiveNumber('warmup-connections', values['warmup-connections'], 1000)),
    });
    emit({ event: 'result', ...report });
  } else {
    throw new Error(`first argument must be "sink", "client" or "floor", got "${role ?? ''}"`);
  }
  process.exit(EXIT_OK);
}

main().catch((error: unknown) => {
  emit({ event: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(EXIT_FAILED);
});
