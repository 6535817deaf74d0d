// `floor`: bench/ceiling/floor-client.ts in compiled code. One epoll loop over every connection
// writes a pre-built upgrade request, client_hello and ping frames (fixed masks) and reads only
// frame lengths and the words server_ready and PONG. Connections open in batches (each batch
// settles before the next); then every connection sends `pings` sequential pings, once untimed
// and once timed. Same options, same report fields, so the two floors can stand side by side.
use crate::floor_reader::{Outcome, ServerReader};
use crate::frame::masked_text_frames;
use crate::report::{percentile, JsonObject};
use crate::slab::Slab;
use crate::sys::{connect_nonblocking, CpuTime, Epoll, Fd, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP};
use std::io::ErrorKind;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

pub struct FloorOptions {
    pub host: Ipv4Addr,
    pub port: u16,
    /// Path and query of the WSE endpoint.
    pub path: String,
    pub token: String,
    pub connections: usize,
    pub batch_size: usize,
    pub pings: usize,
    pub timeout: Duration,
    /// Opened, pinged 5 times and closed before anything is timed (the benchmark's --warmup).
    pub warmup_connections: usize,
}

/// The mask of every frame the floor writes (the ceiling's, bench/ceiling/frames.ts).
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
/// core/wse/messages.ts clientHello('wse-bench-floor/1') and pingMessage(0), byte for byte.
const CLIENT_HELLO: &[u8] = br#"{"t":"client_hello","p":{"client_version":"wse-bench-floor/1","protocol_version":1}}"#;
const PING: &[u8] = br#"{"t":"ping","p":{"timestamp":0,"client_timestamp":0}}"#;
const WARMUP_PINGS: usize = 5;
const READ_BUFFER_BYTES: usize = 64 * 1024;

struct Connection {
    fd: Fd,
    /// The TCP connect is still in progress.
    connecting: bool,
    reader: ServerReader,
    /// Bytes the socket has not taken yet (EAGAIN or a partial write).
    out: Vec<u8>,
    /// Events registered with epoll now.
    interest: u32,
    /// The dial's outcome is known.
    settled: bool,
    /// Between its first ping and its last PONG.
    pinging: bool,
    pings_left: usize,
    sent_at: Instant,
}

struct Floor {
    epoll: Epoll,
    connections: Slab<Connection>,
    request: Vec<u8>,
    hello: Vec<u8>,
    ping: Vec<u8>,
    read_buffer: Vec<u8>,
    /// The events of one wait (kept between waits: no allocation per wait).
    ready: Vec<(u64, u32)>,
    host: Ipv4Addr,
    port: u16,
    /// Dials of the current batch not settled yet.
    unsettled: usize,
    failed: usize,
    first_failure: Option<String>,
    open: Vec<u64>,
    rtts: Vec<f64>,
    pongs: usize,
    /// Connections between their first ping and their last PONG in the current round.
    outstanding: usize,
}

pub fn run_floor(options: &FloorOptions) -> Result<String, String> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: access_token={}\r\n\r\n",
        options.path, options.host, options.port, options.token
    );
    let mut floor = Floor {
        epoll: Epoll::new(1024).map_err(|e| format!("epoll: {e}"))?,
        connections: Slab::new(),
        request: request.into_bytes(),
        hello: masked_text_frames(CLIENT_HELLO, MASK, 1),
        ping: masked_text_frames(PING, MASK, 1),
        read_buffer: vec![0; READ_BUFFER_BYTES],
        ready: Vec::new(),
        host: options.host,
        port: options.port,
        unsettled: 0,
        failed: 0,
        first_failure: None,
        open: Vec::new(),
        rtts: Vec::new(),
        pongs: 0,
        outstanding: 0,
    };

    // Untimed warm-up: opened, pinged and closed, as the benchmark's --warmup.
    if options.warmup_connections > 0 {
        floor.open_all(options.warmup_connections, options);
        floor.run_for(Duration::from_millis(100));
        floor.ping_round(WARMUP_PINGS, options.timeout);
        floor.close_all();
        floor.rtts.clear();
        floor.pongs = 0;
        floor.failed = 0;
        floor.first_failure = None;
        floor.run_for(Duration::from_millis(200));
    }

    let cpu = CpuTime::now();
    let started = Instant::now();
    floor.open_all(options.connections, options);
    let connect_sec = started.elapsed().as_secs_f64();
    let (connect_cpu, _) = CpuTime::now().since(&cpu);

    // Let the server's answers to client_hello arrive, then one untimed round of the same pings.
    floor.run_for(Duration::from_millis(200));
    floor.ping_round(options.pings, options.timeout);
    floor.rtts.clear();
    floor.pongs = 0;
    let cpu = CpuTime::now();
    let ping_started = Instant::now();
    floor.ping_round(options.pings, options.timeout);
    let ping_sec = ping_started.elapsed().as_secs_f64();
    let (ping_cpu, _) = CpuTime::now().since(&cpu);
    let established = floor.open.len();
    floor.close_all();

    floor.rtts.sort_by(f64::total_cmp);
    let mut report = JsonObject::new()
        .str("event", "result")
        .int("connections", options.connections as u64)
        .int("established", established as u64)
        .int("failed", floor.failed as u64)
        .num("connectRatePerSec", if connect_sec > 0.0 { established as f64 / connect_sec } else { 0.0 })
        .int("pings", if options.pings > 0 { (established * options.pings) as u64 } else { 0 })
        .int("pongs", floor.pongs as u64)
        .num("rttP50Micros", percentile(&floor.rtts, 0.5))
        .num("rttP99Micros", percentile(&floor.rtts, 0.99))
        .num("connectCpuShare", connect_cpu / connect_sec.max(0.001))
        .num("pingCpuShare", ping_cpu / ping_sec.max(0.001));
    if let Some(why) = &floor.first_failure {
        report = report.str("firstFailure", why);
    }
    Ok(report.finish())
}

