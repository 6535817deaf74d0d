// A target's Prometheus GET /metrics (WSE's metrics port: the WebSocket port + 1000 by default),
// read into WSE's counters by name (bench/server/wse-metrics.ts). The same reader reads the
// embedded server's /metrics and a real WSE server's. Every failure is one line: unreachable, not
// HTTP 200, malformed text, no wse_* metric, or a WSE metric that is not a finite number.
import { WSE_METRIC_KEYS, WSE_METRICS, type WseMetrics } from '../server/wse-metrics.js';
import { plainHttp } from './plain-http.js';
import { parsePrometheusText } from './prometheus-text.js';

const METRICS_TIMEOUT_MS = 5_000;

export interface MetricsReader {
  readonly url: string;
  /** The WSE metrics the server exports now; rejects with one line saying what is wrong. */
  read(): Promise<WseMetrics>;
}

export function metricsReader(host: string, port: number): MetricsReader {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
  return {
    url,
    async read() {
      let response;
      try {
        response = await plainHttp('GET', host, port, '/metrics', {}, METRICS_TIMEOUT_MS);
      } catch (error) {
        throw new Error(unreachable(error));
      }
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return wseMetricsFromText(response.body);
    },
  };
}

/** WSE's metrics from an exposition (samples of one name summed over their labels); throws one line. */
export function wseMetricsFromText(text: string): WseMetrics {
  const parsed = parsePrometheusText(text);
  if (!parsed.ok) throw new Error(`malformed: ${parsed.reason}`);
  const metrics: WseMetrics = {};
  for (const key of WSE_METRIC_KEYS) {
    const name: string = WSE_METRICS[key].name;
    let found = false;
    let total = 0;
    for (const sample of parsed.samples) {
      if (sample.name !== name) continue;
      if (!Number.isFinite(sample.value)) throw new Error(`${name} is ${sample.value}, not a count`);
      found = true;
      total += sample.value;
    }
    if (found) metrics[key] = total;
  }
  if (Object.keys(metrics).length === 0) throw new Error('no wse_* metric in it (is this a WSE server?)');
  return metrics;
}

function unreachable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  return error instanceof Error ? error.message : String(error);
}
