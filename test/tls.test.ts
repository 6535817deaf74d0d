// wss://: the generated self-signed certificate, the core client and server over node:tls, trust
// (--ca, --insecure, neither → kind 'tls'), every server transport this runtime has, the CLI flags,
// and a CLI run of storm + throughput over TLS that reports the TLS handshake time.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bunRuntime, createBunServerTransport } from '../adapters/server/bun.js';
import { coreServerTransport } from '../adapters/server/core.js';
import type { ServerApp, ServerSocket, ServerTransport } from '../adapters/server/transport.js';
import { createUwsServerTransport, loadUwsModule } from '../adapters/server/uws.js';
import { parseRunArgs, type ParsedCommand } from '../bench/options/resolve-run.js';
import type { RunResult } from '../bench/results.js';
import { parseServeArgs, workerServeArgv } from '../bench/server/serve-options.js';
import { generateSelfSignedCertificate, writeCertificateFiles, type CertificateFiles, type CertificatePair } from '../bench/server/tls-cert.js';
import { connect } from '../core/client.js';
import type { WebSocketConnection } from '../core/connection.js';
import { eventsOf } from './fixtures/connection-events.js';
import { ConnectError } from '../core/errors.js';
import { createWebSocketServer } from '../core/server.js';
import { isTlsErrorCode, sniServerName, type ClientTlsOptions } from '../core/tls.js';
import type { ClientTransport, MessageSocket } from '../core/wse/transport.js';
import { UsageError } from '../bench/options/usage-error.js';
import type { BenchOptions } from '../bench/options/bench-options.js';
import { createServer as createNetServer, type Server } from 'node:net';
import { listen } from './fixtures/servers.js';
import { availableClientTransports } from './fixtures/transports.js';

const isBun = bunRuntime() !== undefined;
let pair: CertificatePair;
let files: CertificateFiles;

before(() => {
  pair = generateSelfSignedCertificate();
  files = writeCertificateFiles(pair);
});
after(() => files.remove());

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A core wss:// echo server; close() also drops the open connections. */
async function startCoreEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<WebSocketConnection>();
  const server = createWebSocketServer({ tls: { cert: pair.certPem, key: pair.keyPem } }, (connection) => {
    open.add(connection);
    const events = eventsOf(connection);
    events.on('message', (data, isBinary) => connection.send(Buffer.from(data), isBinary));
    events.on('close', () => open.delete(connection));
    events.on('error', () => undefined);
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      for (const connection of open) connection.terminate();
      await close(server);
    },
  };
}

function nextMessage(connection: WebSocketConnection): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => eventsOf(connection).once('message', (data, isBinary) => resolve({ data: Buffer.from(data), isBinary })));
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
    return error;
  }
  assert.fail('connected, but a failure was expected');
}

describe('generated self-signed certificate', () => {
  test('is a v3 X.509 certificate for localhost, 127.0.0.1 and ::1, signed by its own key', () => {
    const cert = new X509Certificate(pair.certPem);
    assert.match(cert.subject, /CN=wse-bench/);
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.checkIssued(cert));
    assert.ok(cert.verify(cert.publicKey));
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1']) assert.ok(cert.subjectAltName?.includes(name), `${name} in ${cert.subjectAltName}`);
    assert.ok(cert.checkIP('127.0.0.1') !== undefined, 'valid for 127.0.0.1');
    assert.ok(cert.checkHost('localhost') !== undefined, 'valid for localhost');
    const now = Date.now();
    assert.ok(Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo), `${cert.validFrom} … ${cert.validTo}`);
    assert.equal(readFileSync(files.certFile, 'utf8'), pair.certPem);
  });

  test('loads in tls.createServer; node:tls accepts it with ca set to it and sends no SNI for an IP', async () => {
    let serverSaw: (servername: unknown) => void = () => undefined;
    const servernameSeen = new Promise<unknown>((resolve) => (serverSaw = resolve));
    const server = createTlsServer({ cert: pair.certPem, key: pair.keyPem }, (socket: TLSSocket) => {
      serverSaw(socket.servername);
      socket.end();
    });
    const port = await listen(server);
    try {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: pair.certPem }, () => resolve(socket.authorized));
        socket.once('error', reject);
        socket.once('end', () => socket.destroy());
      });
      assert.equal(authorized, true);
      const servername = await servernameSeen;
      assert.ok(servername === false || servername === undefined || servername === null || servername === '', `no SNI for an IP literal, got ${String(servername)}`);
    } finally {
      await close(server);
    }
  });

  test('another generated pair does not vouch for this one (a TLS error code)', async () => {
    const server = createTlsServer({ cert: pair.certPem, key: pair.keyPem }, (socket) => socket.end());
    const port = await listen(server);
    try {
      const code = await new Promise<string | undefined>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: generateSelfSignedCertificate().certPem }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      });
      assert.ok(isTlsErrorCode(code), `TLS error code, got ${code}`);
    } finally {
      await close(server);
    }
  });
});

