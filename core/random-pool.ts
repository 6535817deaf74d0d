// The process's one source of random bytes for the protocol: masking keys (RFC 6455 §5.3, four
// unpredictable bytes per client frame) and Sec-WebSocket-Key nonces (§4.1, sixteen random bytes
// per handshake). Drawn from one pooled buffer refilled when used up, each byte handed out once: a
// client sending many small frames or opening thousands of connections would otherwise make one
// random-number syscall per frame or per connection.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 16 * 1024;

export class RandomPool {
  private readonly pool = Buffer.allocUnsafe(POOL_SIZE);
  private offset = POOL_SIZE;

  /** Writes the next 4 random bytes into `target` at `at` (a frame header's masking key, usually). */
  writeKey(target: Uint8Array, at: number): void {
    const o = this.claim(4);
    const pool = this.pool;
    target[at] = pool[o]!;
    target[at + 1] = pool[o + 1]!;
    target[at + 2] = pool[o + 2]!;
    target[at + 3] = pool[o + 3]!;
  }

  /** Writes the next `count` random bytes (at most the pool's size) into `target` at `at`. */
  fill(target: Uint8Array, at: number, count: number): void {
    const o = this.claim(count);
    target.set(this.pool.subarray(o, o + count), at);
  }

  /** The next `count` random bytes in base64 (a Sec-WebSocket-Key is 16 of them). */
  base64(count: number): string {
    const o = this.claim(count);
    return this.pool.toString('base64', o, o + count);
  }

  /** Where the next `count` unused bytes start, refilling the pool when fewer are left. */
  private claim(count: number): number {
    if (count > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at once, asked for ${count}`);
    if (this.offset + count > POOL_SIZE) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const o = this.offset;
    this.offset = o + count;
    return o;
  }
}

/** One pool for the process: keys and nonces are only required to be unpredictable, not per connection. */
export const sharedRandomPool = new RandomPool();
