// Which runtime this is, asked in one place for the whole project (adapters/runtime.ts builds on
// it): Bun sets process.versions.bun. core/ needs it where a runtime's JIT makes one loop fast and
// another slow (core/mask.ts).

/** Bun's version, or undefined under Node. */
export function bunVersion(): string | undefined {
  return (process.versions as Record<string, string | undefined>)['bun'];
}

export function isBun(): boolean {
  return bunVersion() !== undefined;
}
