// `sink`: a WSE sink server for the throughput cells, far cheaper than a JavaScript one. One
// epoll loop (it gets a core of its own): HTTP upgrade → server_ready, then every frame header is
// validated, messages are counted, an application ping is answered with a PONG in order (the
// delivery barrier), RFC pings with pongs, and the close handshake is run. GET /stats on the same
// port answers with the embedded server's JSON. It verifies no JWT and does not check UTF-8.
use crate::counters::Counters;
use crate::frame::{push_close_frame, push_server_frame, FrameHandler, FrameParser, Head, OPCODE_CLOSE, OPCODE_PONG, OPCODE_TEXT};
use crate::http::{response, upgrade_response, Request, RequestReader};
use crate::report::{emit, JsonObject};
use crate::slab::Slab;
use crate::sys::{accept, listen_tcp, Epoll, Fd, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP};
use crate::wse::{classify, epoch_millis, pong_text, server_ready_text, ClientMessage, Random};
use std::io::ErrorKind;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

pub struct SinkOptions {
    pub host: Ipv4Addr,
    pub port: u16,
    pub max_message: u64,
}

const LISTENER: u64 = u64::MAX;
/// One read takes up to this much: large reads keep the syscalls per message low.
const READ_BUFFER_BYTES: usize = 256 * 1024;
/// An upgrade not completed by then is dropped (core/server.ts DEFAULT_HANDSHAKE_TIMEOUT_MS).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that is closing is dropped after this long (core's close timeout).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// A peer that does not read its PONGs stops being read above this many unsent bytes, and is
/// read again below the low mark: its cost in memory stays bounded.
const OUT_HIGH_WATER: usize = 1024 * 1024;
const OUT_LOW_WATER: usize = 64 * 1024;
/// After EMFILE/ENFILE, accepting pauses this long instead of spinning on a full queue.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

enum Phase {
    Request(RequestReader),
    WebSocket(FrameParser),
    /// Answered or failed: input is read and dropped; after the last byte is out, the write side
    /// is shut; the connection ends at the peer's FIN or at the close timeout.
    Closing { since: Instant, shut: bool },
}

struct Connection {
    fd: Fd,
    phase: Phase,
    out: Vec<u8>,
    accepted_at: Instant,
    /// Events registered with epoll now.
    interest: u32,
}

struct Sink {
    epoll: Epoll,
    listener: Fd,
    connections: Slab<Connection>,
    counters: Counters,
    /// Upgraded connections that have not closed.
    open: usize,
    read_buffer: Vec<u8>,
    ready: Vec<(u64, u32)>,
    random: Random,
    max_message: u64,
    accept_paused_until: Option<Instant>,
}

/// Answers a connection's frames into its output buffer (the parser's handler).
struct Responder<'a> {
    out: &'a mut Vec<u8>,
    counters: &'a mut Counters,
    /// The code of the close frame received, when one was.
    closed_with: Option<u16>,
}

impl FrameHandler for Responder<'_> {
    fn message(&mut self, binary: bool, length: u64, head: Option<Head<'_>>) {
        if binary {
            self.counters.binary += 1;
            self.counters.binary_bytes += length;
        } else {
            self.counters.text += 1;
            self.counters.text_bytes += length;
        }
        let Some(head) = head else { return };
        match classify(&head) {
            ClientMessage::Ping { timestamp } => {
                self.counters.pings += 1;
                let pong = pong_text(timestamp.as_deref(), epoch_millis());
                self.counters.sent(pong.len());
                push_server_frame(self.out, OPCODE_TEXT, pong.as_bytes());
            }
            ClientMessage::Pong => self.counters.heartbeat_replies += 1,
            ClientMessage::Other => {}
        }
    }

    fn ping(&mut self, payload: &[u8]) {
        push_server_frame(self.out, OPCODE_PONG, payload);
    }

    fn pong(&mut self, _payload: &[u8]) {}

    fn close(&mut self, code: Option<u16>, reason: &[u8]) {
        // Echo the peer's close (RFC 6455 §5.5.1); without a status code, an empty close frame.
        match code {
            Some(code) => push_close_frame(self.out, code, reason),
            None => push_server_frame(self.out, OPCODE_CLOSE, &[]),
        }
        self.closed_with = Some(code.unwrap_or(1005));
    }
}

