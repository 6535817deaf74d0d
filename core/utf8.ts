// UTF-8 validation for text messages and close reasons (RFC 6455 §8.1, RFC 3629 §4).
// Rejects overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
import * as nodeBuffer from 'node:buffer';

type IsUtf8 = (input: Uint8Array) => boolean;
// `buffer.isUtf8` exists from Node 18.14 and in Bun; read it dynamically so an older runtime
// falls back to the state machine instead of failing to load.
const nativeIsUtf8: IsUtf8 | undefined = (nodeBuffer as { isUtf8?: IsUtf8 }).isUtf8;
/** Fragments at least this long are mostly checked by the native validator. */
const NATIVE_MIN_LENGTH = 64;

/**
 * Incremental validator: feed a message fragment by fragment. A fragment with an invalid byte
 * fails at once; a character split across fragments is accepted; `finish()` fails when the
 * message ends inside a character.
 */
export class Utf8Validator {
  /** `useNative` false keeps every byte on the state machine (for tests of that path). */
  constructor(private readonly useNative = true) {}

  /** Continuation bytes still expected for the current character. */
  private remaining = 0;
  /** Allowed range of the next continuation byte (narrower right after E0, ED, F0, F4). */
  private low = 0x80;
  private high = 0xbf;

  /** Validates `data[start..end)`; false as soon as a byte cannot continue valid UTF-8. */
  write(data: Uint8Array, start = 0, end = data.length): boolean {
    if (this.useNative && this.remaining === 0 && nativeIsUtf8 !== undefined && end - start >= NATIVE_MIN_LENGTH) {
      // Everything before the last character start is checked natively; the last (possibly
      // incomplete) character goes through the state machine so it can continue next fragment.
      let lastStart = end - 1;
      while (lastStart > start && lastStart > end - 4 && (data[lastStart]! & 0xc0) === 0x80) lastStart--;
      if (!nativeIsUtf8(data.subarray(start, lastStart))) return this.fail();
      start = lastStart;
    }
    let remaining = this.remaining;
    let low = this.low;
    let high = this.high;
    for (let i = start; i < end; i++) {
      const byte = data[i]!;
      if (remaining === 0) {
        if (byte < 0x80) continue;
        low = 0x80;
        high = 0xbf;
        if (byte < 0xc2) return this.fail(); // continuation byte without a lead, or overlong C0/C1
        if (byte < 0xe0) remaining = 1;
        else if (byte < 0xf0) {
          remaining = 2;
          if (byte === 0xe0) low = 0xa0; // overlong 3-byte form
          else if (byte === 0xed) high = 0x9f; // surrogates
        } else if (byte < 0xf5) {
          remaining = 3;
          if (byte === 0xf0) low = 0x90; // overlong 4-byte form
          else if (byte === 0xf4) high = 0x8f; // above U+10FFFF
        } else return this.fail();
      } else {
        if (byte < low || byte > high) return this.fail();
        low = 0x80;
        high = 0xbf;
        remaining--;
      }
    }
    this.remaining = remaining;
    this.low = low;
    this.high = high;
    return true;
  }

  /** True when the input so far ends on a character boundary. Resets for the next message. */
  finish(): boolean {
    const complete = this.remaining === 0;
    this.reset();
    return complete;
  }

  reset(): void {
    this.remaining = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  private fail(): false {
    this.reset();
    return false;
  }
}

const fallbackValidator = new Utf8Validator(false);

/** Validates one complete buffer (a whole message or a close reason). */
export function isValidUtf8(data: Uint8Array): boolean {
  if (nativeIsUtf8 !== undefined) return nativeIsUtf8(data);
  return isValidUtf8ByStateMachine(data);
}

/** The state-machine path, exported so tests exercise it on runtimes that have `isUtf8`. */
export function isValidUtf8ByStateMachine(data: Uint8Array): boolean {
  if (!fallbackValidator.write(data)) return false;
  return fallbackValidator.finish();
}
