// The embedded server process (`serve`, on every transport this runtime loads) against peers that
// try to make it hold memory: one message in a million one-byte fragments, 40 such peers while a
// normal client measures, and a ping flood from a client that never reads. The server's memory is
// read from /proc/<pid>/status: VmRSS before, VmHWM (the peak) after, and VmRSS every 20 ms so that
// a server without the bounds fails as soon as it passes them instead of eating the machine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { startEmbeddedServer, type EmbeddedServer } from '../bench/server/embedded.js';
import type { RunResult } from '../bench/results.js';
import { MB, memoryOf, watchMemory } from './fixtures/memory-watch.js';
import { FrameSplitter, upgradedRawClient } from './fixtures/raw-peers.js';
import { availableServerTransports } from './fixtures/transports.js';
import { AUTH, RecordingClient, mint, ping } from './server-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bench.js');
/** What one attack may add to the server's memory: a bounded server stays far below (~5–20 MB). */
const GROWTH_LIMIT = 64 * MB;
/** One message of more than 1 MiB in one-byte fragments: over the fragment cap and over the size limit. */
const ATTACK_FRAGMENTS = 1_100_000;

/** An upgraded raw connection with a valid token; what it receives is split into frames. */
async function attacker(port: number, token: string): Promise<{ socket: Socket; received: FrameSplitter; closed: Promise<void> }> {
  const { socket, rest } = await upgradedRawClient(port, '/wse', `Cookie: access_token=${token}\r\n`);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const received = new FrameSplitter();
  received.push(rest);
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.resume();
  return { socket, received, closed };
}

function closeCodeIn(received: FrameSplitter): number | undefined {
  const close = received.frames.find((frame) => frame.opcode === 0x8);
  return close === undefined ? undefined : close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
}

/** Masked with an all-zero key: the payload bytes go as they are. */
function maskedFrame(first: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

const FRAGMENTS_PER_WRITE = 8192;
const CONTINUATIONS = Buffer.concat(Array.from({ length: FRAGMENTS_PER_WRITE }, () => maskedFrame(0x00, Buffer.from('a'))));

/**
 * Sends one text message as `fragments` one-byte frames (one write of 8192 per event-loop turn, so
 * the server's answer is read in between) until the server closes; resolves with its close code.
 */
async function sendOneByteFragments(port: number, token: string, fragments: number): Promise<number | undefined> {
  const { socket, received, closed } = await attacker(port, token);
  let sent = 1;
  socket.write(maskedFrame(0x01, Buffer.from('a')));
  let open = true;
  void closed.then(() => (open = false));
  while (open && sent < fragments) {
    const count = Math.min(FRAGMENTS_PER_WRITE, fragments - sent);
    const last = sent + count === fragments;
    const block = count === FRAGMENTS_PER_WRITE && !last ? CONTINUATIONS : Buffer.concat([CONTINUATIONS.subarray(0, (count - 1) * 7), maskedFrame(last ? 0x80 : 0x00, Buffer.from('a'))]);
    sent += count;
    if (!socket.write(block)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  socket.destroy();
  return closeCodeIn(received);
}

const PINGS_PER_WRITE = 1000;
const PINGS = Buffer.concat(Array.from({ length: PINGS_PER_WRITE }, () => maskedFrame(0x81, Buffer.from(ping(1)))));

/**
 * WSE pings from a client that never reads the PONGs. Ends when the server closes the connection,
 * or stops reading (a write has waited `stallMs` for 'drain'), or after `maxPings`.
 */
async function pingFlood(port: number, token: string, maxPings: number, stallMs: number): Promise<{ outcome: 'closed' | 'stalled' | 'all sent'; sent: number; socket: Socket }> {
  const { socket, received, closed } = await attacker(port, token);
  const deadline = Date.now() + 10_000;
  while (received.frames.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10)); // server_ready
  socket.pause(); // never reads again
  let open = true;
  void closed.then(() => (open = false));
  let sent = 0;
  while (open && sent < maxPings) {
    sent += PINGS_PER_WRITE;
    if (socket.write(PINGS)) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
      closed.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), stallMs)),
    ]);
    if (!drained) return { outcome: 'stalled', sent, socket };
  }
  return { outcome: open ? 'all sent' : 'closed', sent, socket };
}

