// The thresholds of a run: each --threshold, and --slo-ms as one when no --ramp uses it (then it
// is the run's latency objective, and a step over it fails the run). Checked against the run's
// settings before anything starts: a threshold on a test the run does not run, or on a tier or
// row it does not have, is a usage error, not a FAIL found minutes later.
import { tiersOf, type BenchOptions } from '../options/bench-options.js';
import { didYouMean } from '../options/suggest.js';
import { UsageError } from '../options/usage-error.js';
import { sizeLabel } from '../report/format.js';
import { normalizeLabel, parseThreshold, type Threshold } from './expression.js';

export function runThresholds(options: BenchOptions): Threshold[] {
  const thresholds = (options.thresholds ?? []).map(parseThreshold);
  const open = options.openLoop;
  if (open?.sloMs !== undefined && open.ramp === undefined) {
    thresholds.push({ ...parseThreshold('slo_failures==0'), text: `--slo-ms ${open.sloMs}: every open-loop step within it` });
  }
  return thresholds;
}

/** Row labels a test's tiers carry, where they are known before the run. */
function knownLabels(options: BenchOptions, test: string): string[] | undefined {
  if (test === 'size-matrix') return options.sizes.map(sizeLabel);
  if (test === 'format-comparison') return [...options.formats];
  return undefined;
}

/** Why the run's settings leave `threshold`'s metric unmeasured (so it could only fail), or undefined. */
function neverMeasured(threshold: Threshold, options: BenchOptions): string | undefined {
  const { metric, test } = threshold;
  if (metric.name.startsWith('open_loop.') && options.openLoop === undefined) return `${metric.name} is measured in open loop only (--rate, --total-rate, --ramp)`;
  if (metric.scope === 'ramp' && options.openLoop?.ramp === undefined) return `${metric.name} is a --ramp verdict`;
  if (metric.name.startsWith('tls_handshake.') && options.tls !== true) return `${metric.name} is measured with --tls only`;
  if (metric.scope === 'test' && test !== 'connection-limit') return `${metric.name} belongs to connection-limit`;
  return undefined;
}

export function checkThresholds(options: BenchOptions): void {
  const thresholds = runThresholds(options);
  if (options.failFast === true && thresholds.length === 0) throw new UsageError('--fail-fast needs a --threshold (or --slo-ms without --ramp) to judge');
  for (const threshold of thresholds) {
    const { test, tier, text } = threshold;
    const unmeasured = neverMeasured(threshold, options);
    if (unmeasured !== undefined) throw new UsageError(`--threshold "${text}": ${unmeasured}; this run would never measure it`);
    if (test === undefined) continue;
    if (!options.tests.includes(test)) throw new UsageError(`--threshold "${text}": ${test} is not among the tests this run runs (${options.tests.join(', ')})`);
    if (tier === undefined || test === 'connection-limit') continue;
    const tiers = tiersOf(options, test);
    if (tier.connections !== undefined && !tiers.includes(tier.connections)) {
      throw new UsageError(`--threshold "${text}": ${test} runs tiers ${tiers.join(', ')}, not ${tier.connections}`);
    }
    const labels = knownLabels(options, test);
    if (tier.label !== undefined && labels !== undefined && !labels.some((label) => normalizeLabel(label) === tier.label)) {
      throw new UsageError(`--threshold "${text}": ${test} has rows ${labels.join(', ')}${didYouMean(tier.label, labels)}`);
    }
  }
}
