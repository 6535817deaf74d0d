// The measurements of a bench:ab session: per runtime/transport ('node/core', 'bun/floor'), per
// metric, one number a round; read back as median (min–max) with bench/stats/spread.ts.
import { spread, type Spread } from '../../bench/stats/spread.js';
import type { MetricName } from './metrics.js';

export class Samples {
  private readonly byKey = new Map<string, Partial<Record<MetricName, number[]>>>();

  add(key: string, metric: MetricName, value: number | undefined): void {
    if (value === undefined) return;
    const bucket = this.byKey.get(key) ?? {};
    (bucket[metric] ??= []).push(value);
    this.byKey.set(key, bucket);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  spread(key: string, metric: MetricName): Spread | undefined {
    return spread(this.byKey.get(key)?.[metric] ?? []);
  }

  toJSON(): Record<string, Partial<Record<MetricName, number[]>>> {
    return Object.fromEntries(this.byKey);
  }
}
