// The MessagePack encodings a compiled template writes itself (spec: github.com/msgpack/msgpack,
// "formats"): headers of maps, arrays and strings, and numbers in their smallest form. Writing them
// here, not through msgpackr, lets a template emit each placeholder's value straight into the
// frame buffer; the static parts around it are these same encodings, computed once.

/** Bytes a string header takes for a UTF-8 length of `n`: fixstr, str8, str16, str32. */
export function stringHeaderSize(n: number): number {
  return n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

export function writeStringHeader(out: Buffer, at: number, n: number): number {
  if (n < 32) {
    out[at] = 0xa0 | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0xd9;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0xda;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  out[at] = 0xdb;
  out.writeUInt32BE(n, at + 1);
  return at + 5;
}

/** fixarray/array16/array32 (arrays) or fixmap/map16/map32 (maps) with `n` entries. */
export function containerHeader(kind: 'array' | 'map', n: number): Buffer {
  const [fix, x16, x32] = kind === 'array' ? [0x90, 0xdc, 0xdd] : [0x80, 0xde, 0xdf];
  if (n < 16) return Buffer.from([fix | n]);
  const out = Buffer.alloc(n < 0x10000 ? 3 : 5);
  out[0] = n < 0x10000 ? x16 : x32;
  if (n < 0x10000) out.writeUInt16BE(n, 1);
  else out.writeUInt32BE(n, 1);
  return out;
}

/** Largest encoding of a number: a float64 or a (u)int64, 9 bytes. */
export const MAX_NUMBER_BYTES = 9;

/** A number in its smallest encoding: (negative) fixint, (u)int8…64 for integers, float64 otherwise. */
export function writeNumber(out: Buffer, at: number, value: number): number {
  if (!Number.isInteger(value) || !Number.isSafeInteger(value)) {
    out[at] = 0xcb;
    out.writeDoubleBE(value, at + 1);
    return at + 9;
  }
  if (value >= 0) {
    if (value < 0x80) {
      out[at] = value;
      return at + 1;
    }
    if (value < 0x100) {
      out[at] = 0xcc;
      out[at + 1] = value;
      return at + 2;
    }
    if (value < 0x10000) {
      out[at] = 0xcd;
      out.writeUInt16BE(value, at + 1);
      return at + 3;
    }
    if (value < 0x100000000) {
      out[at] = 0xce;
      out.writeUInt32BE(value, at + 1);
      return at + 5;
    }
    out[at] = 0xcf;
    out.writeBigUInt64BE(BigInt(value), at + 1);
    return at + 9;
  }
  if (value >= -32) {
    out[at] = value & 0xff;
    return at + 1;
  }
  if (value >= -0x80) {
    out[at] = 0xd0;
    out.writeInt8(value, at + 1);
    return at + 2;
  }
  if (value >= -0x8000) {
    out[at] = 0xd1;
    out.writeInt16BE(value, at + 1);
    return at + 3;
  }
  if (value >= -0x80000000) {
    out[at] = 0xd2;
    out.writeInt32BE(value, at + 1);
    return at + 5;
  }
  out[at] = 0xd3;
  out.writeBigInt64BE(BigInt(value), at + 1);
  return at + 9;
}

/** A static value (no placeholder) in msgpack: null, booleans, numbers and strings. */
export function encodeScalar(value: null | boolean | number | string): Buffer {
  if (value === null) return Buffer.from([0xc0]);
  if (typeof value === 'boolean') return Buffer.from([value ? 0xc3 : 0xc2]);
  if (typeof value === 'number') {
    const out = Buffer.alloc(MAX_NUMBER_BYTES);
    return out.subarray(0, writeNumber(out, 0, value));
  }
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(stringHeaderSize(bytes.length) + bytes.length);
  bytes.copy(out, writeStringHeader(out, 0, bytes.length));
  return out;
}
