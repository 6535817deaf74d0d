// What one held connection costs in memory, measured without the benchmark around it: opens N
// connections (plain net sockets, or WSE sessions over a client transport) to a running server,
// forces garbage collection before and after, and prints one JSON line with the growth per
// connection. Run with --expose-gc under Node, or under Bun (scripts/bench-ab.mjs builds and runs it):
//   node --expose-gc .build/connection-memory.mjs --port P --token JWT --mode raw|core|ws --connections N
//   bun .build/connection-memory.mjs --port P --token JWT --mode raw|core|ws --connections N
import { connect as netConnect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WseSession, type WseSessionListener } from '../../core/wse/session.js';
import { loadClientTransport } from '../../adapters/client/index.js';

const BATCH = 500;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    token: { type: 'string', default: '' },
    mode: { type: 'string', default: 'core' },
    connections: { type: 'string', default: '5000' },
  },
});
const port = Number(values.port);
const count = Number(values.connections);
const mode = values.mode;
if (!Number.isInteger(port) || !Number.isInteger(count) || count < 1 || (mode !== 'raw' && mode !== 'core' && mode !== 'ws')) {
  process.stderr.write('usage: connection-memory --port P --token JWT --mode raw|core|ws --connections N\n');
  process.exit(2);
}
// Node exposes gc() with --expose-gc; Bun has Bun.gc(true) (a full, synchronous collection).
const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
const gc = (globalThis as { gc?: () => void }).gc ?? (bun !== undefined ? () => bun.gc(true) : undefined);
if (gc === undefined) {
  process.stderr.write('connection-memory: run with --expose-gc (Node) or under Bun\n');
  process.exit(2);
}

function settled(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

const quiet: WseSessionListener = { onPong() {}, onServerError() {}, onRateLimitWarning() {}, onClose() {} };
const held: (Socket | WseSession)[] = [];

function openRaw(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => resolve());
    socket.on('error', reject);
    held.push(socket);
  });
}

async function openSession(transportName: 'core' | 'ws'): Promise<void> {
  const session = await WseSession.connect(
    { transport: loadClientTransport(transportName), url: `ws://127.0.0.1:${port}/wse`, token: values.token, authVia: 'cookie', timeoutMs: 10_000, clientVersion: 'connection-memory/1' },
    quiet,
  );
  held.push(session);
}

await new Promise((resolve) => setTimeout(resolve, 200));
const before = settled();
for (let opened = 0; opened < count; opened += BATCH) {
  const batch: Promise<void>[] = [];
  for (let i = opened; i < Math.min(count, opened + BATCH); i++) batch.push(mode === 'raw' ? openRaw() : openSession(mode));
  await Promise.all(batch);
}
// Let the last hellos and acks settle before reading.
await new Promise((resolve) => setTimeout(resolve, 500));
const after = settled();
const perConnectionKB = (key: keyof NodeJS.MemoryUsage): number => (after[key] - before[key]) / held.length / 1024;
process.stdout.write(
  `${JSON.stringify({
    mode,
    connections: held.length,
    rssKB: perConnectionKB('rss'),
    heapUsedKB: perConnectionKB('heapUsed'),
    heapTotalKB: perConnectionKB('heapTotal'),
    externalKB: perConnectionKB('external'),
  })}\n`,
);
for (const item of held) {
  if (item instanceof WseSession) item.terminate();
  else item.destroy();
}
process.exit(0);