pub fn run_sink(options: &SinkOptions) -> Result<(), String> {
    let (listener, port) = listen_tcp(options.host, options.port).map_err(|e| format!("cannot listen on {}:{}: {e}", options.host, options.port))?;
    let epoll = Epoll::new(1024).map_err(|e| format!("epoll: {e}"))?;
    epoll.add(&listener, EPOLLIN, LISTENER).map_err(|e| format!("epoll_ctl: {e}"))?;
    let mut sink = Sink {
        epoll,
        listener,
        connections: Slab::new(),
        counters: Counters::default(),
        open: 0,
        read_buffer: vec![0; READ_BUFFER_BYTES],
        ready: Vec::new(),
        random: Random::new(),
        max_message: options.max_message,
        accept_paused_until: None,
    };
    emit(&JsonObject::new().str("event", "listening").int("port", u64::from(port)).finish());
    let mut last_sweep = Instant::now();
    loop {
        let mut ready = std::mem::take(&mut sink.ready);
        ready.clear();
        let timeout = if sink.accept_paused_until.is_some() { 100 } else { 1000 };
        ready.extend(sink.epoll.wait(timeout).map_err(|e| format!("epoll_wait: {e}"))?.iter().map(|e| (e.token, e.events)));
        for &(token, events) in &ready {
            if token == LISTENER {
                sink.accept_all();
            } else {
                sink.handle(token, events);
            }
        }
        sink.ready = ready;
        sink.resume_accepting();
        if last_sweep.elapsed() >= Duration::from_secs(1) {
            last_sweep = Instant::now();
            sink.sweep();
        }
    }
}

