// The msgpack codec the embedded server injects into core/wse/decode.ts (plain maps, no records,
// so any msgpack client can read what the server sends).
import { Packr } from 'msgpackr';
import type { MsgpackCodec } from '../../core/wse/decode.js';

export function createServerMsgpackCodec(): MsgpackCodec {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  return {
    encode: (value) => packr.pack(value),
    decode: (data) => packr.unpack(data),
  };
}