describe('SNI (RFC 6066: host names only)', () => {
  test('sniServerName', () => {
    assert.equal(sniServerName('wse.example.com'), 'wse.example.com');
    assert.equal(sniServerName('localhost'), 'localhost');
    assert.equal(sniServerName('127.0.0.1'), undefined);
    assert.equal(sniServerName('::1'), undefined);
    assert.equal(sniServerName(''), undefined);
  });
});

describe('core client ↔ core TLS server', () => {
  test('handshake, text and binary messages both ways, TLS handshake time reported', async () => {
    const server = await startCoreEcho();
    let handshakeMicros = -1;
    try {
      const connection = await connect(`wss://127.0.0.1:${server.port}/wse`, {
        tls: { ca: pair.certPem },
        onTlsHandshake: (micros) => {
          handshakeMicros = micros;
        },
      });
      assert.ok(handshakeMicros > 0, `handshake time ${handshakeMicros}`);
      const text = nextMessage(connection);
      connection.send('hello over TLS');
      assert.deepEqual(await text, { data: Buffer.from('hello over TLS'), isBinary: false });
      const big = Buffer.alloc(200_000, 7); // several TLS records
      const binary = nextMessage(connection);
      connection.send(big);
      const echoed = await binary;
      assert.equal(echoed.isBinary, true);
      assert.ok(echoed.data.equals(big));
      const closed = new Promise<number>((resolve) => eventsOf(connection).once('close', (code) => resolve(code)));
      connection.close(1000);
      assert.equal(await closed, 1000);
    } finally {
      await server.close();
    }
  });

  test('wss:// to a server that does not speak TLS fails with kind tls', async () => {
    const plain = createNetServer((socket) => {
      socket.on('error', () => undefined); // the client may reset it
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const port = await listen(plain);
    try {
      const error = await rejection(connect(`wss://127.0.0.1:${port}/wse`, { tls: { rejectUnauthorized: false }, timeoutMs: 5000 }));
      assert.equal(error.kind, 'tls', error.message);
    } finally {
      await close(plain);
    }
  });
});

// ---- trust, per client transport ----

function dial(transport: ClientTransport, port: number, tls: ClientTlsOptions | undefined): Promise<MessageSocket> {
  return transport.dial(
    `wss://127.0.0.1:${port}/wse`,
    { headers: {}, timeoutMs: 5000, maxMessageSize: 1 << 20, ...(tls !== undefined ? { tls } : {}) },
    { message: () => undefined, close: () => undefined, error: () => undefined },
  );
}

describe('trust: --insecure, --ca, neither', () => {
  let server: { port: number; close(): Promise<void> };
  before(async () => {
    server = await startCoreEcho();
  });
  after(() => server.close());

  for (const transport of availableClientTransports()) {
    // undici's WebSocket (Node 22) cannot take a CA or rejectUnauthorized per socket; Bun's can
    const perSocketTls = transport.name !== 'web' || isBun;

    test(`${transport.name}: a self-signed server is refused without --ca/--insecure, with kind tls`, async () => {
      const error = await rejection(dial(transport, server.port, {}));
      assert.equal(error.kind, 'tls', error.message);
    });

    test(`${transport.name}: --ca with the server's certificate connects${perSocketTls ? '' : ' (refused on Node: undici)'}`, async () => {
      if (!perSocketTls) {
        const error = await rejection(dial(transport, server.port, { ca: pair.certPem }));
        assert.match(error.message, /NODE_EXTRA_CA_CERTS/);
        return;
      }
      const socket = await dial(transport, server.port, { ca: pair.certPem });
      if (transport.name !== 'web') assert.ok((socket.tlsHandshakeMicros ?? 0) > 0, 'handshake time measured');
      socket.terminate();
    });

    test(`${transport.name}: --insecure connects${perSocketTls ? '' : ' (refused on Node: undici)'}`, async () => {
      if (!perSocketTls) {
        const error = await rejection(dial(transport, server.port, { rejectUnauthorized: false }));
        assert.match(error.message, /NODE_EXTRA_CA_CERTS/);
        return;
      }
      const socket = await dial(transport, server.port, { rejectUnauthorized: false });
      socket.terminate();
    });

    test(`${transport.name}: a CA that did not sign the server's certificate is refused with kind tls`, async () => {
      if (!perSocketTls) return; // refused before any handshake, as above
      const error = await rejection(dial(transport, server.port, { ca: generateSelfSignedCertificate().certPem }));
      assert.equal(error.kind, 'tls', error.message);
    });
  }
});

// ---- server transports ----

function serverTransports(): ServerTransport[] {
  const found: ServerTransport[] = [coreServerTransport];
  const bun = bunRuntime();
  if (bun !== undefined) found.push(createBunServerTransport(bun));
  const uws = loadUwsModule();
  if (uws.ok) found.push(createUwsServerTransport(uws.module));
  return found;
}

const echoApp: ServerApp<ServerSocket> = {
  open: (socket) => socket,
  message: (socket, data, isBinary) => void socket.send(Buffer.from(data), isBinary),
  close: () => undefined,
  http: () => undefined,
};

describe('server transports serve wss:// with --cert/--key files', () => {
  for (const transport of serverTransports()) {
    test(`${transport.name}: core client with --ca exchanges messages`, async () => {
      const listening = await transport.listen(
        { host: '127.0.0.1', port: 0, maxMessageSize: 1 << 20, reusePort: false, tls: { certFile: files.certFile, keyFile: files.keyFile } },
        echoApp,
      );
      try {
        const connection = await connect(`wss://127.0.0.1:${listening.port}/wse`, { tls: { ca: pair.certPem } });
        const reply = nextMessage(connection);
        connection.send('ping over TLS');
        assert.equal((await reply).data.toString(), 'ping over TLS');
        const closed = new Promise((resolve) => eventsOf(connection).once('close', resolve));
        connection.close(1000);
        await closed;
      } finally {
        await listening.close();
      }
    });
  }
});

// ---- command line ----

function options(argv: string[]): BenchOptions {
  const parsed: ParsedCommand = parseRunArgs(argv, { hasGlobalWebSocket: true, runtimeLabel: 'Node 22.0.0' });
  assert.equal(parsed.kind, 'run');
  return (parsed as Extract<ParsedCommand, { kind: 'run' }>).options;
}

function refusal(argv: string[]): string {
  assert.throws(() => parseRunArgs(argv), UsageError);
  try {
    parseRunArgs(argv);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('TLS flags', () => {
  test('--tls, --ca, --insecure, --cert/--key', () => {
    assert.equal(options([]).tls, undefined);
    assert.deepEqual(
      { tls: options(['--tls', '--ca', 'ca.pem']).tls, caFile: options(['--tls', '--ca', 'ca.pem']).caFile },
      { tls: true, caFile: 'ca.pem' },
    );
    assert.equal(options(['--tls', '--insecure']).insecure, true);
    const served = options(['--cert', 'c.pem', '--key', 'k.pem']);
    assert.equal(served.tls, true, '--cert/--key imply --tls');
    assert.equal(served.certFile, 'c.pem');
    assert.equal(served.keyFile, 'k.pem');
  });

  test('refusals name the flag', () => {
    assert.match(refusal(['--ca', 'ca.pem']), /--tls/);
    assert.match(refusal(['--insecure']), /--tls/);
    assert.match(refusal(['--tls', '--ca', 'ca.pem', '--insecure']), /exclude/);
    assert.match(refusal(['--cert', 'c.pem']), /--cert and --key/);
    assert.match(refusal(['--host', 'h', '--tls', '--cert', 'c.pem', '--key', 'k.pem']), /embedded server/);
  });
});

describe('serve flags', () => {
  test('--cert/--key imply --tls, go together, and reach the worker processes', () => {
    const served = parseServeArgs(['--cert', 'c.pem', '--key', 'k.pem']);
    assert.equal(served.tls, true);
    const args = workerServeArgv(served, 5006, 'core');
    assert.deepEqual(args.slice(args.indexOf('--cert'), args.indexOf('--cert') + 4), ['--cert', 'c.pem', '--key', 'k.pem']);
    assert.equal(parseServeArgs(['--tls']).cert, undefined, '--tls alone: generated at start');
    assert.throws(() => parseServeArgs(['--key', 'k.pem']), UsageError);
    assert.equal(workerServeArgv(parseServeArgs([]), 5006, 'core').includes('--cert'), false);
  });
});

describe('dist/bench.js --tls against the embedded server', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  let workDir: string;
  before(() => {
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `node build.mjs failed: ${build.stderr}`);
    workDir = mkdtempSync(join(tmpdir(), 'wse-tls-cli-'));
  });
  after(() => rmSync(workDir, { recursive: true, force: true }));

  test('connection-storm and throughput over wss:// work; the storm shows TLS handshake time', () => {
    const out = join(workDir, 'run.json');
    const run = spawnSync(
      process.execPath,
      [join(root, 'dist/bench.js'), '--tls', '--test', 'connection-storm,throughput', '--tiers', '20', '--duration', '1', '--output', 'json', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    assert.equal(run.status, 0, `exit ${run.status}: ${run.stderr}`);
    assert.match(run.stdout, /TLS p50/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.match(result.server.url, /^wss:\/\/127\.0\.0\.1:\d+\//);
    const storm = result.tests.find((t) => t.test === 'connection-storm')?.tiers[0];
    assert.ok(storm !== undefined, 'a storm tier');
    assert.equal(storm.connectionCounts.established, 20, JSON.stringify(storm.connectionCounts));
    assert.equal(storm.tlsHandshake?.count, 20);
    assert.ok(storm.tlsHandshake.p50 > 0 && storm.tlsHandshake.p50 <= (storm.connectLatency?.max ?? 0));
    const throughput = result.tests.find((t) => t.test === 'throughput')?.tiers[0];
    assert.ok(throughput?.messages !== undefined && throughput.messages.delivered > 0, 'messages delivered over TLS');
    assert.equal(throughput.consistency?.ok ?? true, true, throughput.consistency?.message);
  });
});
