import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createWebSocketServer, type WebSocketServerOptions } from '../core/server.js';
import type { WebSocketConnection } from '../core/connection.js';
import { eventsOf } from './fixtures/connection-events.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  HttpHeadReader,
  UpgradeRequestReader,
  UpgradeResponseReader,
  buildHttpResponse,
  buildUpgradeRequest,
  buildUpgradeResponse,
  computeAcceptKey,
  generateWebSocketKey,
  headerHasToken,
} from '../core/handshake.js';
import { within } from './fixtures/waiting.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function requestText(overrides: Record<string, string | undefined> = {}, requestLine = 'GET /wse?a=1 HTTP/1.1'): string {
  const headers: Record<string, string | undefined> = {
    Host: 'example.com:5006',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': RFC_KEY,
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let text = `${requestLine}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

function readRequest(text: string | Buffer, maxBytes?: number) {
  return new UpgradeRequestReader(maxBytes).push(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
}

function expectRejected(text: string | Buffer, status: number, maxBytes?: number) {
  const result = readRequest(text, maxBytes);
  assert.equal(result.state, 'rejected', JSON.stringify(result));
  if (result.state !== 'rejected') return undefined;
  assert.equal(result.status, status, result.reason);
  return result;
}

describe('accept key and request building', () => {
  test('accept key matches the example of RFC 6455 §1.3', () => {
    assert.equal(computeAcceptKey(RFC_KEY), RFC_ACCEPT);
  });

  test('generated keys are 16 random bytes in base64', () => {
    const a = generateWebSocketKey();
    const b = generateWebSocketKey();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(a, b);
  });

  test('the request carries every required header and the extra ones', () => {
    const text = buildUpgradeRequest({
      host: 'localhost:5006',
      path: '/wse?compression=false',
      key: RFC_KEY,
      headers: { Cookie: 'access_token=abc', Authorization: 'Bearer xyz' },
    });
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'GET /wse?compression=false HTTP/1.1');
    assert.ok(text.endsWith('\r\n\r\n'));
    for (const line of [
      'Host: localhost:5006',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${RFC_KEY}`,
      'Sec-WebSocket-Version: 13',
      'Cookie: access_token=abc',
      'Authorization: Bearer xyz',
    ]) {
      assert.ok(lines.includes(line), `missing ${line}`);
    }
  });

  test('header injection through extra headers is refused', () => {
    assert.throws(() => buildUpgradeRequest({ host: 'h', path: '/', key: RFC_KEY, headers: { Cookie: 'a\r\nX: y' } }), TypeError);
    assert.throws(() => buildUpgradeRequest({ host: 'h', path: '/', key: RFC_KEY, headers: { 'Bad Name': 'v' } }), TypeError);
  });

  test('a request built by the client is accepted by the server reader', () => {
    const key = generateWebSocketKey();
    const result = readRequest(buildUpgradeRequest({ host: 'h:1', path: '/p?q=1', key, headers: { Cookie: 'c=1' } }));
    assert.equal(result.state, 'upgrade');
    if (result.state !== 'upgrade') return;
    assert.equal(result.key, key);
    assert.equal(result.request.url, '/p?q=1');
    assert.equal(result.request.headers['cookie'], 'c=1');
  });

  test('headerHasToken reads comma lists case-insensitively', () => {
    assert.equal(headerHasToken('keep-alive, Upgrade', 'upgrade'), true);
    assert.equal(headerHasToken('WebSocket', 'websocket'), true);
    assert.equal(headerHasToken('upgrades', 'upgrade'), false);
    assert.equal(headerHasToken(undefined, 'upgrade'), false);
  });
});

