// core/random-pool.ts: the one source of the protocol's random bytes (masking keys, handshake
// nonces), each byte handed out once across refills.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RandomPool } from '../core/random-pool.js';

describe('RandomPool', () => {
  test('keys beyond one 16 KiB pool are still distinct', () => {
    const pool = new RandomPool();
    const target = Buffer.alloc(4 * 5000);
    for (let i = 0; i < 5000; i++) pool.writeKey(target, i * 4);
    const distinct = new Set<number>();
    for (let i = 0; i < 5000; i++) distinct.add(target.readUInt32LE(i * 4));
    assert.ok(distinct.size > 4990);
  });

  test('base64 nonces are 16 bytes, and a request that does not fit what is left refills first', () => {
    const pool = new RandomPool();
    const seen = new Set<string>();
    // 16 KiB is not a multiple of 12 + 16: some requests straddle the end of a fill
    for (let i = 0; i < 2000; i++) {
      const filler = Buffer.alloc(12);
      pool.fill(filler, 0, 12);
      const nonce = pool.base64(16);
      assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
      seen.add(nonce);
    }
    assert.equal(seen.size, 2000);
  });

  test('more than a pool at once is refused', () => {
    assert.throws(() => new RandomPool().fill(Buffer.alloc(20_000), 0, 20_000), RangeError);
  });

  test('core/ draws random bytes nowhere else', () => {
    const dir = join(process.cwd(), 'core');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'random-pool.ts');
    const drawing = files.filter((f) => /\brandom(Bytes|FillSync|Fill|UUID|Int)\b|getRandomValues/.test(readFileSync(join(dir, f), 'utf8')));
    assert.deepEqual(drawing, []);
  });
});
