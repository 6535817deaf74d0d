// Measures the nesting depth of one MessagePack value without building it, so that a message
// nested deeper than WSE allows (64) is refused before a decoder recurses into it. Also refuses
// truncated input and trailing bytes. Imports nothing.

export type MsgpackScanResult = { ok: true; depth: number } | { ok: false; reason: string };

/**
 * Scans `data[offset..]` as exactly one MessagePack value. Depth counts nested containers:
 * a scalar is depth 0, `[1]` is 1, `[[1]]` is 2. Stops as soon as `maxDepth` is exceeded.
 */
export function scanMsgpackDepth(data: Uint8Array, offset: number, maxDepth: number): MsgpackScanResult {
  const end = data.length;
  // remaining[i] = values still to read in the container open at level i + 1
  const remaining: number[] = [];
  let pos = offset;
  let depth = 0;
  let deepest = 0;
  let valuesLeft = 1; // at the top level: exactly one value
  while (true) {
    if (valuesLeft === 0) {
      if (depth === 0) break;
      depth--;
      valuesLeft = remaining.pop() as number;
      continue;
    }
    if (pos >= end) return { ok: false, reason: 'msgpack: truncated' };
    valuesLeft--;
    const byte = data[pos] as number;
    let containerItems = -1;
    let skip = 0; // bytes this value occupies after its header has been read
    if (byte <= 0x7f || byte >= 0xe0) {
      pos += 1; // positive / negative fixint
    } else if (byte <= 0x8f) {
      containerItems = (byte & 0x0f) * 2;
      pos += 1;
    } else if (byte <= 0x9f) {
      containerItems = byte & 0x0f;
      pos += 1;
    } else if (byte <= 0xbf) {
      pos += 1;
      skip = byte & 0x1f;
    } else {
      switch (byte) {
        case 0xc0: case 0xc2: case 0xc3: pos += 1; break;
        case 0xc1: return { ok: false, reason: 'msgpack: invalid byte 0xc1' };
        case 0xc4: case 0xd9: // bin8, str8
          if (pos + 2 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = data[pos + 1] as number; pos += 2; break;
        case 0xc5: case 0xda: // bin16, str16
          if (pos + 3 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = readUint16(data, pos + 1); pos += 3; break;
        case 0xc6: case 0xdb: // bin32, str32
          if (pos + 5 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = readUint32(data, pos + 1); pos += 5; break;
        case 0xc7: // ext8: length, type, data
          if (pos + 3 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = data[pos + 1] as number; pos += 3; break;
        case 0xc8:
          if (pos + 4 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = readUint16(data, pos + 1); pos += 4; break;
        case 0xc9:
          if (pos + 6 > end) return { ok: false, reason: 'msgpack: truncated' };
          skip = readUint32(data, pos + 1); pos += 6; break;
        case 0xca: case 0xce: case 0xd2: pos += 5; break;
        case 0xcb: case 0xcf: case 0xd3: pos += 9; break;
        case 0xcc: case 0xd0: pos += 2; break;
        case 0xcd: case 0xd1: pos += 3; break;
        case 0xd4: pos += 3; break; // fixext1: type + 1
        case 0xd5: pos += 4; break;
        case 0xd6: pos += 6; break;
        case 0xd7: pos += 10; break;
        case 0xd8: pos += 18; break;
        case 0xdc: case 0xde: // array16, map16
          if (pos + 3 > end) return { ok: false, reason: 'msgpack: truncated' };
          containerItems = readUint16(data, pos + 1) * (byte === 0xde ? 2 : 1); pos += 3; break;
        case 0xdd: case 0xdf: // array32, map32
          if (pos + 5 > end) return { ok: false, reason: 'msgpack: truncated' };
          containerItems = readUint32(data, pos + 1) * (byte === 0xdf ? 2 : 1); pos += 5; break;
        default: return { ok: false, reason: `msgpack: invalid byte 0x${byte.toString(16)}` };
      }
    }
    pos += skip;
    if (pos > end) return { ok: false, reason: 'msgpack: truncated' };
    if (containerItems >= 0) {
      if (depth + 1 > maxDepth) return { ok: false, reason: `msgpack: nested deeper than ${maxDepth}` };
      // every item takes at least one byte: a count larger than what is left cannot be complete
      if (containerItems > end - pos) return { ok: false, reason: 'msgpack: truncated' };
      if (containerItems > 0) {
        remaining.push(valuesLeft);
        depth++;
        if (depth > deepest) deepest = depth;
        valuesLeft = containerItems;
      } else if (depth + 1 > deepest) {
        deepest = depth + 1;
      }
    }
  }
  if (pos !== end) return { ok: false, reason: 'msgpack: trailing bytes after the value' };
  return { ok: true, depth: deepest };
}

function readUint16(data: Uint8Array, at: number): number {
  return ((data[at] as number) << 8) | (data[at + 1] as number);
}

function readUint32(data: Uint8Array, at: number): number {
  return (data[at] as number) * 0x1000000 + (((data[at + 1] as number) << 16) | ((data[at + 2] as number) << 8) | (data[at + 3] as number));
}