describe('HttpHeadReader', () => {
  const text = 'HTTP/1.1 101 Switching Protocols\r\nA: b\r\n\r\n';

  test('finds the head at every split point and keeps the bytes after it', () => {
    const bytes = Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0x81, 0x00])]);
    for (let split = 1; split < bytes.length; split++) {
      const reader = new HttpHeadReader();
      const first = reader.push(bytes.subarray(0, split));
      const result = first.state === 'complete' ? first : reader.push(bytes.subarray(split));
      assert.equal(result.state, 'complete', `split at ${split}`);
      if (result.state !== 'complete') return;
      assert.equal(result.head, text.slice(0, -4));
      // Bytes of a later chunk are frame data the caller passes on directly.
      const after = first.state === 'complete' ? Buffer.concat([result.rest, bytes.subarray(split)]) : result.rest;
      assert.deepEqual([...after], [0x81, 0x00]);
    }
  });

  test('a head cut by the end of a read does not depend on that read buffer being kept', () => {
    // A stream may read every chunk into the same memory (node:net with onread): the reader must
    // copy what it keeps, not hold on to the chunk.
    const bytes = Buffer.from(text, 'latin1');
    for (let split = 1; split < bytes.length; split++) {
      const readBuffer = Buffer.alloc(bytes.length);
      const reader = new HttpHeadReader();
      bytes.copy(readBuffer, 0, 0, split);
      assert.equal(reader.push(readBuffer.subarray(0, split)).state, 'incomplete');
      readBuffer.fill(0x5a); // the next read overwrites the buffer
      const rest = bytes.length - split;
      bytes.copy(readBuffer, 0, split);
      const result = reader.push(readBuffer.subarray(0, rest));
      assert.equal(result.state, 'complete', `split at ${split}`);
      if (result.state === 'complete') assert.equal(result.head, text.slice(0, -4), `split at ${split}`);
    }
  });

  test('one byte at a time', () => {
    const reader = new HttpHeadReader();
    const bytes = Buffer.from(text, 'latin1');
    for (let i = 0; i < bytes.length - 1; i++) assert.equal(reader.push(bytes.subarray(i, i + 1)).state, 'incomplete');
    const last = reader.push(bytes.subarray(bytes.length - 1));
    assert.equal(last.state, 'complete');
    if (last.state === 'complete') assert.equal(last.rest.length, 0);
  });

  test('a head over the limit is refused, also when it never ends', () => {
    const reader = new HttpHeadReader(64);
    assert.equal(reader.push(Buffer.from('GET / HTTP/1.1\r\n')).state, 'incomplete');
    assert.equal(reader.push(Buffer.from(`X: ${'a'.repeat(60)}\r\n`)).state, 'too-large');
    const complete = new HttpHeadReader(64).push(Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(50)}\r\n\r\n`));
    assert.equal(complete.state, 'too-large');
  });

  test('a head exactly at the limit is accepted', () => {
    const head = `GET / HTTP/1.1\r\nX: ${'a'.repeat(40)}\r\n\r\n`;
    assert.equal(new HttpHeadReader(head.length).push(Buffer.from(head)).state, 'complete');
    assert.equal(new HttpHeadReader(head.length - 1).push(Buffer.from(head)).state, 'too-large');
  });

  test('binary garbage is refused at once, before the size limit', () => {
    const result = new HttpHeadReader().push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    assert.equal(result.state, 'malformed');
    assert.equal(new HttpHeadReader().push(Buffer.from('\r\n\r\n')).state, 'malformed');
    assert.equal(new HttpHeadReader().push(Buffer.from('GET /\rX HTTP/1.1\r\n')).state, 'malformed');
  });
});

describe('server reads the upgrade request', () => {
  test('valid request: key, url, lower-case headers and trailing frame bytes', () => {
    const bytes = Buffer.concat([Buffer.from(requestText({ Cookie: 'access_token=t' })), Buffer.from([0x81, 0x80])]);
    for (let split = 1; split < bytes.length; split++) {
      const reader = new UpgradeRequestReader();
      const first = reader.push(bytes.subarray(0, split));
      const result = first.state === 'incomplete' ? reader.push(bytes.subarray(split)) : first;
      assert.equal(result.state, 'upgrade', `split at ${split}`);
      if (result.state !== 'upgrade') return;
      assert.equal(result.key, RFC_KEY);
      assert.equal(result.request.method, 'GET');
      assert.equal(result.request.url, '/wse?a=1');
      assert.equal(result.request.httpVersion, '1.1');
      assert.equal(result.request.headers['cookie'], 'access_token=t');
      assert.equal(result.request.headers['sec-websocket-version'], '13');
      const after = first.state === 'incomplete' ? result.rest : Buffer.concat([result.rest, bytes.subarray(split)]);
      assert.deepEqual([...after], [0x81, 0x80]);
    }
  });

  test('token lists and case are accepted', () => {
    const result = readRequest(requestText({ Upgrade: 'WebSocket', Connection: 'keep-alive, upgrade' }));
    assert.equal(result.state, 'upgrade');
  });

  test('the 101 answer carries the RFC accept key', () => {
    const response = buildUpgradeResponse(RFC_KEY);
    assert.ok(response.startsWith('HTTP/1.1 101 Switching Protocols\r\n'));
    assert.ok(response.includes(`Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n`));
    assert.ok(response.endsWith('\r\n\r\n'));
  });

  test('a request without Upgrade: websocket is a plain HTTP request', () => {
    const result = readRequest('GET /stats HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(result.state, 'http');
    if (result.state === 'http') {
      assert.equal(result.request.url, '/stats');
      assert.equal(result.request.headers['host'], 'x');
    }
  });

  test('oversized headers → 431', () => {
    expectRejected(requestText({ Cookie: 'a'.repeat(DEFAULT_MAX_HEADER_BYTES) }), 431);
    expectRejected(requestText({ Cookie: 'a'.repeat(200) }), 431, 128);
  });

  test('garbage → 400', () => {
    expectRejected(Buffer.from([0x00, 0x01, 0x02, 0x03]), 400);
    expectRejected('HELLO\r\n\r\n', 400);
    expectRejected('GET / HTTP/1.1\r\nno colon here\r\n\r\n', 400);
    expectRejected('GET / HTTP/1.1\r\n: empty name\r\n\r\n', 400);
    expectRejected('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', 400);
  });

  test('wrong method → 405 with Allow: GET', () => {
    const result = expectRejected(requestText({}, 'POST /wse HTTP/1.1'), 405);
    assert.equal(result?.headers?.['Allow'], 'GET');
  });

  test('HTTP/1.0 → 400', () => {
    expectRejected(requestText({}, 'GET /wse HTTP/1.0'), 400);
  });

  test('missing Host → 400', () => {
    expectRejected(requestText({ Host: undefined }), 400);
  });

  test('Connection without the upgrade token → 400', () => {
    expectRejected(requestText({ Connection: 'keep-alive' }), 400);
    expectRejected(requestText({ Connection: undefined }), 400);
  });

  test('Sec-WebSocket-Version other than 13 → 426 naming version 13', () => {
    for (const version of ['8', '14', undefined]) {
      const result = expectRejected(requestText({ 'Sec-WebSocket-Version': version }), 426);
      assert.equal(result?.headers?.['Sec-WebSocket-Version'], '13');
    }
  });

  test('missing or malformed Sec-WebSocket-Key → 400', () => {
    expectRejected(requestText({ 'Sec-WebSocket-Key': undefined }), 400);
    expectRejected(requestText({ 'Sec-WebSocket-Key': 'c2hvcnQ=' }), 400); // 5 bytes
    expectRejected(requestText({ 'Sec-WebSocket-Key': `${RFC_KEY.slice(0, 20)}!!==` }), 400);
    expectRejected(requestText({ 'Sec-WebSocket-Key': Buffer.alloc(17).toString('base64') }), 400);
  });

  test('a repeated Sec-WebSocket-Key is refused', () => {
    const text = requestText().replace('\r\n\r\n', `\r\nSec-WebSocket-Key: ${RFC_KEY}\r\n\r\n`);
    expectRejected(text, 400);
  });

  test('HTTP error responses are complete and close the connection', () => {
    const text = buildHttpResponse(426, { 'Sec-WebSocket-Version': '13' }, 'Upgrade Required: version 13 only');
    const [head, body] = text.split('\r\n\r\n');
    assert.ok(head!.startsWith('HTTP/1.1 426 Upgrade Required\r\n'));
    assert.ok(head!.includes('\r\nConnection: close'));
    assert.ok(head!.includes('\r\nSec-WebSocket-Version: 13'));
    assert.ok(head!.includes(`\r\nContent-Length: ${Buffer.byteLength(body!)}`));
    assert.equal(body, 'Upgrade Required: version 13 only');
    assert.ok(buildHttpResponse(200, {}, 'é').includes('Content-Length: 2\r\n'));
  });
});

describe('client reads the upgrade response', () => {
  const good = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${RFC_ACCEPT}\r\n\r\n`;

  function readResponse(text: string, maxBytes?: number) {
    return new UpgradeResponseReader(RFC_KEY, maxBytes).push(Buffer.from(text, 'latin1'));
  }

  test('a valid 101 is accepted at every split point, keeping the frame bytes after it', () => {
    const bytes = Buffer.concat([Buffer.from(good, 'latin1'), Buffer.from([0x81, 0x02, 0x68, 0x69])]);
    for (let split = 1; split < bytes.length; split++) {
      const reader = new UpgradeResponseReader(RFC_KEY);
      const first = reader.push(bytes.subarray(0, split));
      const result = first.state === 'incomplete' ? reader.push(bytes.subarray(split)) : first;
      assert.equal(result.state, 'accepted', `split at ${split}`);
      if (result.state !== 'accepted') return;
      const after = first.state === 'incomplete' ? result.rest : Buffer.concat([result.rest, bytes.subarray(split)]);
      assert.deepEqual([...after], [0x81, 0x02, 0x68, 0x69]);
    }
  });

  test('a non-101 answer is rejected quoting the status line', () => {
    const result = readResponse('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    assert.equal(result.state, 'rejected');
    if (result.state !== 'rejected') return;
    assert.equal(result.statusCode, 403);
    assert.ok(result.message.includes('HTTP/1.1 403 Forbidden'), result.message);
  });

  test('a wrong Sec-WebSocket-Accept is rejected', () => {
    const result = readResponse(good.replace(RFC_ACCEPT, computeAcceptKey('AAAAAAAAAAAAAAAAAAAAAA==')));
    assert.equal(result.state, 'rejected');
    if (result.state === 'rejected') assert.match(result.message, /Sec-WebSocket-Accept/);
    assert.equal(readResponse(good.replace(`Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n`, '')).state, 'rejected');
  });

  test('missing Upgrade or Connection tokens are rejected', () => {
    assert.equal(readResponse(good.replace('Upgrade: websocket', 'Upgrade: h2c')).state, 'rejected');
    assert.equal(readResponse(good.replace('Connection: Upgrade', 'Connection: close')).state, 'rejected');
  });

  test('an extension or subprotocol we did not offer is rejected', () => {
    const ext = good.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
    assert.equal(readResponse(ext).state, 'rejected');
    const proto = good.replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: chat\r\n\r\n');
    assert.equal(readResponse(proto).state, 'rejected');
  });

  test('oversized or never-ending headers are rejected', () => {
    const reader = new UpgradeResponseReader(RFC_KEY, 1024);
    assert.equal(reader.push(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n')).state, 'incomplete');
    const result = reader.push(Buffer.from(`X: ${'y'.repeat(2000)}\r\n`));
    assert.equal(result.state, 'rejected');
    if (result.state === 'rejected') assert.match(result.message, /size limit/);
  });

  test('garbage instead of a status line is rejected', () => {
    assert.equal(readResponse('\x00\x01garbage').state, 'rejected');
    assert.equal(readResponse('SSH-2.0-OpenSSH\r\n\r\n').state, 'rejected');
  });
});

describe('server role over TCP', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startServer(options: WebSocketServerOptions = {}): Promise<{ port: number; connections: WebSocketConnection[] }> {
    const connections: WebSocketConnection[] = [];
    const server: Server = createWebSocketServer(options, (connection) => {
      connections.push(connection);
    });
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    );
    return { port: (server.address() as AddressInfo).port, connections };
  }

  /** Sends `bytes` and returns everything the server wrote until it closed the connection. */
  async function exchange(port: number, bytes: string | Buffer): Promise<string> {
    const socket = netConnect(port, '127.0.0.1');
    cleanups.push(() => {
      socket.destroy();
    });
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'connect');
    socket.write(bytes);
    await within(once(socket, 'close'), 'the server to close the connection');
    return Buffer.concat(chunks).toString('latin1');
  }

  test('garbage before the upgrade → 400 and close', async () => {
    const { port, connections } = await startServer();
    const answer = await exchange(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]));
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(connections.length, 0);
  });

  test('oversized request headers → 431 and close', async () => {
    const { port } = await startServer({ maxRequestHeaderBytes: 1024 });
    const answer = await exchange(port, requestText({ Cookie: 'a'.repeat(4096) }));
    assert.match(answer, /^HTTP\/1\.1 431 /);
  });

  test('wrong version → 426 naming version 13', async () => {
    const { port } = await startServer();
    const answer = await exchange(port, requestText({ 'Sec-WebSocket-Version': '8' }));
    assert.match(answer, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(answer, /\r\nSec-WebSocket-Version: 13\r\n/);
  });

  test('a plain GET goes to onHttpRequest, or gets 404 without it', async () => {
    const seen: string[] = [];
    const { port } = await startServer({
      onHttpRequest: (request) => {
        seen.push(`${request.method} ${request.url} ${request.headers['host']} ${request.remoteAddress.replace(/^::ffff:/, '')}`);
        return request.url === '/stats' ? { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' } : undefined;
      },
    });
    const stats = await exchange(port, 'GET /stats HTTP/1.1\r\nHost: bench\r\n\r\n');
    assert.match(stats, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(stats, /\r\nContent-Type: application\/json\r\n/);
    assert.ok(stats.endsWith('\r\n\r\n{"ok":true}'));
    assert.deepEqual(seen, ['GET /stats bench 127.0.0.1']);
    assert.match(await exchange(port, 'GET /other HTTP/1.1\r\nHost: bench\r\n\r\n'), /^HTTP\/1\.1 404 /);

    const { port: bare } = await startServer();
    assert.match(await exchange(bare, 'GET /stats HTTP/1.1\r\nHost: bench\r\n\r\n'), /^HTTP\/1\.1 404 /);
  });

  test('an upgrade that never finishes is dropped after handshakeTimeoutMs', async () => {
    const { port } = await startServer({ handshakeTimeoutMs: 200 });
    const started = Date.now();
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    assert.equal(answer, '');
    assert.ok(Date.now() - started >= 150);
  });

  test('a valid upgrade is answered with the RFC accept key', async () => {
    const { port, connections } = await startServer();
    const socket = netConnect(port, '127.0.0.1');
    cleanups.push(() => {
      socket.destroy();
    });
    await once(socket, 'connect');
    socket.write(requestText());
    const [chunk] = (await within(once(socket, 'data'), 'the 101 response')) as [Buffer];
    const text = chunk.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(text.includes(`Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n`));
    assert.equal(connections.length, 1);
    assert.equal(connections[0]!.role, 'server');
    const closed = once(eventsOf(connections[0]!), 'close');
    socket.destroy();
    assert.deepEqual(await within(closed, 'close'), [1006, '']);
  });
});
