// WSE's Prometheus metrics (WSE-PROTOCOL.md, "Server metrics"): their names, what the embedded
// server's counters are in them, and the text its GET /metrics answers with. The benchmark reads
// any WSE server's /metrics back into the same record (bench/target/metrics-reader.ts).
import type { ServerStats } from './stats.js';

interface MetricSpec {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
}

export const WSE_METRICS = {
  connections: { name: 'wse_connections', type: 'gauge', help: 'Open WebSocket connections' },
  messagesReceived: { name: 'wse_messages_received_total', type: 'counter', help: 'Messages received from clients' },
  messagesSent: { name: 'wse_messages_sent_total', type: 'counter', help: 'Messages sent to clients' },
  connectionsAccepted: { name: 'wse_connections_accepted_total', type: 'counter', help: 'Connections accepted' },
  connectionsRejected: { name: 'wse_connections_rejected_total', type: 'counter', help: 'Connections refused at max_connections' },
  bytesReceived: { name: 'wse_bytes_received_total', type: 'counter', help: 'Payload bytes received from clients' },
  bytesSent: { name: 'wse_bytes_sent_total', type: 'counter', help: 'Payload bytes sent to clients' },
  authFailures: { name: 'wse_auth_failures_total', type: 'counter', help: 'Connections refused for their JWT' },
  rateLimited: { name: 'wse_rate_limited_total', type: 'counter', help: 'Messages dropped by the rate limiter' },
  slowConsumerDrops: { name: 'wse_slow_consumer_drops_total', type: 'counter', help: 'Messages dropped for a connection whose outbound queue was full' },
} as const satisfies Record<string, MetricSpec>;

export type WseMetricKey = keyof typeof WSE_METRICS;
export const WSE_METRIC_KEYS = Object.keys(WSE_METRICS) as WseMetricKey[];

/** What a server's /metrics said, by key; a metric it does not export is absent. */
export type WseMetrics = Partial<Record<WseMetricKey, number>>;

/** The embedded server's counters under WSE's names. */
export function wseMetricsOf(stats: ServerStats): Record<WseMetricKey, number> {
  const c = stats.counters;
  return {
    connections: stats.openConnections,
    messagesReceived: c.messages.text + c.messages.binary,
    messagesSent: c.sent?.messages ?? 0,
    connectionsAccepted: c.connectionsOpened,
    connectionsRejected: c.connectionsRejected,
    bytesReceived: c.bytes.text + c.bytes.binary,
    bytesSent: c.sent?.bytes ?? 0,
    authFailures: c.authFailures,
    rateLimited: c.rateLimitedDrops,
    slowConsumerDrops: c.slowConsumerDrops ?? 0,
  };
}

/** `stats` in the Prometheus text exposition format (version 0.0.4): HELP and TYPE, then the sample. */
export function renderMetricsText(stats: ServerStats): string {
  const values = wseMetricsOf(stats);
  const lines: string[] = [];
  for (const key of WSE_METRIC_KEYS) {
    const spec = WSE_METRICS[key];
    lines.push(`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} ${spec.type}`, `${spec.name} ${values[key]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The Content-Type of the text format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** b − a per metric present in both (a counter reset, after < before, is left out). */
export function diffWseMetrics(before: WseMetrics, after: WseMetrics): WseMetrics {
  const delta: WseMetrics = {};
  for (const key of WSE_METRIC_KEYS) {
    const a = before[key];
    const b = after[key];
    if (a === undefined || b === undefined) continue;
    if (key === 'connections') delta[key] = b;
    else if (b >= a) delta[key] = b - a;
  }
  return delta;
}
