// The HTTP side of the native sink: one request head per connection, answered with the upgrade
// (RFC 6455 §4.2), GET /stats, or an error status, by the rules of core/handshake.ts.
use crate::base64;
use crate::sha1::sha1;

/// Largest request head, as core/handshake.ts DEFAULT_MAX_HEADER_BYTES.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
const WEBSOCKET_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

#[derive(Debug, PartialEq)]
pub enum Request {
    /// No blank line yet: wait for more bytes.
    Incomplete,
    /// A valid upgrade: answer 101 with this accept key; frames start at `body_start`.
    Upgrade { accept: String, body_start: usize },
    /// GET /stats (or /stats?…).
    Stats,
    /// Answer with this status, reason and optional header line, then close.
    Reject { status: u16, reason: &'static str, header: Option<&'static str> },
}

fn reject(status: u16, reason: &'static str) -> Request {
    Request::Reject { status, reason, header: None }
}

/// Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)) (§4.2.2).
pub fn accept_key(key: &[u8]) -> String {
    base64::encode(&sha1(&[key, WEBSOCKET_GUID].concat()))
}

/// Collects one request head. Each push scans only the new bytes (plus 3 for a split CRLFCRLF),
/// so a peer sending one byte at a time costs linear, not quadratic, work.
#[derive(Default)]
pub struct RequestReader {
    buffer: Vec<u8>,
    first_line_done: bool,
}

impl RequestReader {
    /// Adds `bytes`; on Upgrade, `body()` holds what came after the head (frames).
    pub fn push(&mut self, bytes: &[u8]) -> Request {
        let scan_from = self.buffer.len().saturating_sub(3);
        let line_from = self.buffer.len().saturating_sub(1);
        self.buffer.extend_from_slice(bytes);
        if !self.first_line_done {
            match first_line_problem(&self.buffer, line_from) {
                FirstLine::Bad(problem) => return reject(400, problem),
                FirstLine::Done => self.first_line_done = true,
                FirstLine::Incomplete => {}
            }
        }
        let Some(end) = self.buffer[scan_from..].windows(4).position(|w| w == b"\r\n\r\n").map(|at| scan_from + at) else {
            return if self.buffer.len() > MAX_HEAD_BYTES { reject(431, "request headers exceed the size limit") } else { Request::Incomplete };
        };
        if end + 4 > MAX_HEAD_BYTES {
            return reject(431, "request headers exceed the size limit");
        }
        check_head(&self.buffer[..end], end + 4)
    }

    pub fn body(&self, start: usize) -> &[u8] {
        &self.buffer[start..]
    }
}

fn check_head(head: &[u8], body_start: usize) -> Request {
    let mut lines = CrlfLines(head);
    let Some((method, target, version)) = lines.next().and_then(request_line) else {
        return reject(400, "malformed request line");
    };
    let mut headers = Headers::default();
    for line in lines {
        if let Err(problem) = headers.add(line) {
            return reject(400, problem);
        }
    }
    if !has_token(&headers.upgrade, b"websocket") {
        let stats = method == b"GET" && (target == b"/stats" || target.starts_with(b"/stats?"));
        return if stats { Request::Stats } else { reject(404, "Not Found") };
    }
    if method != b"GET" {
        return Request::Reject { status: 405, reason: "the upgrade must be a GET request", header: Some("Allow: GET") };
    }
    if version < (1, 1) {
        return reject(400, "the upgrade needs HTTP/1.1 or later");
    }
    if headers.host.is_none() {
        return reject(400, "missing Host header");
    }
    if !has_token(&headers.connection, b"upgrade") {
        return reject(400, "missing \"Connection: Upgrade\"");
    }
    if headers.version.as_deref() != Some(b"13".as_slice()) {
        return Request::Reject {
            status: 426,
            reason: "unsupported Sec-WebSocket-Version (only 13 is supported)",
            header: Some("Sec-WebSocket-Version: 13"),
        };
    }
    match &headers.key {
        None => reject(400, "missing Sec-WebSocket-Key"),
        Some(key) if !base64::is_websocket_key(key) => reject(400, "Sec-WebSocket-Key is not 16 bytes of base64"),
        Some(key) => Request::Upgrade { accept: accept_key(key), body_start },
    }
}

enum FirstLine {
    Incomplete,
    Done,
    Bad(&'static str),
}

/// The start line may hold visible ASCII, spaces, tabs and obs-text: refused at its first bad
/// byte, before the head is complete. Scans from `from` (the bytes before it were fine).
fn first_line_problem(buffer: &[u8], from: usize) -> FirstLine {
    for (i, &byte) in buffer.iter().enumerate().skip(from) {
        if byte == b'\r' {
            return match buffer.get(i + 1) {
                None => FirstLine::Incomplete,
                Some(b'\n') if i == 0 => FirstLine::Bad("empty start line"),
                Some(b'\n') => FirstLine::Done,
                Some(_) => FirstLine::Bad("bare CR in the start line"),
            };
        }
        if (byte < 0x20 && byte != b'\t') || byte == 0x7f {
            return FirstLine::Bad("control byte in the start line");
        }
    }
    FirstLine::Incomplete
}

/// The lines of a head, split at CRLF only (a bare CR or LF stays inside its line, and is refused there).
struct CrlfLines<'a>(&'a [u8]);

impl<'a> Iterator for CrlfLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        let rest = self.0;
        match rest.windows(2).position(|w| w == b"\r\n") {
            Some(at) => {
                self.0 = &rest[at + 2..];
                Some(&rest[..at])
            }
            None => {
                self.0 = &[];
                Some(rest)
            }
        }
    }
}

