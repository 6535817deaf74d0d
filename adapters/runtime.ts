// Which runtime this is, for adapters/ and bench/: the Bun test itself is core/runtime.ts's (one for
// the project); Node 22+ and Bun have a global WebSocket, Node 20 does not.
import { bunVersion } from '../core/runtime.js';

export { bunVersion, isBun } from '../core/runtime.js';

/** 'Bun 1.4.5', 'Node 20.20.2'. */
export function runtimeLabel(): string {
  const bun = bunVersion();
  return bun !== undefined ? `Bun ${bun}` : `Node ${process.versions.node}`;
}

export function hasGlobalWebSocket(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
}
