import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ConnectError } from '../core/errors.js';
import { loadClientTransport } from '../adapters/client/index.js';
import { hasGlobalWebSocket } from '../adapters/runtime.js';
import type { MessageSocket, MessageSocketEvents } from '../core/wse/transport.js';
import { closeWsServer, wsServerPort } from './fixtures/servers.js';
import { availableClientTransports } from './fixtures/transports.js';
import { waitFor } from './fixtures/waiting.js';

interface Received {
  text: string[];
  binary: Buffer[];
  count: number;
  closeCode: number | undefined;
  headers: Record<string, string | string[] | undefined>;
}

class CountingServer {
  readonly received: Received[] = [];
  private server: WebSocketServer | undefined;

  async start(): Promise<number> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    this.server = server;
    server.on('connection', (ws, request) => {
      const entry: Received = { text: [], binary: [], count: 0, closeCode: undefined, headers: request.headers };
      this.received.push(entry);
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        entry.count++;
        if (entry.count > 2) return; // the first two are checked for content, the rest counted
        const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        if (isBinary) entry.binary.push(Buffer.from(bytes));
        else entry.text.push(bytes.toString());
        if (!isBinary && bytes.toString() === 'echo me') ws.send('echoed');
      });
      ws.on('close', (code) => {
        entry.closeCode = code;
      });
    });
    return wsServerPort(server);
  }

  stop(): Promise<void> {
    return closeWsServer(this.server);
  }
}

class RecordingEvents implements MessageSocketEvents {
  messages: { data: string; isBinary: boolean }[] = [];
  closes: number[] = [];
  message(data: Buffer | string, isBinary: boolean): void {
    this.messages.push({ data: typeof data === 'string' ? data : data.toString(), isBinary });
  }
  close(code: number): void {
    this.closes.push(code);
  }
  error(): void {}
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('loadClientTransport', () => {
  test('knows core and ws everywhere', () => {
    assert.equal(loadClientTransport('core').name, 'core');
    assert.equal(loadClientTransport('ws').name, 'ws');
  });
  if (hasGlobalWebSocket()) {
    test('gives web where there is a global WebSocket; it cannot bind source addresses', () => {
      assert.equal(loadClientTransport('web').supportsLocalAddress, false);
    });
  } else {
    test('refuses web with one line where there is no global WebSocket', () => {
      assert.throws(
        () => loadClientTransport('web'),
        (error: Error) =>
          !error.message.includes('\n') &&
          error.message.startsWith('the web transport needs a runtime with a global WebSocket (Node 22+ or Bun); this is Node 20.') &&
          error.message.endsWith('use --transport core or ws'),
      );
    });
  }
});

for (const transport of availableClientTransports()) {
  describe(`client transport ${transport.name}`, () => {
    const server = new CountingServer();
    let url = '';
    const sockets: MessageSocket[] = [];

    before(async () => {
      url = `ws://127.0.0.1:${await server.start()}/wse?x=1`;
    });
    after(async () => {
      for (const socket of sockets) socket.terminate();
      await server.stop();
    });

    const dial = async (events: MessageSocketEvents): Promise<MessageSocket> => {
      const socket = await transport.dial(url, { headers: { Cookie: 'access_token=t0k' }, timeoutMs: 3000, maxMessageSize: 1 << 20 }, events);
      sockets.push(socket);
      return socket;
    };

    test('connects with the headers, sends text and binary, receives', async () => {
      const events = new RecordingEvents();
      const socket = await dial(events);
      socket.send('echo me');
      socket.send(Buffer.from([1, 2, 3]));
      const entry = server.received.at(-1);
      assert.ok(entry !== undefined);
      assert.equal(entry.headers.cookie, 'access_token=t0k');
      await waitFor(() => entry.count === 2 && events.messages.length === 1, 'both messages and the echo');
      assert.deepEqual(entry.text, ['echo me']);
      assert.deepEqual(entry.binary, [Buffer.from([1, 2, 3])]);
      assert.deepEqual(events.messages, [{ data: 'echoed', isBinary: false }]);
      socket.close();
      await waitFor(() => events.closes.length === 1, 'close');
    });

    test('sendRepeated delivers exactly N messages and onceDrained fires', async () => {
      const events = new RecordingEvents();
      const socket = await dial(events);
      const entry = server.received.at(-1);
      assert.ok(entry !== undefined);
      const payload = 'x'.repeat(1000);
      const n = 5000;
      socket.sendRepeated(payload, n);
      let drained = false;
      socket.onceDrained(() => {
        drained = true;
      });
      await waitFor(() => drained, 'onceDrained');
      assert.equal(socket.bufferedAmount, 0);
      await waitFor(() => entry.count === n, `${n} messages`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(entry.count, n);
      socket.close();
      await waitFor(() => events.closes.length === 1, 'close');
    });

    test('the close code reaches the server, and close is reported once', async () => {
      const events = new RecordingEvents();
      const socket = await dial(events);
      const entry = server.received.at(-1);
      assert.ok(entry !== undefined);
      socket.close(4000, 'done');
      await waitFor(() => entry.closeCode !== undefined && events.closes.length === 1, 'close on both sides');
      assert.equal(entry.closeCode, 4000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(events.closes.length, 1);
    });

    test("a refused port fails with ConnectError kind 'refused'", async () => {
      const port = await closedPort();
      await assert.rejects(
        transport.dial(`ws://127.0.0.1:${port}/`, { headers: {}, timeoutMs: 3000, maxMessageSize: 1 << 20 }, new RecordingEvents()),
        (error: unknown) => error instanceof ConnectError && error.kind === 'refused',
      );
    });
  });
}