/// METHOD SP target SP HTTP/d.d
fn request_line(line: &[u8]) -> Option<(&[u8], &[u8], (u8, u8))> {
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, protocol) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) || target.is_empty() {
        return None;
    }
    match protocol {
        [b'H', b'T', b'T', b'P', b'/', major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] => Some((method, target, (major - b'0', minor - b'0'))),
        _ => None,
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The headers the upgrade needs; repeated ones joined with ", " as core/handshake.ts does.
#[derive(Default)]
struct Headers {
    host: Option<Vec<u8>>,
    upgrade: Option<Vec<u8>>,
    connection: Option<Vec<u8>>,
    version: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
}

impl Headers {
    fn add(&mut self, line: &[u8]) -> Result<(), &'static str> {
        let colon = line.iter().position(|&b| b == b':').filter(|&c| c > 0).ok_or("header line without a name")?;
        let name = &line[..colon];
        if !name.iter().all(|&b| is_token_byte(b)) {
            return Err("invalid header name");
        }
        let value = line[colon + 1..].trim_ascii();
        if value.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
            return Err("invalid byte in a header value");
        }
        let slot = match name.to_ascii_lowercase().as_slice() {
            b"host" => &mut self.host,
            b"upgrade" => &mut self.upgrade,
            b"connection" => &mut self.connection,
            b"sec-websocket-version" => &mut self.version,
            b"sec-websocket-key" => &mut self.key,
            _ => return Ok(()),
        };
        match slot {
            None => *slot = Some(value.to_vec()),
            Some(previous) => {
                previous.extend_from_slice(b", ");
                previous.extend_from_slice(value);
            }
        }
        Ok(())
    }
}

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn has_token(value: &Option<Vec<u8>>, token: &[u8]) -> bool {
    value.as_deref().is_some_and(|v| v.split(|&b| b == b',').any(|part| part.trim_ascii().eq_ignore_ascii_case(token)))
}

/// The 101 answer to a valid upgrade.
pub fn upgrade_response(accept: &str) -> String {
    format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")
}

/// A complete response after which the connection is closed.
pub fn response(status: u16, content_type: &str, extra_header: Option<&str>, body: &str) -> String {
    let phrase = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let extra = extra_header.map(|h| format!("{h}\r\n")).unwrap_or_default();
    format!("HTTP/1.1 {status} {phrase}\r\nConnection: close\r\n{extra}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}", body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_request(bytes: &[u8]) -> Request {
        RequestReader::default().push(bytes)
    }

    const UPGRADE: &str = "GET /wse?compression=false&protocol_version=1 HTTP/1.1\r\nHost: 127.0.0.1:5006\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: access_token=x\r\n\r\n";

    #[test]
    fn rfc_6455_accept_key() {
        assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn upgrade_at_every_split() {
        let bytes = [UPGRADE.as_bytes(), &[0x81, 0x80, 1, 2, 3, 4]].concat();
        for cut in 0..bytes.len() {
            let mut reader = RequestReader::default();
            let first = reader.push(&bytes[..cut]);
            if cut < UPGRADE.len() {
                assert_eq!(first, Request::Incomplete, "cut {cut}");
                assert_eq!(reader.push(&bytes[cut..]), Request::Upgrade { accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into(), body_start: UPGRADE.len() });
            } else {
                assert_eq!(first, Request::Upgrade { accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into(), body_start: UPGRADE.len() });
            }
            let received = if cut < UPGRADE.len() { bytes.len() } else { cut };
            assert_eq!(reader.body(UPGRADE.len()), &bytes[UPGRADE.len()..received]);
        }
        // one byte at a time
        let mut reader = RequestReader::default();
        let results: Vec<Request> = UPGRADE.as_bytes().iter().map(|b| reader.push(std::slice::from_ref(b))).collect();
        assert!(results[..results.len() - 1].iter().all(|r| *r == Request::Incomplete));
        assert!(matches!(results.last(), Some(Request::Upgrade { .. })));
    }

    #[test]
    fn stats_and_other_requests() {
        assert_eq!(read_request(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n"), Request::Stats);
        assert_eq!(read_request(b"GET /stats?x=1 HTTP/1.1\r\n\r\n"), Request::Stats);
        assert!(matches!(read_request(b"GET /other HTTP/1.1\r\n\r\n"), Request::Reject { status: 404, .. }));
        assert!(matches!(read_request(b"POST /stats HTTP/1.1\r\n\r\n"), Request::Reject { status: 404, .. }));
    }

    #[test]
    fn refusals() {
        let with = |from: &str, to: &str| read_request(UPGRADE.replace(from, to).as_bytes());
        assert!(matches!(with("GET /wse", "POST /wse"), Request::Reject { status: 405, .. }));
        assert!(matches!(with("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost"), Request::Reject { status: 400, .. }));
        assert!(matches!(with("Host: 127.0.0.1:5006\r\n", ""), Request::Reject { status: 400, .. }));
        assert!(matches!(with("Connection: Upgrade", "Connection: keep-alive"), Request::Reject { status: 400, .. }));
        assert!(matches!(with("Version: 13", "Version: 8"), Request::Reject { status: 426, header: Some("Sec-WebSocket-Version: 13"), .. }));
        assert!(matches!(with("dGhlIHNhbXBsZSBub25jZQ==", "short=="), Request::Reject { status: 400, .. }));
        assert!(matches!(with("Cookie:", ": no name"), Request::Reject { status: 400, .. }));
        assert!(matches!(read_request(b"GET /\x01 HTTP/1.1"), Request::Reject { status: 400, .. }), "refused before the head ends");
        assert!(matches!(read_request(&vec![b'a'; MAX_HEAD_BYTES + 1]), Request::Reject { status: 431, .. }));
        // Connection may list several tokens, in any case.
        assert!(matches!(with("Connection: Upgrade", "Connection: keep-alive, UPGRADE"), Request::Upgrade { .. }));
    }
}
