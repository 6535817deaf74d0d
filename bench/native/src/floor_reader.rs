// What the floor reads from the server, and no more (as bench/ceiling/floor-client.ts): the
// upgrade answer's status, then frame lengths and the words server_ready and PONG. No handshake
// checks, no JSON. Only a partial head or frame is kept between reads, at most 1 MiB of it.
use crate::frame::peek_server_frame;

const HEAD_LIMIT: usize = 16 * 1024;
/// A server frame larger than WSE's message limit fails the connection instead of being buffered.
const FRAME_LIMIT: u64 = 1024 * 1024;

/// What one read brought.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Read { became_ready: bool, pongs: usize },
    Fail(&'static str),
}

#[derive(Default)]
pub struct ServerReader {
    head_done: bool,
    ready: bool,
    /// Unread bytes: a partial head or frame.
    pending: Vec<u8>,
}

impl ServerReader {
    pub fn push(&mut self, data: &[u8]) -> Outcome {
        if self.pending.is_empty() {
            return self.take(data);
        }
        let mut joined = std::mem::take(&mut self.pending);
        joined.extend_from_slice(data);
        self.take(&joined)
    }

    /// Reads the head, then whole frames, from `data`; keeps the rest in `pending`.
    fn take(&mut self, data: &[u8]) -> Outcome {
        let mut at = 0;
        if !self.head_done {
            let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                if data.len() > HEAD_LIMIT {
                    return Outcome::Fail("upgrade response head too large");
                }
                self.pending = data.to_vec();
                return Outcome::Read { became_ready: false, pongs: 0 };
            };
            if data.get(9..12) != Some(b"101") {
                return Outcome::Fail("upgrade refused");
            }
            self.head_done = true;
            at = end + 4;
        }
        let mut became_ready = false;
        let mut pongs = 0;
        while let Some((header, length)) = peek_server_frame(&data[at..]) {
            if length > FRAME_LIMIT {
                return Outcome::Fail("server frame over 1 MiB");
            }
            let end = at + header + length as usize;
            if end > data.len() {
                break;
            }
            let payload = &data[at + header..end];
            if !self.ready {
                // The first frame is server_ready (WSE-PROTOCOL.md); anything else (AUTH_FAILED) fails.
                if !contains(payload, b"\"server_ready\"") {
                    return Outcome::Fail("the first frame was not server_ready");
                }
                self.ready = true;
                became_ready = true;
            } else if contains(payload, b"\"PONG\"") {
                pongs += 1;
            }
            at = end;
        }
        if at < data.len() {
            self.pending = data[at..].to_vec();
        }
        Outcome::Read { became_ready, pongs }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::{Outcome, ServerReader};
    use crate::frame::{push_server_frame, OPCODE_TEXT};

    fn answer(first_frame: &str) -> Vec<u8> {
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
        push_server_frame(&mut bytes, OPCODE_TEXT, first_frame.as_bytes());
        push_server_frame(&mut bytes, OPCODE_TEXT, &[b' '; 300]); // a server_hello-sized frame
        push_server_frame(&mut bytes, OPCODE_TEXT, br#"{"c":"WSE","t":"PONG","p":{}}"#);
        bytes
    }

    #[test]
    fn ready_then_a_pong_at_every_split() {
        let bytes = answer(r#"{"c":"WSE","t":"server_ready"}"#);
        for cut in 0..=bytes.len() {
            let mut reader = ServerReader::default();
            let (mut ready, mut pongs) = (0, 0);
            for part in [&bytes[..cut], &bytes[cut..]] {
                match reader.push(part) {
                    Outcome::Read { became_ready, pongs: n } => {
                        ready += usize::from(became_ready);
                        pongs += n;
                    }
                    Outcome::Fail(why) => panic!("cut {cut}: {why}"),
                }
            }
            assert_eq!((ready, pongs), (1, 1), "cut {cut}");
        }
    }

    #[test]
    fn refusals() {
        let mut reader = ServerReader::default();
        assert_eq!(reader.push(&answer(r#"{"c":"WSE","t":"error","p":{"code":"AUTH_FAILED"}}"#)), Outcome::Fail("the first frame was not server_ready"));
        let mut reader = ServerReader::default();
        assert_eq!(reader.push(b"HTTP/1.1 400 Bad Request\r\n\r\n"), Outcome::Fail("upgrade refused"));
        let mut reader = ServerReader::default();
        assert_eq!(reader.push(&[b'x'; 20_000]), Outcome::Fail("upgrade response head too large"));
        let mut reader = ServerReader::default();
        let mut huge = b"HTTP/1.1 101 OK\r\n\r\n".to_vec();
        huge.extend_from_slice(&[0x81, 127, 0, 0, 0, 0, 0, 0x20, 0, 0]);
        assert_eq!(reader.push(&huge), Outcome::Fail("server frame over 1 MiB"));
    }
}
