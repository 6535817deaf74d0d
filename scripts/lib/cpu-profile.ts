// Summarises a V8 .cpuprofile (node --cpu-prof) as its top self-time functions, each named with
// the source module it came from: dist/bench.js is one bundle, and esbuild marks where each module
// starts with a `// path/to/module.ts` comment line, so a function's line maps back to its module.
// scripts/bench-ab.ts uses it for the "where the time goes" evidence in BENCHMARKS.md.
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Busy samples ÷ all samples. */
  busyShare: number;
  /** share = self time ÷ busy time (the profile without its idle samples). */
  top: { name: string; module: string; share: number }[];
}

/** Line numbers (0-based) at which each bundled module starts, in order. */
function moduleStarts(bundlePath: string): { line: number; module: string }[] {
  const starts: { line: number; module: string }[] = [];
  const lines = readFileSync(bundlePath, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^\/\/ ((?:core|adapters|bench|node_modules)\/\S+\.(?:ts|js|mjs|cjs))$/.exec(lines[i]!);
    if (match) starts.push({ line: i, module: match[1]!.replace(/^node_modules\//, '') });
  }
  return starts;
}

function moduleAt(starts: readonly { line: number; module: string }[], line: number): string | undefined {
  let lo = 0;
  let hi = starts.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]!.line <= line) {
      found = starts[mid]!.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Where the working time of the profile went: its top `count` functions by self time. */
export function summarizeProfile(profilePath: string, bundlePath: string, count = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const starts = moduleStarts(bundlePath);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfTime) {
    const frame = nodes.get(id)!.callFrame;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const inBundle = frame.url.endsWith('/bench.js') || frame.url.endsWith('\\bench.js');
    const module = inBundle ? (moduleAt(starts, frame.lineNumber) ?? 'bench.js') : frame.url === '' ? 'native' : frame.url;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const key = `${name}\u0000${module}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const busy = Math.max(1, total - idle);
  const top = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => {
      const [name = '', module = ''] = key.split('\u0000');
      return { name, module, share: micros / busy };
    });
  return { busyShare: busy / Math.max(1, total), top };
}
