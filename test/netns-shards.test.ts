// Shards on several hosts, built on this machine from network namespaces (test/fixtures/netns.ts):
// `wse-bench serve` on one host, three shards (--shard 0/3 … 2/3) on three others with their own
// addresses, one --start-at. The shards' JSON merged: the delivered count equals what the server
// read, the latency histograms are the union of the shards', and the shard started late is
// reported as such. Needs root and iproute2 (CI runs as root); elsewhere it says so in one line.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { serverDataMessages } from '../bench/engine/consistency.js';
import { EXIT_INCOMPLETE, EXIT_OK } from '../bench/process/exit-codes.js';
import type { RunResult, TierResult } from '../bench/results.js';
import type { ServerStats } from '../bench/server/stats.js';
import { NetnsLab, netnsUnavailable, removeLeftovers } from './fixtures/netns.js';
import { within } from './fixtures/waiting.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = `${root}dist/bench.js`;
const PORT = 5006;
const SHARDS = 3;
/** Shards 0 and 1 start this long before --start-at (process start-up on a loaded machine). */
const LEAD_MS = 8_000;
/** Shard 2 starts this long after --start-at: after its first connect slot and its first measure slot. */
const LATE_BY_MS = 4_000;

const unavailable = netnsUnavailable();

/** stdout, stderr and exit code of a child, once it exits. */
function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

function tierOf(run: RunResult, test: string): TierResult {
  const tier = run.tests.find((t) => t.test === test)?.tiers[0];
  assert.ok(tier !== undefined, `${test} has a tier`);
  return tier;
}

/** The union of the histograms, built here from the shards' own encodings. */
function union(encoded: readonly string[]): hdr.Histogram {
  const sum = hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3 });
  for (const e of encoded) sum.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return sum;
}

