// Standard base64 (RFC 4648 §4, with padding), encode only: for Sec-WebSocket-Accept.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `key` is a valid Sec-WebSocket-Key: base64 of exactly 16 bytes (RFC 6455 §4.2.1).
pub fn is_websocket_key(key: &[u8]) -> bool {
    // The same rule as core/handshake.ts (22 base64 characters, then "=="), so both servers
    // accept the same keys.
    key.len() == 24 && key[22] == b'=' && key[23] == b'=' && key[..22].iter().all(|b| ALPHABET.contains(b))
}

#[cfg(test)]
mod tests {
    use super::{encode, is_websocket_key};

    #[test]
    fn rfc_4648_vectors() {
        for (input, output) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            assert_eq!(encode(input.as_bytes()), output);
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn websocket_keys() {
        assert!(is_websocket_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_websocket_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_websocket_key(b"dGhlIHNhbXBsZSBub25j*Q=="));
    }
}
