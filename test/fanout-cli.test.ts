// `dist/bench.js --test fanout` as a user runs it: --quick against every server transport this
// runtime loads, with two client processes, against `wse-bench serve` at --host (found by WSE's
// metrics-port convention and driven), and with a target whose /metrics is missing or malformed
// (one line in the report, never a failed run).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult, TierResult } from '../bench/results.js';
import { startEmbeddedServer, type EmbeddedServer } from '../bench/server/embedded.js';
import { embeddedServerOptions } from './fixtures/serve-bundle.js';
import { availableServerTransports } from './fixtures/transports.js';
import { AUTH } from './server-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(root, 'dist/bench.js');

/** Runs dist/bench.js under this runtime; its exit code, stdout and stderr. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function jsonRun(args: string[]): Promise<RunResult> {
  const r = await cli([...args, '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunResult;
}

function fanoutTiers(run: RunResult): TierResult[] {
  const tiers = run.tests.find((t) => t.test === 'fanout')?.tiers ?? [];
  assert.ok(tiers.length > 0, 'a fanout tier');
  return tiers;
}

function assertClosed(tier: TierResult): void {
  assert.equal(tier.partial, undefined, tier.partial);
  assert.ok(tier.fanout !== undefined && tier.fanout.received > 0);
  assert.equal(tier.consistency?.ok, true, tier.consistency?.message);
  assert.equal(tier.fanout.lost, tier.fanout.serverDrops);
}

const SERVE_AUTH = ['--secret', AUTH.secret, '--issuer', AUTH.issuer, '--audience', AUTH.audience];

describe('dist/bench.js --test fanout', () => {
  for (const transport of availableServerTransports().map((t) => t.name)) {
    test(`--quick against the embedded ${transport} server`, async () => {
      const run = await jsonRun(['--test', 'fanout', '--quick', '--server-transport', transport]);
      assert.equal(run.server.transport, transport);
      assert.ok(run.server.metrics !== undefined && run.server.metrics.problem === undefined, JSON.stringify(run.server.metrics));
      for (const tier of fanoutTiers(run)) assertClosed(tier);
    });
  }

  test('--procs 2: the first worker drives the publisher, the tier merges and its books close', async () => {
    const run = await jsonRun(['--test', 'fanout', '--tiers', '20', '--duration', '1', '--procs', '2', '--warmup', '0', '--parse', 'none']);
    const [tier] = fanoutTiers(run);
    assertClosed(tier!);
    assert.equal(tier!.fanout!.subscribers, 20);
    assert.equal(tier!.workers?.length, 2);
  });

  test('the text report names the parse mode and says the books closed without an ERROR row', async () => {
    const r = await cli(['--test', 'fanout', '--tiers', '5', '--duration', '0.5', '--warmup', '0', '--parse', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Fan-out \(server push, received by the client\)/);
    assert.match(r.stdout, /Subscribers +Size +Parse +Published\/s +Deliveries\/s/);
    assert.match(r.stdout, /\n5 +94 B +none /);
    assert.doesNotMatch(r.stdout, /ERROR/);
  });
});

describe('dist/bench.js --host against wse-bench serve', () => {
  let server: EmbeddedServer;
  before(async () => {
    server = await startEmbeddedServer(embeddedServerOptions());
  });
  after(() => server.stop());

  test("WSE's convention finds its /metrics at --port + 1000, and its publisher is driven", async () => {
    assert.equal(server.metricsPort, server.port + 1000, 'serve took the conventional metrics port (it was free)');
    const run = await jsonRun(['--host', '127.0.0.1', '--port', String(server.port), ...SERVE_AUTH, '--test', 'fanout', '--tiers', '8', '--duration', '0.8', '--warmup', '0']);
    assert.equal(run.server.metrics?.url, `http://127.0.0.1:${server.metricsPort}/metrics`);
    const [tier] = fanoutTiers(run);
    assertClosed(tier!);
    assert.equal(tier!.fanout!.publisherDriven, true);
    assert.ok(tier!.serverMetrics !== undefined);
  });

  for (const [what, respond, problem] of [
    ['malformed', (res: import('node:http').ServerResponse) => res.end('<html>oops</html>\n'), /malformed: line 1: /],
    ['missing', (res: import('node:http').ServerResponse) => (res.writeHead(404), res.end()), /HTTP 404/],
  ] as const) {
    test(`a ${what} /metrics is one line in the report; the run measures and exits 0`, async () => {
      const stub: Server = createServer((_req, res) => respond(res));
      await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
      const port = (stub.address() as AddressInfo).port;
      try {
        const r = await cli(['--host', '127.0.0.1', '--port', String(server.port), '--metrics-port', String(port), ...SERVE_AUTH, '--test', 'ping-latency', '--tiers', '3', '--pings', '3', '--warmup', '0']);
        assert.equal(r.code, 0, r.stderr);
        const line = r.stdout.split('\n').find((l) => l.startsWith('Server /metrics: '));
        assert.ok(line !== undefined, r.stdout);
        assert.match(line, new RegExp(`^Server /metrics: not read \\(http://127\\.0\\.0\\.1:${port}/metrics: ${problem.source}`));
        assert.match(r.stdout, /Ping\/pong latency/);
      } finally {
        await new Promise<void>((resolve) => stub.close(() => resolve()));
      }
    });
  }
});
