// `flood`: the ceiling's writer (bench/ceiling/flood-client.ts) in compiled code. C plain TCP
// connections each write one pre-built buffer of masked frames as fast as the socket takes it,
// until the deadline; then each finishes the buffer it is in (so the sink sees whole frames),
// half-closes and waits for the sink to close. Same options and report fields as the JS writer.
use crate::report::JsonObject;
use crate::sys::{connect_nonblocking, CpuTime, Epoll, Fd, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP};
use std::io::ErrorKind;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

pub struct FloodOptions {
    pub host: Ipv4Addr,
    pub port: u16,
    pub connections: usize,
    /// Seconds of writing in total (warm-up + measured), counted from the first write.
    pub write_sec: f64,
    /// The bytes each connection writes, again and again.
    pub burst: Vec<u8>,
    pub frame_bytes: usize,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

struct Flow {
    fd: Fd,
    connected: bool,
    /// Where in the burst the next write starts.
    offset: usize,
    bursts: u64,
    /// Past the deadline: stop at the end of the current burst.
    finishing: bool,
    half_closed: bool,
    closed: bool,
}

pub fn run_flood(options: &FloodOptions) -> Result<String, String> {
    let mut epoll = Epoll::new(1024).map_err(|e| format!("epoll: {e}"))?;
    let mut flows = open_flows(&mut epoll, options)?;

    let cpu = CpuTime::now();
    let started = Instant::now();
    let stop_at = started + Duration::from_secs_f64(options.write_sec);
    // The connect's EPOLLOUT edge is spent: start every flow by hand.
    for flow in flows.iter_mut() {
        pump(flow, &options.burst)?;
    }
    while Instant::now() < stop_at {
        let timeout = stop_at.saturating_duration_since(Instant::now()).as_millis().min(1000) as i32;
        let ready: Vec<(u64, u32)> = epoll.wait(timeout).map_err(|e| format!("epoll_wait: {e}"))?.iter().map(|e| (e.token, e.events)).collect();
        for (token, events) in ready {
            let flow = &mut flows[token as usize];
            if events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) != 0 {
                drain(flow)?;
                if flow.closed {
                    return Err("the sink closed a connection while the flood was writing".into());
                }
            }
            if events & EPOLLOUT != 0 {
                pump(flow, &options.burst)?;
            }
        }
    }

    // Finish the burst in progress, half-close, and wait for the sink to close each connection.
    for flow in flows.iter_mut() {
        flow.finishing = true;
        pump(flow, &options.burst)?;
        drain(flow)?;
    }
    let give_up = Instant::now() + CLOSE_TIMEOUT;
    while flows.iter().any(|f| !f.closed) {
        if Instant::now() >= give_up {
            return Err(format!("{} connections were not closed by the sink within {} s", flows.iter().filter(|f| !f.closed).count(), CLOSE_TIMEOUT.as_secs()));
        }
        let ready: Vec<(u64, u32)> = epoll.wait(1000).map_err(|e| format!("epoll_wait: {e}"))?.iter().map(|e| (e.token, e.events)).collect();
        for (token, events) in ready {
            let flow = &mut flows[token as usize];
            if events & EPOLLOUT != 0 {
                pump(flow, &options.burst)?;
            }
            drain(flow)?;
        }
    }
    let elapsed_sec = started.elapsed().as_secs_f64();
    let (cpu_sec, system_sec) = CpuTime::now().since(&cpu);

    let bursts: u64 = flows.iter().map(|f| f.bursts).sum();
    Ok(JsonObject::new()
        .str("event", "result")
        .int("connections", flows.len() as u64)
        .int("bytesWritten", bursts * options.burst.len() as u64)
        .int("writeCalls", bursts)
        .num("elapsedSec", elapsed_sec)
        .num("cpuShare", cpu_sec / elapsed_sec)
        .num("systemShare", system_sec / elapsed_sec)
        .int("burstBytes", options.burst.len() as u64)
        .int("frameBytes", options.frame_bytes as u64)
        .finish())
}

/// Connects every flow (edge-triggered from the start); fails as the JS writer does if any connect fails.
fn open_flows(epoll: &mut Epoll, options: &FloodOptions) -> Result<Vec<Flow>, String> {
    let mut flows = Vec::with_capacity(options.connections);
    let mut failures: Vec<String> = Vec::new();
    for token in 0..options.connections {
        match connect_nonblocking(options.host, options.port) {
            Ok((fd, connected)) => {
                epoll.add(&fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, token as u64).map_err(|e| format!("epoll_ctl: {e}"))?;
                flows.push(Flow { fd, connected, offset: 0, bursts: 0, finishing: false, half_closed: false, closed: false });
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    while failures.is_empty() && flows.iter().any(|f| !f.connected) && Instant::now() < deadline {
        for event in epoll.wait(100).map_err(|e| format!("epoll_wait: {e}"))? {
            let flow = &mut flows[event.token as usize];
            if flow.connected || event.events & (EPOLLOUT | EPOLLERR | EPOLLHUP) == 0 {
                continue;
            }
            match flow.fd.take_error() {
                None => flow.connected = true,
                Some(error) => failures.push(error.to_string()),
            }
        }
    }
    let pending = flows.iter().filter(|f| !f.connected).count();
    if failures.is_empty() && pending > 0 {
        failures.push(format!("{pending} connects timed out"));
    }
    match failures.first() {
        None => Ok(flows),
        Some(first) => Err(format!("flood: {} of {} connects failed: {first}", failures.len().max(pending), options.connections)),
    }
}

/// Writes until the socket is full; past the deadline, only to the end of the current burst.
fn pump(flow: &mut Flow, burst: &[u8]) -> Result<(), String> {
    while !flow.half_closed {
        if flow.finishing && flow.offset == 0 {
            flow.fd.shutdown_write();
            flow.half_closed = true;
            return Ok(());
        }
        match flow.fd.write(&burst[flow.offset..]) {
            Ok(n) => {
                flow.offset += n;
                if flow.offset == burst.len() {
                    flow.offset = 0;
                    flow.bursts += 1;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("socket error while writing: {e}")),
        }
    }
    Ok(())
}

/// Reads and drops whatever the sink sends, until EAGAIN (edge-triggered); notes its close.
fn drain(flow: &mut Flow) -> Result<(), String> {
    let mut scratch = [0u8; 4096];
    while !flow.closed {
        match flow.fd.read(&mut scratch) {
            Ok(0) => flow.closed = true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("socket error: {e}")),
        }
    }
    Ok(())
}
