// Text and markdown rendering of a constructed RunResult: the key cells are where they belong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderText } from '../bench/report/text.js';
import { renderMarkdown } from '../bench/report/markdown.js';
import { renderJson } from '../bench/report/index.js';
import { formatCompact, formatLatency, formatRate, formatBytes, formatRelative } from '../bench/report/format.js';
import { renderHtmlReport } from '../bench/report/html.js';
import type { RunResult } from '../bench/results.js';
import { sampleRunResult } from './fixtures/run-result.js';

describe('number formats like the reference', () => {
  test('rates, latencies, sizes', () => {
    assert.equal(formatCompact(116_400), '116K');
    assert.equal(formatCompact(7_020_000), '7.0M');
    assert.equal(formatCompact(950), '950');
    assert.equal(formatRate(1087.4), '1,087/s');
    assert.equal(formatLatency(6_100), '6.1 ms');
    assert.equal(formatLatency(1_160_000), '1,160 ms');
    assert.equal(formatLatency(380), '0.38 ms');
    assert.equal(formatBytes(65536), '64 KB');
    assert.equal(formatBytes(64), '64 B');
    assert.equal(formatRelative(118, 117), '+0.9%');
  });
});

describe('text report', () => {
  const text = renderText(sampleRunResult());

  test('no figure twice: the saturation note\'s ELU and CPU are the load table\'s, so only the table shows them', () => {
    const run = sampleRunResult();
    const tier = run.tests.find((t) => t.test === 'throughput')!.tiers[0]!;
    tier.notes.push('saturation: client ELU 0.97, CPU 0.98 cores; server CPU 0.41 cores over 1 worker(s)', 'saturation (busiest of 2 client processes): client ELU 0.97');
    for (const report of [renderText(run), renderMarkdown(run)]) {
      assert.doesNotMatch(report, /saturation/);
      assert.match(report, /97%.*0\.98 cores.*0\.41 cores.*client/, 'the load table still has them');
    }
    assert.ok(tier.notes.some((n) => n.startsWith('saturation:')), 'the JSON keeps the verdict\'s reason');
  });

  test('thresholds: a table of verdicts with the measured values, in text and markdown', () => {
    const run = sampleRunResult();
    run.thresholds = [
      { threshold: 'ping-latency.p99<=20ms', metric: 'ping-latency.latency.p99', passed: true, value: 19_600, measured: '19.6 ms', where: 'ping-latency 100' },
      { threshold: 'throughput.delivered_per_sec>=1e6', metric: 'throughput.messages.delivered_per_sec', passed: false, value: 88_000, measured: '88K/s', where: 'throughput 1,000' },
    ];
    assert.match(renderText(run), /Thresholds\n.*\n.*\nping-latency\.p99<=20ms +PASS +19\.6 ms +ping-latency 100\nthroughput\.delivered_per_sec>=1e6 +FAIL +88K\/s +throughput 1,000\n1 of 2 FAILED/);
    assert.match(renderMarkdown(run), /## Thresholds\n\n\| Threshold \| Result \| Measured \| Where \|\n\|---\|---\|---:\|---\|/);
  });

  test('one table per test with the reference columns', () => {
    assert.match(text, /Connection storm\n\s*Connections\s+Accept Rate\s+p50\s+p95\s+p99\s+Max\s+Failed/);
    assert.match(text, /1,000\s+2,680\/s\s+106\.0 ms\s+333\.0 ms\s+359\.0 ms\s+363\.0 ms\s+2/);
    assert.match(text, /Connections\s+Msg\/s\s+MB\/s\s+Per-conn msg\/s/);
    assert.match(text, /100\s+116K\s+20\.3\s+1,162/);
    assert.match(text, /Size \\ Conns\s+100/);
    assert.match(text, /64 B\s+124K/);
    assert.match(text, /Connections\s+JSON\s+MsgPack\s+vs JSON\s+Compressed\s+vs JSON/);
    assert.match(text, /100\s+117K\s+118K\s+\+0\.9%/);
    assert.match(text, /Max stable connections: 4,000 \(search stopped by max-connections\)/);
    assert.match(text, /1,000\s+100%\s+0\s+5,000\s+1\.4 ms/);
  });

  test('load table: client ELU and CPU, server CPU, saturated side, errors', () => {
    assert.match(text, /Tier\s+Client ELU\s+Client CPU\s+Server CPU\s+Saturated\s+Errors/);
    assert.match(text, /100\s+97%\s+0\.98 cores\s+0\.41 cores\s+client\s+0/);
    assert.match(text, /2 failed \(timeout 2\); RATE_LIMITED 3; close 1006 ×1/);
  });

  test('consistency problems and partial tiers are ERROR / PARTIAL lines', () => {
    assert.match(text, /^ERROR \(100\): client counted 1,000 delivered, server received 990$/m);
    assert.equal(text.match(/client counted 1,000 delivered/g)?.length, 1, 'shown once, not again as a note');
    assert.match(text, /^PARTIAL \(1,000\): interrupted by SIGINT$/m);
    assert.match(text, /PARTIAL RUN: interrupted by SIGINT/);
  });

  test('header names runtime, transport and server', () => {
    assert.match(text, /wse-bench-ts 0\.1\.0 · node 20\.19\.0 · transport core/);
    assert.match(text, /Server: embedded uws server, mode wse/);
  });
});

describe('nothing measured is not zero (issue 12)', () => {
  function emptyRun(): RunResult {
    const run = sampleRunResult();
    for (const test of run.tests) {
      for (const tier of test.tiers) {
        if (tier.latency !== undefined) tier.latency = null;
        if (tier.messages !== undefined) Object.assign(tier.messages, { delivered: 0, deliveredPerSec: null, deliveredMBPerSec: null, perConnectionPerSec: null });
      }
    }
    run.notRun = [{ test: 'connection-limit', reason: 'the server is gone: 127.0.0.1:5006 refuses new connections (connection refused)' }];
    run.tests = run.tests.filter((t) => t.test !== 'connection-limit');
    return run;
  }

  test('an empty latency or rate is a dash, never 0.00 ms or 0 msg/s, in text, markdown and HTML', () => {
    const run = emptyRun();
    const text = renderText(run);
    assert.match(text, /^100\s+0\s+—\s+—\s+—\s+—\s+—$/m, 'ping-latency: 0 PONGs, no percentile');
    assert.match(text, /^100\s+—\s+—\s+—\s+0\s+0 B$/m, 'throughput: nothing delivered, no rate');
    assert.doesNotMatch(text, /0\.00 ms/);
    const md = renderMarkdown(run);
    assert.match(md, /^\| 100 \| 0 \| — \| — \| — \| — \| — \|$/m);
    const html = renderHtmlReport([run]);
    assert.match(html, /<td>100<\/td><td>0<\/td><td>—<\/td><td>—<\/td>/);
  });

  test('tests not run are listed with the reason in every format', () => {
    const run = emptyRun();
    const line = 'NOT RUN: connection-limit: the server is gone: 127.0.0.1:5006 refuses new connections (connection refused)';
    assert.match(renderText(run), new RegExp(`^${line.replace(/[().]/g, '\\$&')}$`, 'm'));
    assert.ok(renderMarkdown(run).includes(line));
    assert.ok(renderHtmlReport([run]).includes(line));
    assert.deepEqual(JSON.parse(renderJson(run)).notRun, run.notRun);
  });
});

describe('markdown report', () => {
  const md = renderMarkdown(sampleRunResult());
  test('reference table layout', () => {
    assert.match(md, /^## Connection storm$/m);
    assert.match(md, /^\| Connections \| Accept Rate \| p50 \| p95 \| p99 \| Max \| Failed \|$/m);
    // the row's name left-aligned, figures right-aligned; the load table's verdict column stays left
    assert.match(md, /^\|---\|---:\|---:\|---:\|---:\|---:\|---:\|$/m);
    assert.match(md, /^\| Tier \| Client ELU \| Client CPU \| Server CPU \| Saturated \| Errors \|\n\|---\|---:\|---:\|---:\|---\|/m);
    assert.match(md, /^\| 1,000 \| 2,680\/s \| 106\.0 ms \| 333\.0 ms \| 359\.0 ms \| 363\.0 ms \| 2 \|$/m);
    assert.match(md, /^\| \*\*|^\| 64 B \| 124K \|/m);
    assert.match(md, /^\*\*ERROR \(100\): client counted/m);
  });
});

describe('json report', () => {
  test('is the RunResult as is', () => {
    const run = sampleRunResult();
    assert.deepEqual(JSON.parse(renderJson(run)), JSON.parse(JSON.stringify(run)));
  });
});
