// RFC 6455 §5 framing for the native yardstick: a server-role parser that validates every frame
// header and hands out messages without copying their payload, and the few frame builders the
// floor, the flood and the sink need. The error codes are core/errors.ts's, with the same close codes.

pub const OPCODE_CONTINUATION: u8 = 0x0;
pub const OPCODE_TEXT: u8 = 0x1;
pub const OPCODE_BINARY: u8 = 0x2;
pub const OPCODE_CLOSE: u8 = 0x8;
pub const OPCODE_PING: u8 = 0x9;
pub const OPCODE_PONG: u8 = 0xa;

const MAX_CONTROL_PAYLOAD: usize = 125;
/// Messages shorter than this are shown to the handler (the JS sink looks at the same ones,
/// bench/server/wse-app.ts SINK_PARSE_LIMIT); longer ones are only counted.
pub const INSPECT_LIMIT: u64 = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolError {
    /// The fixed code string of core/errors.ts, e.g. "WS_ERR_EXPECTED_MASK".
    pub code: &'static str,
    /// 1002, 1007 or 1009.
    pub close_code: u16,
}

const fn error(code: &'static str, close_code: u16) -> ProtocolError {
    ProtocolError { code, close_code }
}

pub const UNEXPECTED_RSV_1: ProtocolError = error("WS_ERR_UNEXPECTED_RSV_1", 1002);
pub const UNEXPECTED_RSV_2_3: ProtocolError = error("WS_ERR_UNEXPECTED_RSV_2_3", 1002);
pub const INVALID_OPCODE: ProtocolError = error("WS_ERR_INVALID_OPCODE", 1002);
pub const EXPECTED_FIN: ProtocolError = error("WS_ERR_EXPECTED_FIN", 1002);
pub const INVALID_CONTROL_PAYLOAD_LENGTH: ProtocolError = error("WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH", 1002);
pub const EXPECTED_MASK: ProtocolError = error("WS_ERR_EXPECTED_MASK", 1002);
pub const UNEXPECTED_CONTINUATION: ProtocolError = error("WS_ERR_UNEXPECTED_CONTINUATION", 1002);
pub const EXPECTED_CONTINUATION: ProtocolError = error("WS_ERR_EXPECTED_CONTINUATION", 1002);
pub const INVALID_CLOSE_CODE: ProtocolError = error("WS_ERR_INVALID_CLOSE_CODE", 1002);
pub const INVALID_UTF8: ProtocolError = error("WS_ERR_INVALID_UTF8", 1007);
pub const UNSUPPORTED_MESSAGE_LENGTH: ProtocolError = error("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009);

/// The first bytes of a short message, readable unmasked: a view of the masked input when the
/// message lay in one frame of one read (no copy), else the parser's unmasked copy.
pub enum Head<'a> {
    Masked { bytes: &'a [u8], mask: [u8; 4] },
    Plain(&'a [u8]),
}

impl Head<'_> {
    pub fn len(&self) -> usize {
        match self {
            Head::Masked { bytes, .. } => bytes.len(),
            Head::Plain(bytes) => bytes.len(),
        }
    }

    /// The unmasked byte at `i` (< len()).
    #[inline]
    pub fn at(&self, i: usize) -> u8 {
        match self {
            Head::Masked { bytes, mask } => bytes[i] ^ mask[i & 3],
            Head::Plain(bytes) => bytes[i],
        }
    }
}

/// What the parser reports. Payloads are valid only during the call.
pub trait FrameHandler {
    /// A whole message: `length` bytes; `head` is Some for messages shorter than INSPECT_LIMIT.
    fn message(&mut self, binary: bool, length: u64, head: Option<Head<'_>>);
    fn ping(&mut self, payload: &[u8]);
    fn pong(&mut self, payload: &[u8]);
    /// A valid close frame: None when it carried no status code (1005). Nothing is read after it.
    fn close(&mut self, code: Option<u16>, reason: &[u8]);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Header,
    Payload,
    /// A close frame arrived: nothing after it is a frame (§5.5.1).
    Closed,
    /// A protocol error was returned: all further input is ignored.
    Failed,
}

/// Parses masked client frames from a stream cut anywhere. Holds at most a 14-byte partial
/// header, a 125-byte control payload and the first INSPECT_LIMIT bytes of a message that
/// spans reads: its memory never grows with the peer's frame count or message size.
pub struct FrameParser {
    max_message: u64,
    state: State,
    header: [u8; 14],
    header_len: usize,
    /// The (extended) length of the header being read has been checked.
    length_checked: bool,
    // The frame being read.
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    remaining: u64,
    /// Payload bytes of this frame already consumed: the mask index of the next one.
    offset: u64,
    // The message being read (message_opcode 0: none open).
    message_opcode: u8,
    message_length: u64,
    inspecting: bool,
    inspect: Vec<u8>,
    control: [u8; MAX_CONTROL_PAYLOAD],
    control_len: usize,
}

impl FrameParser {
    pub fn new(max_message: u64) -> FrameParser {
        FrameParser {
            max_message,
            state: State::Header,
            header: [0; 14],
            header_len: 0,
            length_checked: false,
            fin: false,
            opcode: 0,
            mask: [0; 4],
            remaining: 0,
            offset: 0,
            message_opcode: 0,
            message_length: 0,
            inspecting: false,
            inspect: Vec::new(),
            control: [0; MAX_CONTROL_PAYLOAD],
            control_len: 0,
        }
    }

    /// Consumes `data`; complete frames are reported before it returns. After an error or a
    /// close frame, further input is ignored.
    pub fn feed<H: FrameHandler>(&mut self, mut data: &[u8], handler: &mut H) -> Result<(), ProtocolError> {
        while !data.is_empty() {
            match self.state {
                State::Header => {
                    let used = self.read_header(data).inspect_err(|_| self.state = State::Failed)?;
                    data = &data[used..];
                    if self.state == State::Payload && self.remaining == 0 {
                        self.finish_frame(&[], handler).inspect_err(|_| self.state = State::Failed)?;
                    }
                }
                State::Payload => {
                    let take = self.remaining.min(data.len() as u64) as usize;
                    let (chunk, rest) = data.split_at(take);
                    data = rest;
                    self.consume_payload(chunk, handler).inspect_err(|_| self.state = State::Failed)?;
                }
                State::Closed | State::Failed => return Ok(()),
            }
        }
        Ok(())
    }

    /// Takes header bytes from `data`; returns how many. Each rule is checked as soon as the
    /// bytes it needs have arrived, so a bad frame is refused at its first bad byte.
    fn read_header(&mut self, data: &[u8]) -> Result<usize, ProtocolError> {
        let mut used = 0;
        if self.header_len < 2 {
            used = self.take_header_bytes(data, 2);
            if self.header_len < 2 {
                return Ok(used);
            }
            self.check_first_bytes()?;
        }
        let length7 = self.header[1] & 0x7f;
        let extended = match length7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        used += self.take_header_bytes(&data[used..], 2 + extended);
        if self.header_len < 2 + extended {
            return Ok(used);
        }
        if !self.length_checked {
            self.length_checked = true;
            self.check_length(length7)?;
        }
        used += self.take_header_bytes(&data[used..], 2 + extended + 4);
        if self.header_len < 2 + extended + 4 {
            return Ok(used);
        }
        let at = 2 + extended;
        self.mask = [self.header[at], self.header[at + 1], self.header[at + 2], self.header[at + 3]];
        self.header_len = 0;
        self.length_checked = false;
        self.offset = 0;
        self.state = State::Payload;
        Ok(used)
    }

    fn take_header_bytes(&mut self, data: &[u8], upto: usize) -> usize {
        let count = upto.saturating_sub(self.header_len).min(data.len());
        self.header[self.header_len..self.header_len + count].copy_from_slice(&data[..count]);
        self.header_len += count;
        count
    }

    /// The two fixed header bytes (§5.2), in the order core/frame-decoder.ts checks them.
    fn check_first_bytes(&mut self) -> Result<(), ProtocolError> {
        let (b0, b1) = (self.header[0], self.header[1]);
        if b0 & 0x40 != 0 {
            return Err(UNEXPECTED_RSV_1);
        }
        if b0 & 0x30 != 0 {
            return Err(UNEXPECTED_RSV_2_3);
        }
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0f;
        let length7 = b1 & 0x7f;
        if opcode >= OPCODE_CLOSE {
            if opcode > OPCODE_PONG {
                return Err(INVALID_OPCODE);
            }
            if !fin {
                return Err(EXPECTED_FIN);
            }
            if usize::from(length7) > MAX_CONTROL_PAYLOAD || (opcode == OPCODE_CLOSE && length7 == 1) {
                return Err(INVALID_CONTROL_PAYLOAD_LENGTH);
            }
        } else if opcode == OPCODE_CONTINUATION {
            if self.message_opcode == 0 {
                return Err(UNEXPECTED_CONTINUATION);
            }
        } else if opcode == OPCODE_TEXT || opcode == OPCODE_BINARY {
            if self.message_opcode != 0 {
                return Err(EXPECTED_CONTINUATION);
            }
        } else {
            return Err(INVALID_OPCODE);
        }
        // A client must mask every frame (§5.1); the server fails the connection otherwise.
        if b1 & 0x80 == 0 {
            return Err(EXPECTED_MASK);
        }
        self.fin = fin;
        self.opcode = opcode;
        Ok(())
    }

    /// The payload length, refused from the header alone when the message would exceed the
    /// limit, before any of its payload is read.
    fn check_length(&mut self, length7: u8) -> Result<(), ProtocolError> {
        let length = match length7 {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => u64::from_be_bytes(self.header[2..10].try_into().expect("8 header bytes")),
            short => u64::from(short),
        };
        if self.opcode < OPCODE_CLOSE {
            let total = self.message_length.saturating_add(length);
            if total > self.max_message {
                return Err(UNSUPPORTED_MESSAGE_LENGTH);
            }
            if self.opcode != OPCODE_CONTINUATION {
                self.message_opcode = self.opcode;
            }
            self.message_length = total;
            // Only a message that stays short is looked at; its copy is dropped once it grows.
            self.inspecting = total < INSPECT_LIMIT;
            if !self.inspecting {
                self.inspect.clear();
            }
        }
        self.remaining = length;
        Ok(())
    }

    fn consume_payload<H: FrameHandler>(&mut self, chunk: &[u8], handler: &mut H) -> Result<(), ProtocolError> {
        let whole_frame = self.offset == 0 && chunk.len() as u64 == self.remaining;
        if self.opcode >= OPCODE_CLOSE {
            for (i, &byte) in chunk.iter().enumerate() {
                self.control[self.control_len + i] = byte ^ self.mask[(self.offset as usize + i) & 3];
            }
            self.control_len += chunk.len();
        } else if self.inspecting {
            // A one-frame message that arrived in one read is read in place: no copy.
            if whole_frame && self.fin && self.inspect.is_empty() && self.message_length == chunk.len() as u64 {
                self.offset += chunk.len() as u64;
                self.remaining = 0;
                return self.finish_frame(chunk, handler);
            }
            for (i, &byte) in chunk.iter().enumerate() {
                self.inspect.push(byte ^ self.mask[(self.offset as usize + i) & 3]);
            }
        }
        self.offset += chunk.len() as u64;
        self.remaining -= chunk.len() as u64;
        if self.remaining == 0 {
            self.finish_frame(&[], handler)?;
        }
        Ok(())
    }

    /// The frame is complete. `in_place` holds the masked payload of a one-frame message read in place.
    fn finish_frame<H: FrameHandler>(&mut self, in_place: &[u8], handler: &mut H) -> Result<(), ProtocolError> {
        self.state = State::Header;
        match self.opcode {
            OPCODE_PING => handler.ping(&self.control[..self.control_len]),
            OPCODE_PONG => handler.pong(&self.control[..self.control_len]),
            OPCODE_CLOSE => return self.finish_close(handler),
            _ if self.fin => {
                let head = if !self.inspecting {
                    None
                } else if self.inspect.is_empty() && !in_place.is_empty() {
                    Some(Head::Masked { bytes: in_place, mask: self.mask })
                } else {
                    Some(Head::Plain(&self.inspect))
                };
                handler.message(self.message_opcode == OPCODE_BINARY, self.message_length, head);
                self.message_opcode = 0;
                self.message_length = 0;
                self.inspect.clear();
            }
            _ => {}
        }
        self.control_len = 0;
        Ok(())
    }

    /// Close payload: nothing, or a code that may be sent plus a UTF-8 reason (§5.5.1, §7.4).
    fn finish_close<H: FrameHandler>(&mut self, handler: &mut H) -> Result<(), ProtocolError> {
        let payload = &self.control[..self.control_len];
        self.state = State::Closed;
        if payload.is_empty() {
            handler.close(None, &[]);
            return Ok(());
        }
        let code = u16::from_be_bytes([payload[0], payload[1]]);
        if !is_valid_wire_close_code(code) {
            return Err(INVALID_CLOSE_CODE);
        }
        if std::str::from_utf8(&payload[2..]).is_err() {
            return Err(INVALID_UTF8);
        }
        handler.close(Some(code), &payload[2..]);
        Ok(())
    }
}

/// Close codes an endpoint may put on the wire (RFC 6455 §7.4.1, §7.4.2, the IANA registry).
pub fn is_valid_wire_close_code(code: u16) -> bool {
    (1000..=1003).contains(&code) || (1007..=1014).contains(&code) || (3000..=4999).contains(&code)
}

/// Appends one unmasked FIN frame (server role).
pub fn push_server_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    push_length(out, 0, payload.len());
    out.extend_from_slice(payload);
}

/// Appends an unmasked close frame with `code` and `reason` (server role).
pub fn push_close_frame(out: &mut Vec<u8>, code: u16, reason: &[u8]) {
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason);
    push_server_frame(out, OPCODE_CLOSE, &payload);
}

