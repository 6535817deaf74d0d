// Tier profiles: which connection counts and durations each test uses when --tiers and the
// duration flags are not given. The default profile runs all eight tests in about 3 minutes on a
// 2-core machine; --quick is for smoke runs (well under a minute); --full is the reference's
// (its fan-out tiers are ours: the reference report has no fan-out test).
import type { ProfileName, TestName } from './choices.js';

export interface Profile {
  tiersByTest: Record<TestName, number[]>;
  durationSec: number;
  cellDurationSec: number;
  holdSec: number;
  holdPingIntervalSec: number;
  pings: number;
  maxConnections: number;
  limitStartConnections: number;
  limitHoldSec: number;
}

const REFERENCE_TIERS = [100, 500, 1000, 5000, 10000, 30000, 50000];

export const PROFILES: Record<ProfileName, Profile> = {
  default: {
    tiersByTest: {
      'connection-storm': [100, 1000, 5000],
      'ping-latency': [100, 1000],
      throughput: [100, 1000],
      'size-matrix': [100],
      'format-comparison': [100, 1000],
      'sustained-hold': [1000],
      fanout: [100, 1000],
      'connection-limit': [5000],
    },
    durationSec: 5,
    cellDurationSec: 2,
    holdSec: 15,
    holdPingIntervalSec: 5,
    pings: 50,
    maxConnections: 5000,
    limitStartConnections: 1000,
    limitHoldSec: 3,
  },
  quick: {
    tiersByTest: {
      'connection-storm': [50, 200],
      'ping-latency': [50],
      throughput: [50],
      'size-matrix': [50],
      'format-comparison': [50],
      'sustained-hold': [100],
      fanout: [50],
      'connection-limit': [400],
    },
    durationSec: 2,
    cellDurationSec: 1,
    holdSec: 4,
    holdPingIntervalSec: 1,
    pings: 20,
    maxConnections: 400,
    limitStartConnections: 100,
    limitHoldSec: 1,
  },
  // The reference report's tiers and durations (10 s throughput, 5 s cells, 30 s hold).
  full: {
    tiersByTest: {
      'connection-storm': REFERENCE_TIERS,
      'ping-latency': [100, 500, 1000, 5000, 10000],
      throughput: [100, 500, 1000, 5000, 10000],
      'size-matrix': [100, 500, 1000, 5000, 10000],
      'format-comparison': [100, 500, 1000, 5000, 10000],
      'sustained-hold': [1000, 5000, 10000],
      fanout: [100, 1000, 5000, 10000],
      'connection-limit': [100000],
    },
    durationSec: 10,
    cellDurationSec: 5,
    holdSec: 30,
    holdPingIntervalSec: 5,
    pings: 50,
    maxConnections: 100000,
    limitStartConnections: 1000,
    limitHoldSec: 3,
  },
};

/** One line per test for --help: 'storm 100,1000,5000; ping 100,1000; …'. */
export function describeProfileTiers(profile: Profile): string {
  return Object.entries(profile.tiersByTest)
    .map(([test, tiers]) => `${test} ${tiers.join(',')}`)
    .join('; ');
}