impl Sink {
    fn accept_all(&mut self) {
        loop {
            match accept(&self.listener) {
                Ok(fd) => {
                    let token = self.connections.insert_with(|_| Connection {
                        fd,
                        phase: Phase::Request(RequestReader::default()),
                        out: Vec::new(),
                        accepted_at: Instant::now(),
                        interest: EPOLLIN | EPOLLRDHUP,
                    });
                    let connection = self.connections.get_mut(token).expect("just inserted");
                    if self.epoll.add(&connection.fd, connection.interest, token).is_err() {
                        self.connections.remove(token);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if matches!(e.raw_os_error(), Some(23 | 24)) => {
                    // ENFILE / EMFILE: stop listening for a moment; connections wait in the backlog.
                    let _ = self.epoll.modify(&self.listener, 0, LISTENER);
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
                Err(_) => {} // ECONNABORTED and the like: that connection is gone, take the next
            }
        }
    }

    fn handle(&mut self, token: u64, events: u32) {
        // A hang-up while reading is paused for backpressure shows here, as a failed write.
        if events & (EPOLLOUT | EPOLLERR | EPOLLHUP) != 0 && !self.flush(token) {
            return;
        }
        if events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP) != 0 {
            self.read(token);
        }
    }

    fn read(&mut self, token: u64) {
        let Some(connection) = self.connections.get_mut(token) else { return };
        if connection.interest & EPOLLIN == 0 {
            return; // paused for backpressure; a hang-up is seen at the next read or write
        }
        let n = match connection.fd.read(&mut self.read_buffer) {
            Ok(0) => return self.drop_connection(token, 1006),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => return,
            Err(_) => return self.drop_connection(token, 1006),
        };
        let data = &self.read_buffer[..n];
        if matches!(connection.phase, Phase::WebSocket(_)) {
            feed_frames(connection, &mut self.counters, &mut self.open, data);
        } else if let Phase::Request(reader) = &mut connection.phase {
            match reader.push(data) {
                Request::Incomplete => {}
                Request::Upgrade { accept, body_start } => {
                    let body = reader.body(body_start).to_vec();
                    connection.out.extend_from_slice(upgrade_response(&accept).as_bytes());
                    let ready = server_ready_text(&mut self.random, epoch_millis());
                    self.counters.sent(ready.len());
                    push_server_frame(&mut connection.out, OPCODE_TEXT, ready.as_bytes());
                    connection.phase = Phase::WebSocket(FrameParser::new(self.max_message));
                    self.counters.connections_opened += 1;
                    self.open += 1;
                    feed_frames(connection, &mut self.counters, &mut self.open, &body);
                }
                Request::Stats => {
                    let body = self.counters.stats_json(self.open);
                    connection.out.extend_from_slice(response(200, "application/json", None, &body).as_bytes());
                    connection.phase = Phase::Closing { since: Instant::now(), shut: false };
                }
                Request::Reject { status, reason, header } => {
                    connection.out.extend_from_slice(response(status, "text/plain; charset=utf-8", header, &format!("{reason}\n")).as_bytes());
                    connection.phase = Phase::Closing { since: Instant::now(), shut: false };
                }
            }
        }
        self.flush(token);
    }

    /// Writes what is waiting; keeps the rest for EPOLLOUT and applies backpressure. False when
    /// the connection was dropped.
    fn flush(&mut self, token: u64) -> bool {
        let Some(connection) = self.connections.get_mut(token) else { return false };
        if connection.fd.write_pending(&mut connection.out).is_err() {
            self.drop_connection(token, 1006);
            return false;
        }
        if let Phase::Closing { shut, .. } = &mut connection.phase {
            if connection.out.is_empty() && !*shut {
                // §7.1.1: the server closes the TCP connection first, once its last frame is out.
                connection.fd.shutdown_write();
                *shut = true;
            }
        }
        let reading = match connection.interest & EPOLLIN {
            0 => connection.out.len() <= OUT_LOW_WATER,
            _ => connection.out.len() <= OUT_HIGH_WATER,
        };
        let wanted = if reading { EPOLLIN | EPOLLRDHUP } else { 0 } | if connection.out.is_empty() { 0 } else { EPOLLOUT };
        if wanted != connection.interest {
            connection.interest = wanted;
            let _ = self.epoll.modify(&connection.fd, wanted, token);
        }
        true
    }

    /// Closes the socket. `code` is what an open WebSocket connection ended with (1006: no close frame).
    fn drop_connection(&mut self, token: u64, code: u16) {
        let Some(connection) = self.connections.remove(token) else { return };
        if matches!(connection.phase, Phase::WebSocket(_)) {
            self.counters.closed(code);
            self.open -= 1;
        }
    }

    fn resume_accepting(&mut self) {
        if self.accept_paused_until.is_some_and(|until| Instant::now() >= until) {
            self.accept_paused_until = None;
            let _ = self.epoll.modify(&self.listener, EPOLLIN, LISTENER);
        }
    }

    /// Once a second: drops stalled handshakes and closes that take too long.
    fn sweep(&mut self) {
        let now = Instant::now();
        for token in self.connections.tokens() {
            let Some(connection) = self.connections.get_mut(token) else { continue };
            let stale = match &connection.phase {
                Phase::Request(_) => now.duration_since(connection.accepted_at) >= HANDSHAKE_TIMEOUT,
                Phase::Closing { since, .. } => now.duration_since(*since) >= CLOSE_TIMEOUT,
                Phase::WebSocket(_) => false,
            };
            if stale {
                self.drop_connection(token, 1006);
            }
        }
    }
}

/// Feeds frames to an upgraded connection's parser; a close frame or a protocol error ends it.
fn feed_frames(connection: &mut Connection, counters: &mut Counters, open: &mut usize, data: &[u8]) {
    let Phase::WebSocket(parser) = &mut connection.phase else { return };
    if data.is_empty() {
        return;
    }
    let mut responder = Responder { out: &mut connection.out, counters, closed_with: None };
    let ended_with = match parser.feed(data, &mut responder) {
        Ok(()) => responder.closed_with,
        Err(error) => {
            // _Fail the WebSocket Connection_ (§7.1.7): send the close code, then close.
            push_close_frame(&mut connection.out, error.close_code, &[]);
            Some(error.close_code)
        }
    };
    if let Some(code) = ended_with {
        counters.closed(code);
        *open -= 1;
        connection.phase = Phase::Closing { since: Instant::now(), shut: false };
    }
}
