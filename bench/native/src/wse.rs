// The WSE message layer of the native sink (WSE-PROTOCOL.md): which client messages need an
// answer, and the server messages it sends. A message is looked at only when it is short and
// starts with `{`, as the JS sink does; its top-level `t` is read straight from the (masked)
// input and the scan stops at the first value that is not a control word, so a data message
// costs a few bytes of reading, not a JSON parse.
use crate::frame::Head;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, PartialEq)]
pub enum ClientMessage {
    /// `"t":"ping"` (any case): answered with a PONG echoing `p.timestamp` (its JSON number text).
    Ping { timestamp: Option<String> },
    /// `"t":"pong"` (any case): a client's answer to a server heartbeat.
    Pong,
    /// Everything else: data.
    Other,
}

/// Nesting allowed inside a looked-at message (WSE refuses msgpack deeper than 64; the same bound here).
const MAX_DEPTH: usize = 64;

pub fn classify(head: &Head<'_>) -> ClientMessage {
    if head.len() == 0 || head.at(0) != b'{' {
        return ClientMessage::Other;
    }
    Scanner { head, at: 1 }.top_level().unwrap_or(ClientMessage::Other)
}

struct Scanner<'h, 'a> {
    head: &'h Head<'a>,
    at: usize,
}

impl Scanner<'_, '_> {
    /// Walks the top-level object. None: not a well-formed object, or `t` is not a control word.
    fn top_level(&mut self) -> Option<ClientMessage> {
        let mut kind: Option<ClientMessage> = None;
        let mut timestamp: Option<String> = None;
        self.skip_space();
        if self.peek()? == b'}' {
            return None;
        }
        loop {
            let key = self.string()?;
            self.skip_space();
            self.expect(b':')?;
            self.skip_space();
            if self.key_is(key, b"t") || self.key_is(key, b"type") {
                let value = self.string()?;
                let found = if self.word_is(value, b"ping") {
                    ClientMessage::Ping { timestamp: None }
                } else if self.word_is(value, b"pong") {
                    ClientMessage::Pong
                } else {
                    return None; // a data message: stop reading here
                };
                kind = Some(found);
            } else if (self.key_is(key, b"p") || self.key_is(key, b"payload")) && self.peek()? == b'{' {
                timestamp = self.payload_timestamp()?;
            } else {
                self.skip_value(1)?;
            }
            self.skip_space();
            match self.next()? {
                b',' => self.skip_space(),
                b'}' => break,
                _ => return None,
            }
        }
        self.skip_space();
        if self.at != self.head.len() {
            return None;
        }
        match kind? {
            ClientMessage::Ping { .. } => Some(ClientMessage::Ping { timestamp }),
            other => Some(other),
        }
    }

    /// The number text of `timestamp` in the payload object, when it is a number.
    fn payload_timestamp(&mut self) -> Option<Option<String>> {
        self.expect(b'{')?;
        self.skip_space();
        let mut timestamp = None;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(None);
        }
        loop {
            let key = self.string()?;
            self.skip_space();
            self.expect(b':')?;
            self.skip_space();
            let start = self.at;
            self.skip_value(2)?;
            if self.key_is(key, b"timestamp") && is_number_start(self.head.at(start)) {
                timestamp = Some((start..self.at).map(|i| self.head.at(i) as char).collect());
            }
            self.skip_space();
            match self.next()? {
                b',' => self.skip_space(),
                b'}' => return Some(timestamp),
                _ => return None,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.at < self.head.len()).then(|| self.head.at(self.at))
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string token; returns the range of its raw content (escapes not decoded).
    fn string(&mut self) -> Option<(usize, usize)> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return Some((start, self.at - 1)),
                b'\\' => {
                    self.next()?;
                }
                byte if byte < 0x20 => return None,
                _ => {}
            }
        }
    }

    fn key_is(&self, (start, end): (usize, usize), name: &[u8]) -> bool {
        end - start == name.len() && (start..end).zip(name).all(|(i, &b)| self.head.at(i) == b)
    }

    /// A string value equal to `word` in any case (WSE matches `t` case-insensitively).
    fn word_is(&self, (start, end): (usize, usize), word: &[u8]) -> bool {
        end - start == word.len() && (start..end).zip(word).all(|(i, b)| self.head.at(i).eq_ignore_ascii_case(b))
    }

    /// Skips one JSON value, checking that it is well formed enough to be one.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                self.skip_space();
                if self.peek()? == close {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        self.skip_space();
                        self.expect(b':')?;
                        self.skip_space();
                    }
                    self.skip_value(depth + 1)?;
                    self.skip_space();
                    match self.next()? {
                        b',' => self.skip_space(),
                        byte if byte == close => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => {
                let start = self.at;
                while matches!(self.peek(), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z')) {
                    self.at += 1;
                }
                let token: Vec<u8> = (start..self.at).map(|i| self.head.at(i)).collect();
                let valid = matches!(&token[..], b"true" | b"false" | b"null") || is_json_number(&token);
                valid.then_some(())
            }
        }
    }
}

