// The eight benchmark tests by name.
import type { TestRunner } from '../engine/context.js';
import type { TestName } from '../options/choices.js';
import { runConnectionLimit } from './connection-limit.js';
import { runConnectionStorm } from './connection-storm.js';
import { runFanout } from './fanout.js';
import { runFormatComparison } from './format-comparison.js';
import { runPingLatency } from './ping-latency.js';
import { runSizeMatrix } from './size-matrix.js';
import { runSustainedHold } from './sustained-hold.js';
import { runThroughput } from './throughput.js';

export const TEST_RUNNERS: Record<TestName, TestRunner> = {
  'connection-storm': runConnectionStorm,
  'ping-latency': runPingLatency,
  throughput: runThroughput,
  'size-matrix': runSizeMatrix,
  'format-comparison': runFormatComparison,
  'sustained-hold': runSustainedHold,
  fanout: runFanout,
  'connection-limit': runConnectionLimit,
};
