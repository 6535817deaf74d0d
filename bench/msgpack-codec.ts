// MessagePack for the `M:` format, on msgpackr. useRecords: false keeps plain msgpack maps
// (no msgpackr record extension), so Rust's rmp on the server side reads what we write;
// variableMapSize picks fixmap/map16/map32 by size, like other msgpack encoders (smaller output).
import { Packr } from 'msgpackr';
import type { MsgpackCodec } from '../core/wse/decode.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });

export const msgpackCodec: MsgpackCodec = {
  encode(value: unknown): Buffer {
    return packr.pack(value);
  },
  decode(data: Buffer): unknown {
    return packr.unpack(data);
  },
};
