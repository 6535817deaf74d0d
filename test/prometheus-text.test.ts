// Reading the Prometheus text exposition format (0.0.4) as a WSE server writes it and as others
// might: comments, HELP and TYPE, labels with escapes, NaN and ±Inf, timestamps; every malformed
// line refused with its number. Then WSE's counters picked from it, and the embedded server's text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, parseValue } from '../bench/target/prometheus-text.js';
import { wseMetricsFromText } from '../bench/target/metrics-reader.js';
import { emptyServerCounters, type ServerStats } from '../bench/server/stats.js';
import { diffWseMetrics, renderMetricsText, wseMetricsOf } from '../bench/server/wse-metrics.js';

const EXPOSITION = [
  '# HELP wse_messages_received_total Messages received.',
  '# TYPE wse_messages_received_total counter',
  'wse_messages_received_total{type="text"} 1027 1395066363000',
  'wse_messages_received_total{type="binary",} 3',
  '',
  '# a free comment, ignored',
  '   # HELP wse_connections Open "connections" with a \\\\ backslash',
  '# TYPE wse_connections gauge',
  'wse_connections 12',
  'wse_slow_consumer_drops_total\t 7',
  'http_requests_total{method="post",path="/a\\"b\\\\c\\nd"} +Inf',
  'other_gauge NaN',
  'neg -Inf',
  'sci 1.5e3',
  '',
].join('\n');

describe('the Prometheus text format', () => {
  test('samples with labels (escapes, trailing comma), NaN, ±Inf, exponents and timestamps; comments and metadata', () => {
    const parsed = parsePrometheusText(EXPOSITION);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    const byName = (name: string) => parsed.samples.filter((s) => s.name === name);
    assert.deepEqual(byName('wse_messages_received_total').map((s) => [s.labels, s.value, s.timestampMs]), [
      [{ type: 'text' }, 1027, 1395066363000],
      [{ type: 'binary' }, 3, undefined],
    ]);
    assert.deepEqual(byName('http_requests_total')[0]!.labels, { method: 'post', path: '/a"b\\c\nd' });
    assert.equal(byName('http_requests_total')[0]!.value, Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(byName('other_gauge')[0]!.value));
    assert.equal(byName('neg')[0]!.value, Number.NEGATIVE_INFINITY);
    assert.equal(byName('sci')[0]!.value, 1500);
    assert.equal(byName('wse_slow_consumer_drops_total')[0]!.value, 7);
    assert.equal(parsed.types.get('wse_connections'), 'gauge');
    assert.equal(parsed.types.get('wse_messages_received_total'), 'counter');
  });

  for (const [line, why] of [
    ['wse_x{a="b"', /label set not closed|not closed/],
    ['wse_x{a=b} 1', /not quoted/],
    ['wse_x{a="\\q"} 1', /invalid escape/],
    ['wse_x{a="1",a="2"} 1', /appears twice/],
    ['wse_x', /has no value/],
    ['wse_x one', /not a number/],
    ['wse_x 1 2.5', /not a timestamp/],
    ['wse_x 1 2 3', /unexpected/],
    ['9lives 1', /does not start with a metric name/],
    ['# TYPE wse_x counters', /not counter, gauge/],
    ['<html>', /does not start with a metric name/],
  ] as const) {
    test(`refuses ${JSON.stringify(line)} with the line's number`, () => {
      const parsed = parsePrometheusText(`ok_metric 1\n${line}\n`);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) {
        assert.match(parsed.reason, /^line 2: /);
        assert.match(parsed.reason, why);
      }
    });
  }

  test('values as Go writes them', () => {
    assert.deepEqual(['0', '-1.5', '.5', '1e-3', '+2', 'Inf', '+inf'].map(parseValue), [0, -1.5, 0.5, 0.001, 2, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    assert.equal(parseValue('0x10'), undefined);
    assert.equal(parseValue(''), undefined);
  });
});

describe("WSE's counters from /metrics", () => {
  test('a metric with several label sets is their sum; absent ones stay absent', () => {
    const metrics = wseMetricsFromText(EXPOSITION);
    assert.deepEqual(metrics, { messagesReceived: 1030, connections: 12, slowConsumerDrops: 7 });
  });

  test('no wse_* metric, a WSE counter that is NaN, or malformed text: one line saying so', () => {
    assert.throws(() => wseMetricsFromText('# nothing\nprocess_cpu_seconds_total 3\n'), /no wse_\* metric/);
    assert.throws(() => wseMetricsFromText('wse_messages_sent_total NaN\n'), /wse_messages_sent_total is NaN, not a count/);
    assert.throws(() => wseMetricsFromText('wse_messages_sent_total{ 1\n'), /^Error: malformed: line 1: /);
  });

  test("the embedded server's text reads back to its counters; a tier's difference per metric", () => {
    const counters = emptyServerCounters();
    counters.messages.text = 40;
    counters.messages.binary = 2;
    counters.bytes.text = 4000;
    counters.sent = { messages: 77, bytes: 7700 };
    counters.slowConsumerDrops = 5;
    counters.connectionsOpened = 9;
    counters.authFailures = 1;
    const stats: ServerStats = { transport: 'core', mode: 'wse', rateLimit: 'off', workers: 1, cpuUserMicros: 0, cpuSystemMicros: 0, openConnections: 8, counters, readAtMs: 0 };
    const text = renderMetricsText(stats);
    const parsed = parsePrometheusText(text);
    assert.ok(parsed.ok);
    assert.equal(parsed.types.get('wse_messages_received_total'), 'counter');
    assert.equal(parsed.types.get('wse_connections'), 'gauge');
    const read = wseMetricsFromText(text);
    assert.deepEqual(read, wseMetricsOf(stats));
    assert.deepEqual([read.messagesReceived, read.messagesSent, read.bytesSent, read.slowConsumerDrops, read.connections], [42, 77, 7700, 5, 8]);
    assert.deepEqual(diffWseMetrics({ messagesReceived: 10, connections: 3 }, { messagesReceived: 15, connections: 4, bytesSent: 9 }), { messagesReceived: 5, connections: 4 });
  });
});
