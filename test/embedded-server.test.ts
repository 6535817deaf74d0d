// startEmbeddedServer: a separate serve process (or several workers), stats over IPC agreeing
// with GET /stats, clean stop, a clear error when the port is taken, and no orphans ever.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from '../core/server.js';
import { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from '../bench/server/embedded.js';
import { embeddedHandshakeTimeoutMs } from '../bench/target/target.js';
import { sendAndBarrier } from './server-harness.js';
import { join } from 'node:path';
import { isAlive, survivors } from './fixtures/processes.js';
import { embeddedServerOptions, serveBundle } from './fixtures/serve-bundle.js';

let workDir: string;
let script: string;
let base: EmbeddedServerOptions;


before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'wse-embedded-'));
  base = embeddedServerOptions();
  script = serveBundle();
});

after(() => {
  rmSync(workDir, { recursive: true, force: true });
});

for (const workers of [1, 2]) {
  describe(`embedded server with ${workers} worker(s)`, () => {
    let server: EmbeddedServer;
    before(async () => {
      server = await startEmbeddedServer({ ...base, workers });
    });
    after(async () => {
      await server.stop();
    });

    test('serves WSE; stats over IPC count exactly what clients sent and agree with GET /stats', async () => {
      assert.ok(server.port > 0);
      assert.equal(server.workers, workers);
      const url = `ws://127.0.0.1:${server.port}/wse`;
      const clients = 4;
      await Promise.all(Array.from({ length: clients }, () => sendAndBarrier(url, 250)));
      const stats = await server.stats();
      assert.equal(stats.workers, workers);
      assert.equal(stats.transport, server.transport);
      assert.equal(stats.counters.messages.json, clients * 251);
      assert.equal(stats.counters.messages.text, clients * 251);
      assert.equal(stats.counters.pings, clients);
      assert.equal(stats.counters.connectionsOpened, clients);
      assert.ok(stats.cpuUserMicros > 0);
      // GET /stats: with several workers it is the merged snapshot the primary pushes every 500 ms
      await new Promise((r) => setTimeout(r, workers > 1 ? 1200 : 0));
      const response = await fetch(`http://127.0.0.1:${server.port}/stats`);
      const viaHttp = (await response.json()) as typeof stats;
      assert.equal(viaHttp.workers, workers);
      assert.deepEqual(viaHttp.counters.messages, stats.counters.messages);
      assert.equal(viaHttp.counters.connectionsOpened, stats.counters.connectionsOpened);
    });

    test('stop() is idempotent and ends the process tree', async () => {
      const pid = server.pid;
      await Promise.all([server.stop(), server.stop()]);
      assert.deepEqual(await survivors([pid]), []);
      await assert.rejects(server.stats());
      server = await startEmbeddedServer({ ...base, workers }); // for after()
    });
  });
}

describe('embedded server failures', () => {
  test('a port in use gives an error naming the cause', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startEmbeddedServer({ ...base, port, transport: 'core' }), /port in use|EADDRINUSE|could not listen/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  test('onUnexpectedExit fires when the server is killed', async () => {
    const server = await startEmbeddedServer(base);
    const described = new Promise<string>((r) => server.onUnexpectedExit(r));
    process.kill(server.pid, 'SIGKILL');
    assert.match(await described, /SIGKILL/);
    await server.stop();
  });

  test('no orphans: when the parent is killed with SIGKILL the server exits', async () => {
    const parentScript = join(workDir, 'parent.mjs');
    writeFileSync(
      parentScript,
      `import { spawn } from 'node:child_process';
const child = spawn(process.execPath, [${JSON.stringify(script)}, 'serve', '--port', '0', '--ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
child.on('message', (m) => { if (m && m.type === 'ready') process.stdout.write(String(child.pid) + '\\n'); });
`,
    );
    const parent = spawn(process.execPath, [parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolvePid, reject) => {
      let out = '';
      parent.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolvePid(Number(out.trim()));
      });
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    assert.equal(isAlive(childPid), true);
    const parentGone = new Promise((r) => parent.once('exit', r));
    parent.kill('SIGKILL');
    await parentGone;
    assert.deepEqual(await survivors([childPid]), [], 'the server must exit when its parent dies');
  });
});

describe('the embedded server waits for an upgrade as long as the client does', () => {
  test('its upgrade deadline is the client\'s connect timeout when that is longer than its own 10 s', () => {
    assert.equal(embeddedHandshakeTimeoutMs(60_000), 60_000);
    assert.equal(embeddedHandshakeTimeoutMs(2_000), DEFAULT_HANDSHAKE_TIMEOUT_MS);
  });

  test('the deadline reaches the server process: a socket that sends no upgrade is dropped when it passes', async () => {
    const server = await startEmbeddedServer({ ...base, transport: 'core', handshakeTimeout: 300 });
    try {
      const socket = connect({ host: '127.0.0.1', port: server.port });
      const closedAfterMs = await new Promise<number>((resolve, reject) => {
        const started = Date.now();
        socket.once('error', reject);
        socket.once('close', () => resolve(Date.now() - started));
        // with the server's own 10 s deadline it would still be open here
        setTimeout(() => reject(new Error('still open after 5 s: the deadline did not reach the server')), 5_000).unref();
      });
      assert.ok(closedAfterMs < 5_000, `closed after ${closedAfterMs} ms`);
    } finally {
      await server.stop();
    }
  });
});
