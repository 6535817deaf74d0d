// The native yardstick (bench/native, driven by scripts/lib/native.ts): its Rust unit tests, the
// floor against the embedded app, the sink against the core client, ws and hostile peers, the
// flood into the ceiling's sink, and the way its processes end. No timing is asserted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { loadServerTransport } from '../adapters/server/index.js';
import { emptyServerCounters, type ServerStats } from '../bench/server/stats.js';
import { NATIVE_BINARY, buildNative, measureNativeFloor, measureNativeFlood, startNativeSink, testNative, type NativeSink } from '../scripts/lib/native.js';
import { checkFloorTimesEveryPing } from './fixtures/floor-checks.js';
import { INVALID_FRAMES, RawPeer, frame, closePayload, upgradeRequest } from './fixtures/raw-peer.js';
import { RecordingClient, mint, ping, startTestServer } from './server-harness.js';
import { waitFor } from './fixtures/waiting.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

before(async () => {
  const built = await buildNative();
  if (built.unavailable !== undefined) assert.fail(`${built.unavailable} (the native yardstick's tests need cargo)`);
  // The sink is checked against dist/bench.js built from this tree, not a stale one.
  const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
});

describe('native yardstick: the program', () => {
  test('cargo test: SHA-1, base64, the frame parser, the HTTP head reader and the WSE scanner pass their unit tests', async () => {
    const output = await testNative();
    const passed = /test result: ok\. (\d+) passed; 0 failed/.exec(output);
    assert.ok(passed !== null && Number(passed[1]) >= 20, output);
  });

  test('--help says what the sink does not do', () => {
    const help = spawnSync(NATIVE_BINARY, ['--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /does NOT verify JWTs/);
    assert.match(help.stdout, /does not check UTF-8/);
  });

  for (const args of [[], ['bogus'], ['floor', '--port', '1'], ['floor', '--port', 'x', '--token', 't'], ['floor', '--port', '1', '--token', 'a b'], ['sink', '--connections', '3'], ['flood', '--port', '1', '--duration', '-1'], ['sink', '--port']]) {
    test(`refuses "${args.join(' ')}" with one line on stderr, exit 2`, () => {
      const run = spawnSync(NATIVE_BINARY, args, { encoding: 'utf8', input: '' });
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stdout, '');
      if (args.length === 0) return; // no arguments: the usage text
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^wse-native: .+ \(see wse-native --help\)$/);
    });
  }

  test('a child exits when its parent goes away (stdin closes)', async () => {
    const child = spawn(NATIVE_BINARY, ['sink', '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const listening = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    assert.match(listening, /^\{"event":"listening","port":\d+\}$/);
    child.stdin.end();
    assert.equal(await exited, 2);
  });

  test('a child reports and exits at its deadline', async () => {
    // stdin stays open (a live parent): only the deadline can end it
    const child = spawn(NATIVE_BINARY, ['sink', '--deadline', '0.3'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    child.stdin.end();
    assert.equal(code, 3);
    const last = JSON.parse(lines.at(-1) ?? '{}') as { event?: string; message?: string };
    assert.equal(last.event, 'error');
    assert.match(last.message ?? '', /did not finish within 0.3 s/);
  });
});

describe('native floor', () => {
  test('connects through the WSE handshake and times every ping against the embedded app', () =>
    checkFloorTimesEveryPing(({ batchSize, ...shape }) => measureNativeFloor({ ...shape, batch: batchSize })));

  test('a wrong token fails every connection and names the cause, without hanging', async () => {
    const server = await startTestServer(loadServerTransport('core').transport);
    try {
      await assert.rejects(
        measureNativeFloor({ port: server.port, token: await mint({ secret: 'not-the-secret' }), connections: 3, pings: 1, warmupConnections: 0 }),
        /only 0 of 3 connections established \(the first frame was not server_ready\)/,
      );
    } finally {
      await server.stop();
    }
  });
});

describe('native sink', () => {
  let sink: NativeSink;
  /** The sink's open fds before any connection: stdio, epoll, listener. */
  let idleFds = 0;
  const fds = (): number => readdirSync(`/proc/${sink.child.pid}/fd`).length;
  const stats = async (): Promise<ServerStats> => (await fetch(`http://127.0.0.1:${sink.port}/stats`)).json() as Promise<ServerStats>;
  before(async () => {
    sink = await startNativeSink();
    idleFds = fds();
  });
  after(async () => {
    await sink.stop();
  });

  test('GET /stats has the embedded server\'s shape (bench/server/stats.ts), named native / sink', async () => {
    const body = await stats();
    const shape: ServerStats = { transport: 'core', mode: 'sink', rateLimit: 'off', workers: 1, cpuUserMicros: 0, cpuSystemMicros: 0, openConnections: 0, counters: emptyServerCounters(), readAtMs: 0 };
    assert.deepEqual(Object.keys(body).sort(), Object.keys(shape).sort());
    assert.deepEqual(Object.keys(body.counters).sort(), Object.keys(shape.counters).sort());
    assert.deepEqual(Object.keys(body.counters.messages).sort(), Object.keys(shape.counters.messages).sort());
    assert.deepEqual(Object.keys(body.counters.bytes).sort(), Object.keys(shape.counters.bytes).sort());
    assert.equal(body.transport as string, 'native');
    assert.equal(body.mode, 'sink');
    assert.ok(body.cpuUserMicros + body.cpuSystemMicros > 0);
    assert.ok(Math.abs(body.readAtMs - Date.now()) < 60_000);
  });

  test('the core client\'s throughput against it: delivered equals the sink\'s count, consistency ok', async () => {
    const run = spawnSync(
      process.execPath,
      [`${root}dist/bench.js`, '--host', '127.0.0.1', '--port', String(sink.port), '--test', 'throughput', '--tiers', '10', '--duration', '0.5', '--output', 'json'],
      { cwd: root, encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      server: { transport?: string; mode?: string };
      tests: { tiers: { messages: { delivered: number }; consistency?: { ok: boolean; serverReceived: number }; server?: { cpuCores: number } }[] }[];
    };
    assert.equal(result.server.transport, 'native');
    assert.equal(result.server.mode, 'sink');
    const tier = result.tests[0]!.tiers[0]!;
    assert.ok(tier.messages.delivered > 0);
    assert.equal(tier.consistency?.ok, true, JSON.stringify(tier.consistency));
    assert.equal(tier.consistency?.serverReceived, tier.messages.delivered);
    assert.ok(tier.server !== undefined && tier.server.cpuCores > 0, 'server CPU read from /stats');
    await waitFor(async () => (await stats()).openConnections === 0, 'the sink to close every connection', 10_000);
  });

  test('upgrade with RFC 6455\'s example key: its accept value, then server_ready first', async () => {
    const peer = await RawPeer.open(sink.port);
    peer.socket.write(
      'GET /wse?compression=false&protocol_version=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await peer.until(() => peer.received.includes('server_ready'));
    const text = peer.received.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(text, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
    const frameStart = text.indexOf('\r\n\r\n') + 4;
    assert.equal(peer.received[frameStart], 0x81, 'an unmasked FIN text frame');
    const ready = JSON.parse(peer.received.subarray(frameStart + 4).toString('utf8')) as { c: string; t: string; seq: number; p: { details: { connection_id: string } } };
    assert.equal(ready.t, 'server_ready');
    assert.equal(ready.c, 'WSE');
    assert.equal(ready.seq, 1);
    assert.match(ready.p.details.connection_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    peer.socket.destroy();
  });

  test('a ws client: WSE ping → PONG after the data, RFC ping → pong, close echoed; all counted', async () => {
    const before = await stats();
    const client = await RecordingClient.connect(`ws://127.0.0.1:${sink.port}/wse`, RecordingClient.cookie('any-token'));
    await client.until(() => client.countType('server_ready') === 1);
    const pong = new Promise<Buffer>((resolve) => client.ws.once('pong', resolve));
    client.ws.ping(Buffer.from('abc'));
    assert.equal((await pong).toString(), 'abc');
    for (let i = 0; i < 50; i++) client.ws.send('{"t":"trade_update","p":{"s":"ES","px":5234.75,"q":2}}');
    client.ws.send(Buffer.alloc(70_000, 'x'), { binary: true });
    client.ws.send(ping(1771857000123));
    await client.until(() => client.countType('pong') === 1);
    const answer = client.json().find((m) => m['t'] === 'PONG') as { p: { client_timestamp: number } };
    assert.equal(answer.p.client_timestamp, 1771857000123);
    client.ws.close(1000, 'bye');
    await client.closed;
    assert.equal(client.closeCode, 1000);
    assert.equal(client.closeReason, 'bye');
    await waitFor(async () => (await stats()).openConnections === 0, 'the sink to close every connection');
    const after = await stats();
    assert.equal(after.counters.connectionsOpened - before.counters.connectionsOpened, 1);
    assert.equal(after.counters.messages.text - before.counters.messages.text, 51);
    assert.equal(after.counters.messages.binary - before.counters.messages.binary, 1);
    assert.equal(after.counters.bytes.binary - before.counters.bytes.binary, 70_000);
    assert.equal(after.counters.pings - before.counters.pings, 1);
    assert.equal((after.counters.connectionsClosedByCode['1000'] ?? 0) - (before.counters.connectionsClosedByCode['1000'] ?? 0), 1);
  });

  test('a ping fragmented around an RFC ping is still answered, in order', async () => {
    const peer = await RawPeer.upgraded(sink.port, 'any-token');
    const text = Buffer.from(ping(5));
    peer.socket.write(Buffer.concat([
      frame({ opcode: 0x1, fin: false, payload: text.subarray(0, 7) }),
      frame({ opcode: 0x9, payload: Buffer.from('mid') }),
      frame({ opcode: 0x0, payload: text.subarray(7) }),
    ]));
    await peer.until(() => peer.received.includes('PONG'));
    // the pong control frame first (it came first), then the PONG text frame
    assert.equal(peer.received[0], 0x8a);
    assert.equal(peer.received.subarray(2, 5).toString(), 'mid');
    assert.equal(peer.received[5], 0x81);
    peer.socket.write(frame({ opcode: 0x8, payload: closePayload(1001) }));
    await peer.done;
    assert.equal(peer.closeCode(), 1001);
  });

  // The sink does not read text payloads beyond a ping's, so it cannot see invalid UTF-8 (README).
  const NOT_CHECKED = new Set(['invalid UTF-8 in a text frame']);
  for (const [rule, bytes, expected] of INVALID_FRAMES.filter(([rule]) => !NOT_CHECKED.has(rule))) {
    test(`${rule} → close ${expected}, counted`, async () => {
      const before = (await stats()).counters.connectionsClosedByCode[String(expected)] ?? 0;
      const peer = await RawPeer.upgraded(sink.port, 'any-token');
      peer.socket.write(bytes());
      await peer.done;
      assert.equal(peer.closeCode(), expected);
      assert.equal((await stats()).counters.connectionsClosedByCode[String(expected)], before + 1);
    });
  }

  test('garbage, oversized heads and refused upgrades get no 101, and leave no fd behind', async () => {
    const answers: string[] = [];
    for (const request of [
      'this is not HTTP\x01\r\n\r\n',
      upgradeRequest('t', `X-Big: ${'a'.repeat(20 * 1024)}\r\n`),
      upgradeRequest('t').replace('Version: 13', 'Version: 8'),
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const peer = await RawPeer.open(sink.port);
      peer.socket.write(request);
      await peer.done;
      answers.push(peer.received.toString('latin1').split('\r\n')[0]!);
    }
    assert.deepEqual(answers, ['HTTP/1.1 400 Bad Request', 'HTTP/1.1 431 Request Header Fields Too Large', 'HTTP/1.1 426 Upgrade Required', 'HTTP/1.1 404 Not Found']);
    // Upgraded connections that vanish without a close frame, and one that stalls mid-frame.
    const peers = await Promise.all(Array.from({ length: 20 }, () => RawPeer.upgraded(sink.port, 't')));
    peers[0]!.socket.write(frame({ opcode: 0x1, payload: Buffer.alloc(1000) }).subarray(0, 100));
    for (const peer of peers) peer.socket.destroy();
    await waitFor(async () => (await stats()).openConnections === 0, 'the sink to close every connection');
    // Every socket is closed once its close handshake ends (FIN, or the 2 s close timeout).
    await waitFor(() => fds() === idleFds, 'the sink to close its fds', 10_000).catch(() => assert.fail(`${fds()} fds open, ${idleFds} before any connection`));
  });
});

describe('native flood', () => {
  test('into the ceiling\'s sink: the sink counts exactly the bytes the native writer wrote, in whole frames', async () => {
    const result = await measureNativeFlood({ sinkRuntime: 'node', connections: 5, durationSec: 0.3, warmupSec: 0.1 });
    assert.equal(result.runtime, 'native');
    assert.equal(result.connections, 5);
    assert.equal(result.frameBytes, 183);
    assert.ok(result.totalBytes > 0);
    assert.equal(result.totalBytes % result.burstBytes, 0, 'every burst finished before the half-close');
  });
});