fn push_length(out: &mut Vec<u8>, mask_bit: u8, length: usize) {
    if length < 126 {
        out.push(mask_bit | length as u8);
    } else if length <= 0xffff {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(length as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(length as u64).to_be_bytes());
    }
}

/// `count` identical masked FIN text frames of `payload` (client role), back to back: the
/// pre-built bytes of the floor and the flood, as bench/ceiling/frames.ts builds them.
pub fn masked_text_frames(payload: &[u8], mask: [u8; 4], count: usize) -> Vec<u8> {
    let mut frame = vec![0x80 | OPCODE_TEXT];
    push_length(&mut frame, 0x80, payload.len());
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    frame.repeat(count)
}

/// Header size and payload length of an unmasked (server) frame at the start of `data`, once
/// its header is complete. The 64-bit length is returned whole: the caller bounds it.
pub fn peek_server_frame(data: &[u8]) -> Option<(usize, u64)> {
    if data.len() < 2 {
        return None;
    }
    match data[1] & 0x7f {
        126 if data.len() >= 4 => Some((4, u64::from(u16::from_be_bytes([data[2], data[3]])))),
        127 if data.len() >= 10 => Some((10, u64::from_be_bytes(data[2..10].try_into().expect("8 bytes")))),
        126 | 127 => None,
        short => Some((2, u64::from(short))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRADE: &[u8] = br#"{"t":"trade_update","p":{"symbol":"ES","side":"buy","price":5234.75,"qty":2,"ts":"2026-02-23T14:30:00.123Z","account":"acc_01HQ3","tags":["momentum","breakout"],"score":0.87}}"#;
    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    #[derive(Default)]
    struct Recorder {
        events: Vec<String>,
    }

    impl FrameHandler for Recorder {
        fn message(&mut self, binary: bool, length: u64, head: Option<Head<'_>>) {
            let text = head.map(|h| String::from_utf8_lossy(&(0..h.len()).map(|i| h.at(i)).collect::<Vec<u8>>()).into_owned());
            self.events.push(format!("{} {length} {}", if binary { "binary" } else { "text" }, text.unwrap_or_else(|| "-".into())));
        }
        fn ping(&mut self, payload: &[u8]) {
            self.events.push(format!("ping {}", String::from_utf8_lossy(payload)));
        }
        fn pong(&mut self, payload: &[u8]) {
            self.events.push(format!("pong {}", String::from_utf8_lossy(payload)));
        }
        fn close(&mut self, code: Option<u16>, reason: &[u8]) {
            self.events.push(format!("close {code:?} {}", String::from_utf8_lossy(reason)));
        }
    }

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![first];
        push_length(&mut frame, 0x80, payload.len());
        frame.extend_from_slice(&MASK);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i & 3]));
        frame
    }

    /// Feeds `bytes` split at every point into two pieces; every split must give the same result.
    fn parse_every_split(bytes: &[u8]) -> (Vec<String>, Option<ProtocolError>) {
        let mut first: Option<(Vec<String>, Option<ProtocolError>)> = None;
        for cut in 0..=bytes.len() {
            let mut parser = FrameParser::new(1 << 20);
            let mut recorder = Recorder::default();
            let result = parser.feed(&bytes[..cut], &mut recorder).and_then(|_| parser.feed(&bytes[cut..], &mut recorder));
            let outcome = (recorder.events, result.err());
            match &first {
                None => first = Some(outcome),
                Some(expected) => assert_eq!(&outcome, expected, "split at {cut}"),
            }
        }
        first.expect("at least one split")
    }

    fn parse_one_byte_at_a_time(bytes: &[u8]) -> (Vec<String>, Option<ProtocolError>) {
        let mut parser = FrameParser::new(1 << 20);
        let mut recorder = Recorder::default();
        for byte in bytes {
            if let Err(e) = parser.feed(std::slice::from_ref(byte), &mut recorder) {
                return (recorder.events, Some(e));
            }
        }
        (recorder.events, None)
    }

    #[test]
    fn the_ceiling_frames_parse_back_to_the_trading_message() {
        let frames = masked_text_frames(TRADE, MASK, 3);
        assert_eq!(frames.len(), 3 * 183);
        let (events, error) = parse_every_split(&frames);
        assert_eq!(error, None);
        let expected = format!("text 175 {}", String::from_utf8_lossy(TRADE));
        assert_eq!(events, vec![expected.clone(), expected.clone(), expected]);
        assert_eq!(parse_one_byte_at_a_time(&frames).0.len(), 3);
    }

    #[test]
    fn long_messages_are_counted_not_shown() {
        for length in [511usize, 512, 65_535, 65_536, 70_001] {
            let frame = masked(0x82, &vec![b'x'; length]);
            let (events, error) = parse_every_split(if length > 1000 { &frame[..] } else { &frame[..] });
            assert_eq!(error, None);
            let head = if length < 512 { "x".repeat(length) } else { "-".into() };
            assert_eq!(events, vec![format!("binary {length} {head}")]);
        }
    }

    #[test]
    fn fragments_reassemble_around_a_control_frame() {
        let mut bytes = masked(0x01, b"{\"t\":");
        bytes.extend(masked(0x89, b"hi"));
        bytes.extend(masked(0x00, b"\"pi"));
        bytes.extend(masked(0x80, b"ng\"}"));
        bytes.extend(masked(0x8a, b""));
        let (events, error) = parse_every_split(&bytes);
        assert_eq!(error, None);
        assert_eq!(events, vec!["ping hi", "text 12 {\"t\":\"ping\"}", "pong "]);
    }

    #[test]
    fn empty_messages_and_close() {
        let mut bytes = masked(0x81, b"");
        bytes.extend(masked(0x88, &[0x03, 0xe8, b'b', b'y', b'e']));
        bytes.extend(masked(0x81, b"after close: ignored"));
        let (events, error) = parse_every_split(&bytes);
        assert_eq!(error, None);
        assert_eq!(events, vec!["text 0 ", "close Some(1000) bye"]);
        let (events, _) = parse_every_split(&masked(0x88, b""));
        assert_eq!(events, vec!["close None "]);
    }

    #[test]
    fn header_violations_fail_with_their_close_code() {
        let cases: Vec<(Vec<u8>, ProtocolError)> = vec![
            (vec![0x81, 0x05, b'h', b'e', b'l', b'l', b'o'], EXPECTED_MASK),
            (masked(0xc1, b"x"), UNEXPECTED_RSV_1),
            (masked(0xa1, b"x"), UNEXPECTED_RSV_2_3),
            (masked(0x83, b"x"), INVALID_OPCODE),
            (masked(0x8b, b"x"), INVALID_OPCODE),
            (masked(0x09, b"x"), EXPECTED_FIN),
            (masked(0x89, &[b'x'; 126]), INVALID_CONTROL_PAYLOAD_LENGTH),
            (masked(0x88, b"x"), INVALID_CONTROL_PAYLOAD_LENGTH),
            (masked(0x80, b"x"), UNEXPECTED_CONTINUATION),
            ([masked(0x01, b"a"), masked(0x81, b"b")].concat(), EXPECTED_CONTINUATION),
            (masked(0x88, &[0x03, 0xed]), INVALID_CLOSE_CODE),
            (masked(0x88, &[0x03, 0xe8, 0xff]), INVALID_UTF8),
        ];
        for (bytes, expected) in cases {
            let (_, error) = parse_every_split(&bytes);
            assert_eq!(error, Some(expected), "{bytes:02x?}");
        }
    }

    #[test]
    fn an_oversized_message_is_refused_from_its_header_alone() {
        // 64-bit length of 2^63 + 5, and a 2 MiB frame: refused before any payload arrives.
        let huge = [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5];
        assert_eq!(parse_one_byte_at_a_time(&huge).1, Some(UNSUPPORTED_MESSAGE_LENGTH));
        let mut parser = FrameParser::new(1 << 20);
        let mut recorder = Recorder::default();
        assert_eq!(parser.feed(&[0x82, 0xff, 0, 0, 0, 0, 0, 0x20, 0, 0], &mut recorder), Err(UNSUPPORTED_MESSAGE_LENGTH));
        // Fragments that add up past the limit fail at the header of the one that crosses it.
        let mut parser = FrameParser::new(1000);
        let first = masked(0x01, &[b'a'; 600]);
        assert_eq!(parser.feed(&first, &mut recorder), Ok(()));
        assert_eq!(parser.feed(&[0x80, 0xfe, 0x01, 0xf4], &mut recorder), Err(UNSUPPORTED_MESSAGE_LENGTH));
        assert!(recorder.events.is_empty());
    }

    #[test]
    fn after_an_error_input_is_ignored() {
        let mut parser = FrameParser::new(1 << 20);
        let mut recorder = Recorder::default();
        assert_eq!(parser.feed(&[0x81, 0x01, b'x'], &mut recorder), Err(EXPECTED_MASK));
        assert_eq!(parser.feed(&masked(0x81, b"x"), &mut recorder), Ok(()));
        assert!(recorder.events.is_empty());
    }

    #[test]
    fn server_frames_peek() {
        let mut out = Vec::new();
        push_server_frame(&mut out, OPCODE_TEXT, &[b'a'; 300]);
        assert_eq!(peek_server_frame(&out), Some((4, 300)));
        assert_eq!(peek_server_frame(&out[..3]), None);
        let mut close = Vec::new();
        push_close_frame(&mut close, 1002, b"");
        assert_eq!(close, vec![0x88, 0x02, 0x03, 0xea]);
    }
}
