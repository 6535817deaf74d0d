// Types of ./native.mjs for the TypeScript tests that drive it.
import type { ChildProcess } from 'node:child_process';
import type { FloorReport } from '../../bench/ceiling/floor-client.js';

export const NATIVE_DIR: string;
export const NATIVE_BINARY: string;

export function findCargo(): string | undefined;
export function buildNative(): Promise<{ binary: string; unavailable?: undefined } | { unavailable: string; binary?: undefined }>;
export function testNative(): Promise<string>;

/** The report of bench/ceiling/floor-client.ts, plus the first failure's cause when one failed. */
export interface NativeFloorReport extends FloorReport {
  event: 'result';
  firstFailure?: string;
}

export function measureNativeFloor(options: {
  port: number;
  token: string;
  connections: number;
  pings?: number;
  cores?: string;
  batch?: number;
  warmupConnections?: number;
}): Promise<NativeFloorReport>;

/** What scripts/lib/ceiling.mjs measureCeiling resolves with. */
export interface FloodMeasurement {
  bytesPerSec: number;
  framesPerSec: number;
  runtime: string;
  sinkRuntime: string;
  connections: number;
  frameBytes: number;
  burstBytes: number;
  totalBytes: number;
  measuredBytes: number;
  measuredSec: number;
  clientCpuShare: number;
  clientSystemShare: number;
  sinkCpuShare: number;
  sinkSystemShare: number;
}

export function measureNativeFlood(options: {
  sinkRuntime: string;
  connections?: number;
  durationSec?: number;
  warmupSec?: number;
  framesPerWrite?: number;
}): Promise<FloodMeasurement>;

export interface NativeSink {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startNativeSink(options?: { port?: number; cores?: string; deadlineSec?: number }): Promise<NativeSink>;
