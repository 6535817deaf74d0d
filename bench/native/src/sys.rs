// The few Linux calls the standard library does not expose: epoll, non-blocking sockets,
// getrusage, setrlimit. Declared by hand (no libc crate: the build must work offline). Every fd
// is owned by an `Fd`, which closes it when dropped, so no path can leak one.
use std::io;
use std::net::Ipv4Addr;
use std::os::raw::{c_int, c_long, c_void};

pub const EPOLLIN: u32 = 0x001;
pub const EPOLLOUT: u32 = 0x004;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLET: u32 = 1 << 31;

const EPOLL_CLOEXEC: c_int = 0o2000000;
const EPOLL_CTL_ADD: c_int = 1;
const EPOLL_CTL_MOD: c_int = 3;

const AF_INET: c_int = 2;
const SOCK_STREAM: c_int = 1;
const SOCK_NONBLOCK: c_int = 0o4000;
const SOCK_CLOEXEC: c_int = 0o2000000;
const SOL_SOCKET: c_int = 1;
const SO_REUSEADDR: c_int = 2;
const SO_ERROR: c_int = 4;
const IPPROTO_TCP: c_int = 6;
const TCP_NODELAY: c_int = 1;
const SHUT_WR: c_int = 1;
const RLIMIT_NOFILE: c_int = 7;
const RUSAGE_SELF: c_int = 0;
const EINPROGRESS: i32 = 115;

/// The kernel's struct epoll_event: packed on x86-64 only (see epoll_ctl(2)).
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
#[derive(Clone, Copy)]
pub struct EpollEvent {
    pub events: u32,
    pub token: u64,
}

#[repr(C)]
struct SockaddrIn {
    family: u16,
    port_be: u16,
    addr_be: u32,
    zero: [u8; 8],
}

#[repr(C)]
struct Timeval {
    sec: c_long,
    usec: c_long,
}

#[repr(C)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    rest: [c_long; 14],
}

#[repr(C)]
struct Rlimit {
    cur: u64,
    max: u64,
}

extern "C" {
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut EpollEvent) -> c_int;
    fn epoll_wait(epfd: c_int, events: *mut EpollEvent, maxevents: c_int, timeout: c_int) -> c_int;
    fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
    fn connect(fd: c_int, addr: *const SockaddrIn, len: u32) -> c_int;
    fn bind(fd: c_int, addr: *const SockaddrIn, len: u32) -> c_int;
    fn listen(fd: c_int, backlog: c_int) -> c_int;
    fn accept4(fd: c_int, addr: *mut SockaddrIn, len: *mut u32, flags: c_int) -> c_int;
    fn getsockname(fd: c_int, addr: *mut SockaddrIn, len: *mut u32) -> c_int;
    fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: u32) -> c_int;
    fn getsockopt(fd: c_int, level: c_int, name: c_int, value: *mut c_void, len: *mut u32) -> c_int;
    fn shutdown(fd: c_int, how: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn close(fd: c_int) -> c_int;
    fn getrusage(who: c_int, usage: *mut Rusage) -> c_int;
    fn getrlimit(resource: c_int, limit: *mut Rlimit) -> c_int;
    fn setrlimit(resource: c_int, limit: *const Rlimit) -> c_int;
}

fn check(result: c_int) -> io::Result<c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// An owned file descriptor, closed on drop.
pub struct Fd(c_int);