impl Floor {
    /// Opens `count` connections in batches; each batch settles (ready, failed or timed out) before the next.
    fn open_all(&mut self, count: usize, options: &FloorOptions) {
        let mut next = 0;
        while next < count {
            let end = count.min(next + options.batch_size);
            let mut batch = Vec::with_capacity(end - next);
            for _ in next..end {
                if let Some(token) = self.dial() {
                    batch.push(token);
                }
            }
            next = end;
            let deadline = Instant::now() + options.timeout;
            while self.unsettled > 0 && Instant::now() < deadline {
                self.pump(deadline);
            }
            for token in batch {
                if self.connections.get_mut(token).is_some_and(|c| !c.settled) {
                    self.fail(token, "no server_ready within the timeout");
                }
            }
        }
    }

    fn dial(&mut self) -> Option<u64> {
        let (fd, connected) = match connect_nonblocking(self.host, self.port) {
            Ok(result) => result,
            Err(error) => {
                self.count_failure(format!("connect: {error}"));
                return None;
            }
        };
        let interest = if connected { EPOLLIN | EPOLLRDHUP } else { EPOLLOUT };
        let token = self.connections.insert_with(|_| Connection {
            fd,
            connecting: !connected,
            reader: ServerReader::default(),
            out: Vec::new(),
            interest,
            settled: false,
            pinging: false,
            pings_left: 0,
            sent_at: Instant::now(),
        });
        self.unsettled += 1;
        let connection = self.connections.get_mut(token).expect("just inserted");
        if let Err(error) = self.epoll.add(&connection.fd, interest, token) {
            self.fail_with(token, format!("epoll: {error}"));
            return None;
        }
        if connected {
            let request = std::mem::take(&mut self.request);
            self.send(token, &request);
            self.request = request;
        }
        Some(token)
    }

    fn count_failure(&mut self, why: String) {
        self.failed += 1;
        self.first_failure.get_or_insert(why);
    }

    /// Waits for events until `until` at the latest and handles them.
    fn pump(&mut self, until: Instant) {
        let timeout = until.saturating_duration_since(Instant::now()).as_millis().min(1000) as i32;
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        if let Ok(events) = self.epoll.wait(timeout) {
            ready.extend(events.iter().map(|e| (e.token, e.events)));
        }
        for &(token, events) in &ready {
            self.handle(token, events);
        }
        self.ready = ready;
    }

