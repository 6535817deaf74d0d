// Which runtime this is, asked in one place: Bun sets process.versions.bun; Node 22+ and Bun have
// a global WebSocket, Node 20 does not. (core/ cannot import this file and asks for itself.)

/** Bun's version, or undefined under Node. */
export function bunVersion(): string | undefined {
  return (process.versions as Record<string, string | undefined>)['bun'];
}

export function isBun(): boolean {
  return bunVersion() !== undefined;
}

/** 'Bun 1.4.5', 'Node 20.20.2'. */
export function runtimeLabel(): string {
  const bun = bunVersion();
  return bun !== undefined ? `Bun ${bun}` : `Node ${process.versions.node}`;
}

export function hasGlobalWebSocket(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
}