describe('shards on three hosts (network namespaces) against a server on a fourth', () => {
  test('merged delivered = server read; merged latency = union of the shards\'; the late shard is reported', { skip: unavailable ?? false, timeout: 180_000 }, async (t) => {
    removeLeftovers();
    const lab = new NetnsLab(['server', 's0', 's1', 's2']);
    try {
      const serverHost = lab.address('server');
      const server = lab.spawn('server', [process.execPath, bundle, 'serve', '--host', serverHost, '--port', String(PORT)]);
      let banner = '';
      server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (banner += chunk));
      await within(new Promise<void>((resolve, reject) => {
        server.stdout!.on('data', () => banner.includes(`ws://${serverHost}:${PORT}/wse`) && resolve());
        server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      }), 'the server in its namespace to listen', 30_000);

      const startAt = Date.now() + LEAD_MS;
      const shardArgs = (index: number): string[] => [
        process.execPath, bundle, '--host', serverHost, '--port', String(PORT), '--shard', `${index}/${SHARDS}`, '--start-at', String(startAt),
        '--test', 'throughput,ping-latency', '--tiers', '30', '--duration', '1', '--pings', '5', '--connect-timeout', '2000', '--warmup', '0', '--output', 'json',
      ];
      const onTime = [0, 1].map((index) => finished(lab.spawn(`s${index}`, shardArgs(index))));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt + LATE_BY_MS - Date.now())));
      const late = finished(lab.spawn('s2', shardArgs(2)));
      const outcomes = await within(Promise.all([...onTime, late]), 'the three shards to finish', 150_000);
      const runs = outcomes.map((o, i) => {
        const run = JSON.parse(o.stdout) as RunResult;
        // A shard out of step with the timetable has PARTIAL tiers, so its results are incomplete (exit 98):
        // the late one always, an on-time one only if a loaded machine made it miss a slot, and for nothing else.
        const partial = run.tests.flatMap((t) => t.tiers).filter((t) => t.partial !== undefined);
        if (i === 2) assert.equal(o.code, EXIT_INCOMPLETE, `the late shard: ${o.stderr}`);
        else assert.ok(o.code === EXIT_OK || (o.code === EXIT_INCOMPLETE && partial.length > 0), `shard ${i}: exit ${o.code}: ${o.stderr}`);
        for (const t of partial) assert.match(t.partial!, /after its slot/, `shard ${i}: partial only for being late`);
        return run;
      });

      // Each shard ran on its own host, its share, and measured its clock against the server's.
      runs.forEach((run, i) => {
        assert.deepEqual(run.options.shard, { index: i, count: SHARDS });
        assert.equal(tierOf(run, 'throughput').connections, 10);
        assert.ok(run.clockOffset !== undefined, `shard ${i} measured its clock offset`);
      });
      // On time for their first slot (started 8 s ahead). Later phases are not asserted on time: on
      // a loaded 2-core machine a measure phase can overrun its budget and make its close a little
      // late (seen: 254 ms in a full `npm test`), which is that shard rightly reporting itself late.
      for (const i of [0, 1]) assert.doesNotMatch(tierOf(runs[i]!, 'throughput').partial ?? '', /began its connect/, `shard ${i} was on time for its connect`);
      const lateTier = tierOf(runs[2]!, 'throughput');
      assert.match(lateTier.partial ?? '', /^shard 2\/3 began its connect [\d,]+ ms after its slot \(\+0\.0 s\)/);
      assert.ok((lateTier.lateMs ?? 0) >= LATE_BY_MS - 500, `late by ${lateTier.lateMs} ms`);

      // Merged as after `kubectl logs … | wse-bench merge -`: every shard's stderr and stdout, one after another.
      const logs = outcomes.map((o) => `${o.stderr}${o.stdout}`).join('');
      const merged = JSON.parse(lab.run('s0', [process.execPath, bundle, 'merge', '-', '--output', 'json'], logs)) as RunResult;
      assert.equal(merged.options.shard, undefined, 'the merge is the whole run');
      const throughput = tierOf(merged, 'throughput');
      assert.equal(throughput.connections, 30);
      assert.equal(throughput.connectionCounts.established, 30);
      assert.match(throughput.partial ?? '', /shard 2\/3 began its connect/, 'the merged tier says which shard was late');
      assert.ok(throughput.notes.some((n) => n.startsWith('shard clocks (offsets to the target): spread')), 'the clocks\' spread is noted');

      // What the server read over its whole life: every shard's delivered messages, plus one
      // client_hello a connection (pings, the clock-offset ones included, are not data).
      const stats = JSON.parse(lab.run('s0', [process.execPath, '-e', `fetch('http://${serverHost}:${PORT}/stats').then((r) => r.text()).then((t) => process.stdout.write(t))`])) as ServerStats;
      const delivered = throughput.messages?.delivered ?? 0;
      assert.ok(delivered > 0);
      assert.equal(delivered, runs.reduce((n, run) => n + (tierOf(run, 'throughput').messages?.delivered ?? 0), 0), 'merged = the shards\' sum');
      assert.equal(serverDataMessages(stats.counters) - stats.counters.connectionsOpened, delivered, 'the server read what the shards delivered');
      // The counts themselves, for the record (issue 17 asks for them to be quoted).
      t.diagnostic(`merged delivered ${delivered} = server read ${serverDataMessages(stats.counters) - stats.counters.connectionsOpened} (shards: ${runs.map((run) => tierOf(run, 'throughput').messages?.delivered ?? 0).join(' + ')}); late shard: ${lateTier.partial}`);

      const latency = tierOf(merged, 'ping-latency').latency;
      assert.ok(latency !== undefined && latency !== null);
      assert.equal(latency.count, 30 * 5);
      const expected = union(runs.map((run) => tierOf(run, 'ping-latency').latency!.hdr));
      const got = hdr.decodeFromCompressedBase64(latency.hdr, 32, false);
      assert.equal(got.totalCount, expected.totalCount);
      // Every percentile row, count and the mean alike (the footer's bucket layout may differ).
      const rows = (h: hdr.Histogram): string[] => h.outputPercentileDistribution().split('\n').filter((l) => !/^#\[(Max|Buckets)/.test(l));
      assert.deepEqual(rows(got), rows(expected), 'the merged histogram is the union of the shards\'');
    } finally {
      lab.destroy();
    }
  });
});