impl Fd {
    /// One read(2); Ok(0) is end of stream, WouldBlock when nothing is there.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let n = unsafe { read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    /// One write(2); may write fewer bytes than given (the caller keeps the rest).
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let n = unsafe { write(self.0, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    /// Writes as much of `out` as the socket takes and removes it from `out`; what is left
    /// waits for EPOLLOUT. Err on a socket error.
    pub fn write_pending(&self, out: &mut Vec<u8>) -> io::Result<()> {
        let mut written = 0;
        while written < out.len() {
            match self.write(&out[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        out.drain(..written);
        Ok(())
    }

    /// Half-close: FIN after the bytes already written.
    pub fn shutdown_write(&self) {
        unsafe { shutdown(self.0, SHUT_WR) };
    }

    /// The pending error of a non-blocking connect (SO_ERROR), None when it succeeded.
    pub fn take_error(&self) -> Option<io::Error> {
        let mut value: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as u32;
        let result = unsafe { getsockopt(self.0, SOL_SOCKET, SO_ERROR, (&mut value as *mut c_int).cast(), &mut len) };
        if result < 0 {
            return Some(io::Error::last_os_error());
        }
        if value == 0 {
            None
        } else {
            Some(io::Error::from_raw_os_error(value))
        }
    }

    pub fn set_nodelay(&self) {
        let one: c_int = 1;
        unsafe { setsockopt(self.0, IPPROTO_TCP, TCP_NODELAY, (&one as *const c_int).cast(), 4) };
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        unsafe { close(self.0) };
    }
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> SockaddrIn {
    SockaddrIn { family: AF_INET as u16, port_be: port.to_be(), addr_be: u32::from(ip).to_be(), zero: [0; 8] }
}

/// A non-blocking TCP connect. Ok((fd, true)) when it completed at once, (fd, false) when the
/// caller must wait for EPOLLOUT and then read `take_error`.
pub fn connect_nonblocking(ip: Ipv4Addr, port: u16) -> io::Result<(Fd, bool)> {
    let fd = Fd(check(unsafe { socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) })?);
    fd.set_nodelay();
    let addr = sockaddr(ip, port);
    let result = unsafe { connect(fd.0, &addr, std::mem::size_of::<SockaddrIn>() as u32) };
    if result == 0 {
        return Ok((fd, true));
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() == Some(EINPROGRESS) {
        Ok((fd, false))
    } else {
        Err(error)
    }
}

/// A non-blocking listening socket; returns it with the port it got (port 0 = any free port).
pub fn listen_tcp(ip: Ipv4Addr, port: u16) -> io::Result<(Fd, u16)> {
    let fd = Fd(check(unsafe { socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) })?);
    let one: c_int = 1;
    check(unsafe { setsockopt(fd.0, SOL_SOCKET, SO_REUSEADDR, (&one as *const c_int).cast(), 4) })?;
    let addr = sockaddr(ip, port);
    check(unsafe { bind(fd.0, &addr, std::mem::size_of::<SockaddrIn>() as u32) })?;
    // The kernel caps the backlog at net.core.somaxconn: a connection storm's batches of 500
    // must not overflow it at the default of 128.
    check(unsafe { listen(fd.0, 65535) })?;
    let mut bound = sockaddr(ip, 0);
    let mut len = std::mem::size_of::<SockaddrIn>() as u32;
    check(unsafe { getsockname(fd.0, &mut bound, &mut len) })?;
    Ok((fd, u16::from_be(bound.port_be)))
}

/// accept4 with the new socket non-blocking; WouldBlock when the queue is empty.
pub fn accept(listener: &Fd) -> io::Result<Fd> {
    let fd = check(unsafe { accept4(listener.0, std::ptr::null_mut(), std::ptr::null_mut(), SOCK_NONBLOCK | SOCK_CLOEXEC) })?;
    let fd = Fd(fd);
    fd.set_nodelay();
    Ok(fd)
}

pub struct Epoll {
    fd: Fd,
    events: Vec<EpollEvent>,
}

impl Epoll {
    pub fn new(capacity: usize) -> io::Result<Epoll> {
        let fd = Fd(check(unsafe { epoll_create1(EPOLL_CLOEXEC) })?);
        Ok(Epoll { fd, events: vec![EpollEvent { events: 0, token: 0 }; capacity.max(1)] })
    }

    fn ctl(&self, op: c_int, fd: &Fd, events: u32, token: u64) -> io::Result<()> {
        let mut event = EpollEvent { events, token };
        check(unsafe { epoll_ctl(self.fd.0, op, fd.0, &mut event) }).map(|_| ())
    }

    pub fn add(&self, fd: &Fd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(EPOLL_CTL_ADD, fd, events, token)
    }

    pub fn modify(&self, fd: &Fd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(EPOLL_CTL_MOD, fd, events, token)
    }

    /// Waits up to `timeout_ms` (-1: forever); returns the ready events. EINTR is an empty wait.
    pub fn wait(&mut self, timeout_ms: i32) -> io::Result<&[EpollEvent]> {
        let n = unsafe { epoll_wait(self.fd.0, self.events.as_mut_ptr(), self.events.len() as c_int, timeout_ms) };
        if n < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                return Ok(&self.events[..0]);
            }
            return Err(error);
        }
        Ok(&self.events[..n as usize])
    }
}

/// This process's CPU time so far, user and system, in µs.
#[derive(Clone, Copy, Default)]
pub struct CpuTime {
    pub user_micros: u64,
    pub system_micros: u64,
}

impl CpuTime {
    pub fn now() -> CpuTime {
        let mut usage = Rusage { utime: Timeval { sec: 0, usec: 0 }, stime: Timeval { sec: 0, usec: 0 }, rest: [0; 14] };
        unsafe { getrusage(RUSAGE_SELF, &mut usage) };
        let micros = |t: &Timeval| (t.sec as u64) * 1_000_000 + t.usec as u64;
        CpuTime { user_micros: micros(&usage.utime), system_micros: micros(&usage.stime) }
    }

    /// (user + system, system) seconds spent since `earlier`.
    pub fn since(&self, earlier: &CpuTime) -> (f64, f64) {
        let user = self.user_micros.saturating_sub(earlier.user_micros) as f64 / 1e6;
        let system = self.system_micros.saturating_sub(earlier.system_micros) as f64 / 1e6;
        (user + system, system)
    }
}

/// Raises the soft open-file limit to the hard one (Node does the same at start-up): a
/// 5,000-connection storm needs more than the usual soft limit of 1,024.
pub fn raise_fd_limit() {
    let mut limit = Rlimit { cur: 0, max: 0 };
    if unsafe { getrlimit(RLIMIT_NOFILE, &mut limit) } == 0 && limit.cur < limit.max {
        limit.cur = limit.max;
        unsafe { setrlimit(RLIMIT_NOFILE, &limit) };
    }
}