fn is_number_start(byte: u8) -> bool {
    byte == b'-' || byte.is_ascii_digit()
}

/// JSON's number grammar (RFC 8259 §6): -? int frac? exp?
fn is_json_number(token: &[u8]) -> bool {
    let digits_from = |i: usize| i + token[i.min(token.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(token.first() == Some(&b'-'));
    match token.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_from(i),
        _ => return false,
    }
    if token.get(i) == Some(&b'.') {
        let end = digits_from(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(token.get(i), Some(b'e' | b'E')) {
        i += 1 + usize::from(matches!(token.get(i + 1), Some(b'+' | b'-')));
        let end = digits_from(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == token.len()
}

pub fn epoch_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The PONG as WSE sends it (bench/server/wire.ts pongText).
pub fn pong_text(timestamp: Option<&str>, now_ms: u64) -> String {
    let client = timestamp.and_then(|t| t.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (t, v)));
    let (echo, latency) = match client {
        Some((text, value)) if value > 0.0 => (text, (now_ms as f64 - value).max(0.0)),
        Some((text, _)) => (text, 0.0),
        None => ("0", 0.0),
    };
    format!(r#"{{"c":"WSE","t":"PONG","p":{{"client_timestamp":{echo},"server_timestamp":{now_ms},"latency":{latency}}},"v":1}}"#)
}

/// server_ready, the first frame after the upgrade (WSE-PROTOCOL.md). The sink verifies no
/// token, so the user id is a fixed name.
pub fn server_ready_text(random: &mut Random, now_ms: u64) -> String {
    let iso = iso_time(now_ms);
    let id = random.uuid(Some(now_ms));
    let connection_id = random.uuid(None);
    format!(
        concat!(
            r#"{{"c":"WSE","t":"server_ready","id":"{id}","ts":"{iso}","seq":1,"p":{{"message":"Connection established (Rust transport)","#,
            r#""details":{{"version":1,"features":{{"compression":true,"msgpack":true,"encryption":false,"batching":false,"rate_limiting":false}},"#,
            r#""connection_id":"{connection_id}","server_time":"{iso}","user_id":"native-sink"}}}},"v":1}}"#
        ),
        id = id,
        iso = iso,
        connection_id = connection_id
    )
}

/// 2026-02-23T14:30:00.123Z from ms since the epoch (the proleptic Gregorian calendar, UTC).
pub fn iso_time(ms: u64) -> String {
    let days = (ms / 86_400_000) as i64;
    let in_day = ms % 86_400_000;
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// xorshift64*, seeded from the clock and the pid: ids need to differ, not to be secret.
pub struct Random(u64);

impl Random {
    pub fn new() -> Random {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
        Random((nanos ^ (u64::from(std::process::id()) << 32)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A UUIDv7 (RFC 9562) when given a time, else a UUIDv4.
    pub fn uuid(&mut self, time_ms: Option<u64>) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next().to_be_bytes());
        match time_ms {
            Some(ms) => {
                bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
                bytes[6] = (bytes[6] & 0x0f) | 0x70;
            }
            None => bytes[6] = (bytes[6] & 0x0f) | 0x40,
        }
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> ClientMessage {
        classify(&Head::Plain(text.as_bytes()))
    }

    #[test]
    fn the_benchmark_ping_is_a_ping_with_its_timestamp() {
        let ping = r#"{"t":"ping","p":{"timestamp":1771857000123,"client_timestamp":1771857000123}}"#;
        assert_eq!(plain(ping), ClientMessage::Ping { timestamp: Some("1771857000123".into()) });
        // read through the mask, in place
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let masked: Vec<u8> = ping.bytes().enumerate().map(|(i, b)| b ^ mask[i & 3]).collect();
        assert_eq!(classify(&Head::Masked { bytes: &masked, mask }), ClientMessage::Ping { timestamp: Some("1771857000123".into()) });
    }

    #[test]
    fn control_words_in_any_place_and_case() {
        assert_eq!(plain(r#"{"c":"WSE","type":"PING"}"#), ClientMessage::Ping { timestamp: None });
        assert_eq!(plain(r#" {"p":{"timestamp":5,"x":[1,{"y":null}]} , "t" : "Ping"}"#), ClientMessage::Other, "leading space: not looked at, as the JS sink");
        assert_eq!(plain(r#"{"p":{"timestamp":5,"x":[1,{"y":null}]} , "t" : "Ping"}"#), ClientMessage::Ping { timestamp: Some("5".into()) });
        assert_eq!(plain(r#"{"c":"WSE","t":"PONG","p":{"client_timestamp":1}}"#), ClientMessage::Pong);
        assert_eq!(plain(r#"{"t":"client_hello","p":{"client_version":"x","protocol_version":1}}"#), ClientMessage::Other);
    }

    #[test]
    fn data_and_malformed_messages_are_data() {
        for text in [
            r#"{"t":"trade_update","p":{"symbol":"ES"}}"#,
            r#"{"t":"pings"}"#,
            r#"{"t":"ping""#,
            r#"{"t":"ping"} trailing"#,
            r#"{"t":"ping","p":{"timestamp":01}}"#,
            r#"{"t":"ping","p":{"timestamp":tru}}"#,
            r#"{"data":"\"t\":\"ping\""}"#,
            r#"["t","ping"]"#,
            "",
            "{",
        ] {
            assert_eq!(plain(text), ClientMessage::Other, "{text}");
        }
        let deep = format!(r#"{{"x":{}1{},"t":"ping"}}"#, "[".repeat(70), "]".repeat(70));
        assert_eq!(plain(&deep), ClientMessage::Other);
    }

    #[test]
    fn json_numbers() {
        for good in ["0", "-0", "5", "1771857000123", "1.5", "-2.25e+10", "3E5", "0.0e-0"] {
            assert!(is_json_number(good.as_bytes()), "{good}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "0x10", "--1"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn pong_echoes_the_timestamp() {
        assert_eq!(pong_text(Some("1000"), 1005), r#"{"c":"WSE","t":"PONG","p":{"client_timestamp":1000,"server_timestamp":1005,"latency":5},"v":1}"#);
        assert_eq!(pong_text(None, 7), r#"{"c":"WSE","t":"PONG","p":{"client_timestamp":0,"server_timestamp":7,"latency":0},"v":1}"#);
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(1_771_857_000_123), "2026-02-23T14:30:00.123Z");
        assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn uuids_have_version_and_variant() {
        let mut random = Random::new();
        let v7 = random.uuid(Some(1_771_857_000_123));
        assert_eq!(&v7[14..15], "7");
        assert!(v7.starts_with("019c8ae8-36bb-7"), "{v7}");
        assert!(matches!(&v7[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(&random.uuid(None)[14..15], "4");
    }
}
