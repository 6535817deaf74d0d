// Reusable buffers for large outgoing bursts. A sender that writes 64 KB a time would otherwise
// allocate a fresh ArrayBuffer per write: measured, that allocation (fresh pages, GC pressure from
// external memory) cost as much as masking the 64 KB under Node 20 and twice as much under Bun.
// A buffer goes back to the pool only when the socket's write callback says the kernel has the
// bytes (core/connection.ts), so a pooled buffer is never rewritten while a write still reads it.

/** Smallest and largest pooled capacities; outside them plain allocation is used. */
export const BURST_POOL_MIN = 8 * 1024;
const BURST_POOL_MAX = 1024 * 1024;
/** Free bytes kept per capacity class; the rest are left to the garbage collector. */
const FREE_BYTES_PER_CLASS = 16 * 1024 * 1024;

/** Power-of-two capacity classes: a burst of n bytes uses the smallest class ≥ n. */
function classOf(size: number): number {
  return 32 - Math.clz32(size - 1);
}

export class BurstPool {
  private readonly free: Buffer[][] = [];

  /** A buffer of exactly `size` bytes (contents undefined); pooled when `size` is in range. */
  take(size: number): Buffer {
    if (size < BURST_POOL_MIN || size > BURST_POOL_MAX) return Buffer.allocUnsafe(size);
    const list = this.free[classOf(size)];
    const whole = list !== undefined && list.length > 0 ? list.pop()! : Buffer.allocUnsafeSlow(1 << classOf(size));
    return whole.subarray(0, size);
  }

  /** Whether `buffer` came from take() and should be given back once written. */
  isPooled(buffer: Buffer): boolean {
    return buffer.length >= BURST_POOL_MIN && buffer.length <= BURST_POOL_MAX && buffer.byteOffset === 0;
  }

  /** Returns a buffer from take() whose write has completed. */
  give(buffer: Buffer): void {
    const cls = classOf(buffer.length);
    const capacity = 1 << cls;
    if (buffer.buffer.byteLength !== capacity) return;
    const list = (this.free[cls] ??= []);
    if ((list.length + 1) * capacity > FREE_BYTES_PER_CLASS) return;
    list.push(Buffer.from(buffer.buffer, 0, capacity));
  }
}

/** One pool per process: bursts of every connection share it. */
export const sharedBurstPool = new BurstPool();
