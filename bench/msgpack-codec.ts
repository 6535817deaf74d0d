// MessagePack for the `M:` format, on msgpackr, one codec for the client and the embedded server:
// useRecords: false keeps plain msgpack maps (no msgpackr record extension), so Rust's rmp on a WSE
// server reads what we write and any msgpack client reads what the embedded server sends; decoded
// maps are plain objects. variableMapSize picks fixmap/map16/map32 by size as rmp and other
// msgpack encoders do (smaller output; the 5–10 % it costs msgpackr's encoder is off the hot path
// of both sides: the server encodes only server_ready and server_hello this way).
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
