// What the server said or did during a tier that the test did not ask for, counted by every
// connection of the tier (several cells of a tier add their opening's counts in).
/** Per-tier counts of what the server said or did that the test did not ask for. */
export class TierTally {
  readonly serverErrors: Record<string, number> = {};
  readonly unexpectedCloses: Record<string, number> = {};
  rateLimitWarnings = 0;
  transportErrors = 0;

  /** Adds another tally's counts into this one. */
  absorb(other: TierTally): void {
    for (const [code, n] of Object.entries(other.serverErrors)) this.serverErrors[code] = (this.serverErrors[code] ?? 0) + n;
    for (const [code, n] of Object.entries(other.unexpectedCloses)) {
      this.unexpectedCloses[code] = (this.unexpectedCloses[code] ?? 0) + n;
    }
    this.rateLimitWarnings += other.rateLimitWarnings;
    this.transportErrors += other.transportErrors;
  }

  unexpectedCloseCount(): number {
    let total = 0;
    for (const n of Object.values(this.unexpectedCloses)) total += n;
    return total;
  }
}