    fn run_for(&mut self, duration: Duration) {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            self.pump(until);
        }
    }

    fn handle(&mut self, token: u64, events: u32) {
        let Some(connection) = self.connections.get_mut(token) else { return };
        if connection.connecting {
            if events & (EPOLLOUT | EPOLLERR | EPOLLHUP) == 0 {
                return;
            }
            if let Some(error) = connection.fd.take_error() {
                self.fail_with(token, format!("connect: {error}"));
                return;
            }
            connection.connecting = false;
            connection.interest = EPOLLIN | EPOLLRDHUP;
            let _ = self.epoll.modify(&connection.fd, connection.interest, token);
            let request = std::mem::take(&mut self.request);
            self.send(token, &request);
            self.request = request;
            return;
        }
        if events & (EPOLLOUT | EPOLLERR | EPOLLHUP) != 0 && !connection.out.is_empty() && !self.flush(token) {
            return;
        }
        if events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP) != 0 {
            self.read(token);
        }
    }

    fn read(&mut self, token: u64) {
        let Some(connection) = self.connections.get_mut(token) else { return };
        let n = match connection.fd.read(&mut self.read_buffer) {
            Ok(0) => return self.fail(token, "the server closed the connection"),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) => return self.fail_with(token, format!("read: {e}")),
        };
        match connection.reader.push(&self.read_buffer[..n]) {
            Outcome::Fail(why) => self.fail(token, why),
            Outcome::Read { became_ready, pongs } => {
                if became_ready {
                    self.on_ready(token);
                }
                for _ in 0..pongs {
                    self.on_pong(token);
                }
            }
        }
    }

    /// server_ready arrived: say hello and count the connection as established.
    fn on_ready(&mut self, token: u64) {
        let hello = std::mem::take(&mut self.hello);
        self.send(token, &hello);
        self.hello = hello;
        if let Some(connection) = self.connections.get_mut(token) {
            connection.settled = true;
            self.unsettled -= 1;
            self.open.push(token);
        }
    }

    fn on_pong(&mut self, token: u64) {
        let Some(connection) = self.connections.get_mut(token) else { return };
        let now = Instant::now();
        self.rtts.push(now.duration_since(connection.sent_at).as_secs_f64() * 1e6);
        self.pongs += 1;
        if connection.pings_left > 0 {
            connection.pings_left -= 1;
            connection.sent_at = now;
            let ping = std::mem::take(&mut self.ping);
            self.send(token, &ping);
            self.ping = ping;
        } else if connection.pinging {
            connection.pinging = false;
            self.outstanding -= 1;
        }
    }

    /// Every open connection sends `pings` sequential pings; returns when all are answered or at the timeout.
    fn ping_round(&mut self, pings: usize, timeout: Duration) {
        if pings == 0 || self.open.is_empty() {
            return;
        }
        self.outstanding = 0;
        let ping = std::mem::take(&mut self.ping);
        for token in self.open.clone() {
            let Some(connection) = self.connections.get_mut(token) else { continue };
            connection.pinging = true;
            connection.pings_left = pings - 1;
            connection.sent_at = Instant::now();
            self.outstanding += 1;
            self.send(token, &ping);
        }
        self.ping = ping;
        let deadline = Instant::now() + timeout + Duration::from_secs(pings as u64);
        while self.outstanding > 0 && Instant::now() < deadline {
            self.pump(deadline);
        }
    }

    /// Queues `bytes` and writes what the socket takes.
    fn send(&mut self, token: u64, bytes: &[u8]) {
        if let Some(connection) = self.connections.get_mut(token) {
            connection.out.extend_from_slice(bytes);
            self.flush(token);
        }
    }

    /// Writes what is waiting; the rest waits for EPOLLOUT. False when a write error dropped the connection.
    fn flush(&mut self, token: u64) -> bool {
        let Some(connection) = self.connections.get_mut(token) else { return false };
        if let Err(error) = connection.fd.write_pending(&mut connection.out) {
            self.fail_with(token, format!("write: {error}"));
            return false;
        }
        let wanted = EPOLLIN | EPOLLRDHUP | if connection.out.is_empty() { 0 } else { EPOLLOUT };
        if wanted != connection.interest {
            connection.interest = wanted;
            let _ = self.epoll.modify(&connection.fd, wanted, token);
        }
        true
    }

    fn fail(&mut self, token: u64, why: &'static str) {
        self.fail_with(token, why.to_string());
    }

    /// Drops a connection (closing its fd). One that never became ready counts as failed;
    /// one lost mid-round is no longer waited for.
    fn fail_with(&mut self, token: u64, why: String) {
        let Some(connection) = self.connections.remove(token) else { return };
        if !connection.settled {
            self.unsettled -= 1;
            self.count_failure(why);
        }
        if connection.pinging {
            self.outstanding -= 1;
        }
    }

    fn close_all(&mut self) {
        for token in self.connections.tokens() {
            self.connections.remove(token);
        }
        self.open.clear();
        self.unsettled = 0;
        self.outstanding = 0;
    }
}
