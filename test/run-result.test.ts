// Whether a run measured anything: each test's own measurement decides, never a count of connections.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nothingMeasured, tierMeasured } from '../bench/run-result.js';
import { sampleFanout, sampleTier } from './fixtures/run-result.js';

describe('nothing measured', () => {
  test('a fan-out tier measured when a published message was received', () => {
    assert.equal(tierMeasured(sampleTier('fanout', 10, { fanout: sampleFanout({}) })), true);
  });

  test('a fan-out tier whose subscribers received nothing measured nothing, and says so', () => {
    const silent = sampleTier('fanout', 10, { fanout: sampleFanout({ received: 0, deliveriesPerSec: 0, MBPerSec: 0, lost: 10_000 }) });
    assert.equal(tierMeasured(silent), false);
    assert.match(nothingMeasured([{ test: 'fanout', tiers: [silent] }]) ?? '', /no published message was received \(fanout\)/);
  });

  test('a ping-latency tier without a PONG measured nothing; with one it did', () => {
    assert.equal(tierMeasured(sampleTier('ping-latency', 10, { latency: null })), false);
    const measured = sampleTier('ping-latency', 10, { latency: { count: 1, min: 5, mean: 5, p50: 5, p95: 5, p99: 5, p999: 5, p9999: 5, max: 5, hdr: '' } });
    assert.equal(nothingMeasured([{ test: 'ping-latency', tiers: [measured] }]), undefined);
  });
});