for (const transport of availableServerTransports().map((t) => t.name)) {
  describe(`the embedded server (${transport}) under memory attacks`, () => {
    let server: EmbeddedServer;
    let token: string;
    before(async () => {
      const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
      assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
      server = await startEmbeddedServer({
        host: '127.0.0.1',
        port: 0,
        ...AUTH,
        mode: 'wse',
        transport,
        workers: 1,
        maxConnections: 10_000,
        rateLimit: 'off',
        script: bundle,
      });
      assert.equal(server.transport, transport);
      token = await mint();
    });
    after(async () => {
      await server.stop();
    });

    test(`one message in ${ATTACK_FRAGMENTS} one-byte fragments: closed with ${transport === 'core' ? 1008 : 1009}, server memory bounded`, async () => {
      const { result: code, growth } = await watchMemory(memoryOf(server.pid), GROWTH_LIMIT, 60_000, () => sendOneByteFragments(server.port, token, ATTACK_FRAGMENTS));
      // core counts the fragments (1008); uws and Bun.serve coalesce them and stop at the size limit (1009).
      assert.equal(code, transport === 'core' ? 1008 : 1009);
      assert.ok(growth < GROWTH_LIMIT, `the server's peak RSS grew by ${(growth / MB).toFixed(0)} MB`);
    });

    test('a ping flood from a client that never reads: server memory bounded, the flooder stopped, others served', async () => {
      const { result, growth } = await watchMemory(memoryOf(server.pid), GROWTH_LIMIT, 90_000, () => pingFlood(server.port, token, 3_000_000, 3_000));
      try {
        // core stops reading from it (TCP backpressure); uws and Bun.serve cannot, and close it.
        assert.equal(result.outcome, transport === 'core' ? 'stalled' : 'closed', `after ${result.sent} pings`);
        assert.ok(growth < GROWTH_LIMIT, `the server's peak RSS grew by ${(growth / MB).toFixed(0)} MB`);
        const other = await RecordingClient.connect(`ws://127.0.0.1:${server.port}/wse`, RecordingClient.cookie(token));
        other.ws.send(ping(42));
        await other.until(() => other.countType('pong') === 1, 10_000);
        await other.close();
      } finally {
        result.socket.destroy();
      }
    });

    test('40 attackers sending one-byte fragments without end while a normal client measures a throughput tier', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wse-memory-'));
      let measuring = true;
      const codes = new Map<number | undefined, number>();
      // Each attacker starts again as soon as it is closed, for as long as the measurement runs.
      const attackers = Array.from({ length: 40 }, async () => {
        while (measuring) {
          const code = await sendOneByteFragments(server.port, token, ATTACK_FRAGMENTS);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      });
      const out = join(dir, 'run.json');
      try {
        const { result: run, growth } = await watchMemory(memoryOf(server.pid), 2 * GROWTH_LIMIT, 120_000, async () => {
          await new Promise((resolve) => setTimeout(resolve, 500)); // the attack is under way
          const status = await runCli([
            '--host', '127.0.0.1', '--port', String(server.port),
            '--secret', AUTH.secret, '--issuer', AUTH.issuer, '--audience', AUTH.audience,
            '--test', 'throughput', '--tiers', '10', '--duration', '2', '--warmup', '0',
            '--output', 'json', '--out', out,
          ]);
          assert.equal(status.code, 0, status.stderr);
          return JSON.parse(readFileSync(out, 'utf8')) as RunResult;
        });
        const tier = run.tests[0]!.tiers[0]!;
        assert.equal(tier.connectionCounts.established, 10, JSON.stringify(tier.connectionCounts));
        assert.equal(tier.partial, undefined);
        assert.deepEqual(tier.unexpectedCloses, {});
        assert.ok((tier.messages?.delivered ?? 0) > 0);
        assert.ok(tier.consistency?.ok, tier.consistency?.message ?? 'no consistency check');
        assert.ok(growth < 2 * GROWTH_LIMIT, `the server's peak RSS grew by ${(growth / MB).toFixed(0)} MB`);
      } finally {
        measuring = false;
        await Promise.all(attackers);
        rmSync(dir, { recursive: true, force: true });
      }
      const expected = transport === 'core' ? 1008 : 1009;
      assert.ok((codes.get(expected) ?? 0) >= 40, JSON.stringify([...codes]));
      assert.deepEqual([...codes.keys()], [expected], JSON.stringify([...codes]));
    });
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bundle, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}
