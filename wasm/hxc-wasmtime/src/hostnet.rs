//! The socket side of `hostnet_v1` (wasm/README.md, section 3): a handle
//! table of non-blocking TCP sockets under the connection policy and the
//! quotas, with the Node reference host's results call for call.
//!
//! Everything here works on plain Rust slices: `link` (at the bottom) is the
//! thin layer that checks the guest's pointers and hands slices of its
//! memory to these methods. Sockets are driven through `rustix` (safe
//! wrappers of socket(2), connect(2), send(2), recv(2), poll(2)); only
//! `poll` blocks, and never past the wall-clock deadline.

use crate::audit;
use crate::policy::{self, Policy};
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::{
    self as rnet, AddressFamily, RecvFlags, SendFlags, Shutdown, SocketFlags, SocketType,
};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Caller, Extern, Linker};

/// WASI preview1 errno numbers; results are their negation.
pub mod errno {
    pub const EACCES: i32 = 2;
    pub const EAGAIN: i32 = 6;
    pub const EBADF: i32 = 8;
    pub const ECONNREFUSED: i32 = 14;
    pub const ECONNRESET: i32 = 15;
    pub const EFAULT: i32 = 21;
    pub const EHOSTUNREACH: i32 = 23;
    pub const EINPROGRESS: i32 = 26;
    pub const EINVAL: i32 = 28;
    pub const ENETUNREACH: i32 = 40;
    pub const ENOBUFS: i32 = 42;
    pub const ENOENT: i32 = 44;
    pub const ENOTCONN: i32 = 53;
    pub const EPIPE: i32 = 64;
    pub const ETIMEDOUT: i32 = 73;
}
use errno::*;

pub const POLLIN: i16 = 0x1;
pub const POLLOUT: i16 = 0x2;
pub const POLLERR: i16 = 0x1000;
pub const POLLHUP: i16 = 0x2000;
pub const POLLNVAL: i16 = 0x4000;

/// Bytes one `send` call takes at most (as the Node host).
const SEND_MAX: usize = 64 * 1024;
/// `poll` entries at most (the ABI asks for at least 1024).
const MAX_POLL_FDS: i32 = 8192;
/// A host name or `[IPv6 literal]`, in bytes.
const MAX_HOST_LEN: i32 = 253 + 2;

/// Quotas; `None` is no limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub max_conns: Option<u64>,
    pub max_total_conns: Option<u64>,
    pub max_bytes_in: Option<u64>,
    pub max_bytes_out: Option<u64>,
}

/// What the module did, for quotas (and for an embedder to report).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub connects: u64,
    pub denied: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub open: u64,
    pub peak_open: u64,
}

/// The wall-clock limit passed while the module waited in `poll`: the
/// import returns this as an error, which ends the module (exit 124).
#[derive(Debug)]
pub struct WallClockExceeded;

impl std::fmt::Display for WallClockExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the wall-clock limit passed while the module waited in hostnet_v1.poll")
    }
}
impl std::error::Error for WallClockExceeded {}

/// Native errno -> WASI errno, as the Node host maps Node's error codes;
/// anything else is ECONNREFUSED while connecting, ECONNRESET after.
fn wasi_errno(e: Errno, connecting: bool) -> i32 {
    match e {
        Errno::CONNREFUSED => ECONNREFUSED,
        Errno::CONNRESET => ECONNRESET,
        Errno::HOSTUNREACH | Errno::ADDRNOTAVAIL => EHOSTUNREACH,
        Errno::NETUNREACH | Errno::NETDOWN => ENETUNREACH,
        Errno::TIMEDOUT => ETIMEDOUT,
        Errno::PIPE => EPIPE,
        Errno::ACCESS => EACCES,
        _ if connecting => ECONNREFUSED,
        _ => ECONNRESET,
    }
}

/// One handle: a TCP connection and what the module has done with it.
struct Conn {
    name: String,
    port: u16,
    /// allowed addresses not tried yet (the next one is dialled when a connect fails)
    addrs: VecDeque<SocketAddr>,
    /// `None` once the byte quota dropped the connection
    sock: Option<OwnedFd>,
    connecting: bool,
    /// WASI errno of a failure, 0 if none
    err: i32,
    eof: bool,
    shut_rd: bool,
    shut_wr: bool,
    quota_in: bool,
}

pub struct HostNet {
    policy: Arc<Policy>,
    /// `--resolve` pins: name -> addresses (text, checked like DNS answers)
    resolve: HashMap<String, Vec<String>>,
    audit: bool,
    limits: Limits,
    conns: HashMap<i32, Conn>,
    next_id: i32,
    pub stats: Stats,
    /// the wall-clock limit, which `poll` never waits past
    pub deadline: Option<Instant>,
}

/// A name the ABI accepts: `[v6 literal]` or `[A-Za-z0-9_.:-]+` (the Node
/// host's `NAME_RE`).
fn valid_name(raw: &[u8]) -> bool {
    let all = |s: &[u8], ok: fn(&u8) -> bool| !s.is_empty() && s.iter().all(ok);
    match raw {
        [b'[', inner @ .., b']'] => all(inner, |b| b.is_ascii_hexdigit() || b":.".contains(b)),
        _ => all(raw, |b| b.is_ascii_alphanumeric() || b"_.:-".contains(b)),
    }
}

/// The IP address of a literal the policy accepted (`010.0.0.1` is 10.0.0.1
/// there too), or `None`.
pub fn literal_ip(text: &str) -> Option<IpAddr> {
    policy::Addr::parse(text)?;
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let b: Vec<u8> = parts
            .iter()
            .map(|p| p.parse::<u8>().ok())
            .collect::<Option<_>>()?;
        return Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])));
    }
    text.split('%').next()?.parse().ok()
}

fn zero() -> Timespec {
    Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }
}

/// Readiness of one socket now (poll(2) with timeout 0).
fn probe(fd: &OwnedFd, events: PollFlags) -> PollFlags {
    let mut p = [PollFd::new(fd, events)];
    match rustix::event::poll(&mut p, Some(&zero())) {
        Ok(_) => p[0].revents(),
        Err(_) => PollFlags::empty(),
    }
}

/// Reads and drops whatever is buffered (a shut-down read side discards data).
fn drain(fd: &OwnedFd) {
    let mut scratch = [0u8; 16384];
    while let Ok((n, _)) = rnet::recv(fd, &mut scratch[..], RecvFlags::DONTWAIT) {
        if n == 0 {
            break;
        }
    }
}

impl HostNet {
    pub fn new(
        policy: Arc<Policy>,
        resolve: HashMap<String, Vec<String>>,
        audit: bool,
        limits: Limits,
    ) -> HostNet {
        HostNet {
            policy,
            resolve,
            audit,
            limits,
            conns: HashMap::new(),
            next_id: 1,
            stats: Stats::default(),
            deadline: None,
        }
    }

    fn deny(&mut self, name: &str, port: i32, reason: &str, errno: i32) -> i32 {
        self.stats.denied += 1;
        if self.audit {
            audit::decision(name, port, None, &Err(reason.to_string()));
        }
        -errno
    }

    /// `connect(host, port, flags)`: policy on the name, resolution in the
    /// host, policy on every address, then a non-blocking connect to the
    /// first allowed address (the next ones if it fails).
    pub fn connect(&mut self, host: &[u8], port: i32, flags: i32) -> i32 {
        if flags != 0 || !(1..=65535).contains(&port) || !valid_name(host) {
            return -EINVAL;
        }
        // ASCII by the check above
        let name = policy::normalize_name(&String::from_utf8_lossy(host));
        if let Some(reason) = self.policy.precheck(&name, port as u32) {
            return self.deny(&name, port, &reason, EACCES);
        }
        let (open, made) = (self.stats.open, self.stats.connects);
        if let Some(max) = self.limits.max_conns.filter(|&m| open >= m) {
            return self.deny(
                &name,
                port,
                &format!("quota: {max} concurrent connections already open (max-conns)"),
                ENOBUFS,
            );
        }
        if let Some(max) = self.limits.max_total_conns.filter(|&m| made >= m) {
            return self.deny(
                &name,
                port,
                &format!("quota: {max} connections already made (max-total-conns)"),
                ENOBUFS,
            );
        }
        let addrs: Vec<String> = if policy::Addr::parse(&name).is_some() {
            vec![name.clone()]
        } else if let Some(pinned) = self.resolve.get(&name) {
            pinned.clone()
        } else {
            match (name.as_str(), port as u16).to_socket_addrs() {
                Ok(it) => it.map(|a| a.ip().to_string()).collect(),
                Err(e) => {
                    return self.deny(
                        &name,
                        port,
                        &format!("cannot resolve '{name}': {e}"),
                        ENOENT,
                    );
                }
            }
        };
        if addrs.is_empty() {
            return self.deny(&name, port, &format!("'{name}' has no addresses"), ENOENT);
        }
        let mut allowed = VecDeque::new();
        for a in &addrs {
            let d = self.policy.check(&name, port as u32, a);
            if self.audit {
                audit::decision(&name, port, Some(a), &d);
            }
            if d.is_ok() {
                // an address the policy parsed always has an IP
                if let Some(ip) = literal_ip(a) {
                    allowed.push_back(SocketAddr::new(ip, port as u16));
                }
            }
        }
        if allowed.is_empty() {
            self.stats.denied += 1;
            return -EACCES;
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut c = Conn {
            name,
            port: port as u16,
            addrs: allowed,
            sock: None,
            connecting: true,
            err: 0,
            eof: false,
            shut_rd: false,
            shut_wr: false,
            quota_in: false,
        };
        dial(&mut c);
        self.conns.insert(id, c);
        self.stats.connects += 1;
        self.stats.open += 1;
        self.stats.peak_open = self.stats.peak_open.max(self.stats.open);
        id
    }

    pub fn status(&mut self, id: i32) -> i32 {
        let Some(c) = self.conns.get_mut(&id) else {
            return -EBADF;
        };
        if let Some(fd) = &c.sock {
            let r = probe(fd, PollFlags::OUT);
            settle(c, r);
        }
        if c.err != 0 {
            return -c.err;
        }
        if c.connecting { -EINPROGRESS } else { 0 }
    }

    pub fn send(&mut self, id: i32, data: &[u8]) -> i32 {
        let room = self
            .limits
            .max_bytes_out
            .map(|m| m.saturating_sub(self.stats.bytes_out));
        let c = match connected(&mut self.conns, id, -EAGAIN) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if c.shut_wr {
            return -EPIPE;
        }
        let Some(fd) = &c.sock else {
            return -ECONNRESET;
        };
        if data.is_empty() {
            return 0;
        }
        if room == Some(0) {
            return -ENOBUFS;
        }
        let n = data
            .len()
            .min(SEND_MAX)
            .min(room.unwrap_or(u64::MAX).try_into().unwrap_or(usize::MAX));
        match rnet::send(fd, &data[..n], SendFlags::NOSIGNAL | SendFlags::DONTWAIT) {
            Ok(k) => {
                self.stats.bytes_out += k as u64;
                k as i32
            }
            Err(Errno::AGAIN) => -EAGAIN,
            Err(e) => {
                c.err = wasi_errno(e, false);
                -c.err
            }
        }
    }

    pub fn recv(&mut self, id: i32, buf: &mut [u8]) -> i32 {
        let room = self
            .limits
            .max_bytes_in
            .map(|m| m.saturating_sub(self.stats.bytes_in));
        let audit = self.audit;
        let Some(c) = self.conns.get_mut(&id) else {
            return -EBADF;
        };
        refresh(c);
        if c.quota_in {
            return -ENOBUFS;
        }
        if c.shut_rd && c.err == 0 {
            return 0;
        }
        if c.eof && c.err == 0 {
            return 0;
        }
        if buf.is_empty() && c.err == 0 {
            return 0;
        }
        let Some(fd) = &c.sock else {
            return if c.err != 0 { -c.err } else { 0 };
        };
        if c.connecting && c.err == 0 {
            return -EAGAIN;
        }
        // After a failure the bytes that arrived before it still come first.
        if c.err != 0 {
            return match rnet::recv(fd, &mut buf[..], RecvFlags::DONTWAIT) {
                Ok((n, _)) if n > 0 && !c.shut_rd => {
                    self.stats.bytes_in += n as u64;
                    n as i32
                }
                _ => -c.err,
            };
        }
        if room == Some(0) {
            // At the quota: more data drops the connection; an EOF is still an EOF.
            let mut one = [0u8; 1];
            return match rnet::recv(fd, &mut one[..], RecvFlags::DONTWAIT | RecvFlags::PEEK) {
                Ok((0, _)) => {
                    c.eof = true;
                    0
                }
                Ok(_) => {
                    c.quota_in = true;
                    c.sock = None; // closes the socket
                    if audit {
                        audit::quota(&c.name, c.port, self.limits.max_bytes_in.unwrap_or(0));
                    }
                    -ENOBUFS
                }
                Err(Errno::AGAIN) => -EAGAIN,
                Err(e) => {
                    c.err = wasi_errno(e, false);
                    -c.err
                }
            };
        }
        let n = buf
            .len()
            .min(room.unwrap_or(u64::MAX).try_into().unwrap_or(usize::MAX));
        match rnet::recv(fd, &mut buf[..n], RecvFlags::DONTWAIT) {
            Ok((0, _)) => {
                c.eof = true;
                0
            }
            Ok((k, _)) => {
                self.stats.bytes_in += k as u64;
                k as i32
            }
            Err(Errno::AGAIN) => -EAGAIN,
            Err(e) => {
                c.err = wasi_errno(e, false);
                -c.err
            }
        }
    }

    pub fn shutdown(&mut self, id: i32, how: i32) -> i32 {
        if !(0..=2).contains(&how) {
            return -EINVAL;
        }
        let c = match connected(&mut self.conns, id, -ENOTCONN) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if how != 1 {
            c.shut_rd = true;
            if let Some(fd) = &c.sock {
                drain(fd);
            }
        }
        if how != 0 && !c.shut_wr {
            c.shut_wr = true;
            if let Some(fd) = &c.sock {
                // a FIN after the queued bytes; a failure shows in the next call
                let _ = rnet::shutdown(fd, Shutdown::Write);
            }
        }
        0
    }

    /// Releases the handle. A connected socket sends its FIN after the
    /// queued bytes, which the kernel flushes after close(2) (best effort,
    /// without holding the host); unread input is dropped first so that
    /// close(2) does not turn into a reset.
    pub fn close(&mut self, id: i32) -> i32 {
        let Some(c) = self.conns.remove(&id) else {
            return -EBADF;
        };
        self.stats.open -= 1;
        if let (Some(fd), false, 0) = (&c.sock, c.connecting, c.err) {
            if !c.shut_wr {
                let _ = rnet::shutdown(fd, Shutdown::Write);
            }
            drain(fd);
        }
        0
    }

    /// The `revents` for one entry, Node host's rules (wasm/README.md, poll).
    fn revents(&self, fd: i32, events: i16, native: PollFlags) -> i16 {
        if fd < 0 {
            return 0;
        }
        let Some(c) = self.conns.get(&fd) else {
            return POLLNVAL;
        };
        if c.err != 0 {
            return POLLERR | POLLHUP | (events & (POLLIN | POLLOUT));
        }
        if c.connecting {
            return 0;
        }
        let closed = c.sock.is_none();
        let hup = closed || native.contains(PollFlags::HUP);
        let mut r = 0;
        if native.contains(PollFlags::IN) || hup || c.eof || c.shut_rd || c.quota_in {
            r |= events & POLLIN;
        }
        if !c.shut_wr && !closed && native.contains(PollFlags::OUT) {
            r |= events & POLLOUT;
        }
        if hup {
            r |= POLLHUP;
        }
        r
    }

    /// `poll(entries, timeout_ms)`: `entries` is the module's array of
    /// 8-byte entries (copied out of its memory by the caller); fills in
    /// every `revents` and returns the number of ready entries. Waits until
    /// one is ready or the timeout passes, and never past the wall-clock
    /// deadline (then `WallClockExceeded`).
    pub fn poll(&mut self, ents: &mut [u8], timeout_ms: i32) -> Result<i32, WallClockExceeded> {
        let until =
            (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        let parsed: Vec<(i32, i16)> = ents
            .chunks_exact(8)
            .map(|e| {
                (
                    i32::from_le_bytes([e[0], e[1], e[2], e[3]]),
                    i16::from_le_bytes([e[4], e[5]]),
                )
            })
            .collect();
        loop {
            // 1. the state now: native readiness without waiting
            let native = self.native_poll(&parsed, Some(Duration::ZERO));
            let mut ready = 0;
            for (i, &(fd, events)) in parsed.iter().enumerate() {
                let r = self.revents(fd, events, native[i]);
                ents[i * 8 + 6..i * 8 + 8].copy_from_slice(&r.to_le_bytes());
                if r != 0 {
                    ready += 1;
                }
            }
            let now = Instant::now();
            if ready > 0 || timeout_ms == 0 || until.is_some_and(|u| now >= u) {
                return Ok(ready);
            }
            if self.deadline.is_some_and(|d| now >= d) {
                return Err(WallClockExceeded);
            }
            // 2. wait for a socket event, the timeout or the wall-clock deadline
            let wait = [until, self.deadline]
                .into_iter()
                .flatten()
                .min()
                .map(|t| t.saturating_duration_since(now));
            self.native_poll(&parsed, wait);
        }
    }

    /// poll(2) over the entries' sockets for what would change their
    /// `revents` (connect completion, readable, writable); settles connects
    /// that finished. Returns the native flags per entry.
    fn native_poll(&mut self, ents: &[(i32, i16)], wait: Option<Duration>) -> Vec<PollFlags> {
        let mut idx = Vec::with_capacity(ents.len());
        let mut out = vec![PollFlags::empty(); ents.len()];
        {
            let mut fds = Vec::with_capacity(ents.len());
            for (i, &(fd, events)) in ents.iter().enumerate() {
                let Some(c) = (fd >= 0).then(|| self.conns.get(&fd)).flatten() else {
                    continue;
                };
                let Some(sock) = &c.sock else { continue };
                let want = if c.connecting {
                    PollFlags::OUT
                } else {
                    let mut w = PollFlags::empty();
                    if events & POLLIN != 0 && !c.shut_rd && !c.eof {
                        w |= PollFlags::IN;
                    }
                    if events & POLLOUT != 0 && !c.shut_wr {
                        w |= PollFlags::OUT;
                    }
                    w
                };
                fds.push(PollFd::new(sock, want));
                idx.push(i);
            }
            let ts = wait.map(|d| Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: d.subsec_nanos() as i64,
            });
            let polled = if fds.is_empty() {
                if let Some(d) = wait {
                    std::thread::sleep(d);
                } else {
                    // nothing can ever become ready: only the wall-clock limit ends this
                    std::thread::sleep(Duration::from_secs(3600));
                }
                false
            } else {
                loop {
                    match rustix::event::poll(&mut fds, ts.as_ref()) {
                        Err(Errno::INTR) => continue,
                        r => break r.is_ok(),
                    }
                }
            };
            if polled {
                for (k, p) in fds.iter().enumerate() {
                    out[idx[k]] = p.revents();
                }
            }
        }
        for (i, &(fd, _)) in ents.iter().enumerate() {
            if let Some(c) = self.conns.get_mut(&fd) {
                settle(c, out[i]);
                if c.shut_rd
                    && let Some(s) = &c.sock
                {
                    drain(s);
                }
            }
        }
        out
    }
}

/// Starts a non-blocking connect to the next allowed address; on an
/// immediate failure tries the following ones, and records the last error.
fn dial(c: &mut Conn) {
    while let Some(addr) = c.addrs.pop_front() {
        let family = if addr.is_ipv4() {
            AddressFamily::INET
        } else {
            AddressFamily::INET6
        };
        let r = rnet::socket_with(
            family,
            SocketType::STREAM,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        )
        .and_then(|fd| {
            let _ = rnet::sockopt::set_tcp_nodelay(&fd, true);
            match rnet::connect(&fd, &addr) {
                Ok(()) | Err(Errno::INPROGRESS) => Ok(fd),
                Err(e) => Err(e),
            }
        });
        match r {
            Ok(fd) => {
                c.sock = Some(fd);
                c.connecting = true;
                return;
            }
            Err(e) => {
                c.sock = None;
                c.err = wasi_errno(e, true);
            }
        }
    }
}

/// Applies what poll(2) said about a socket: a connect that finished
/// (connected, or failed: then the next address), or a failure later on.
fn settle(c: &mut Conn, native: PollFlags) {
    let Some(fd) = &c.sock else { return };
    let done = PollFlags::OUT | PollFlags::ERR | PollFlags::HUP;
    if c.connecting && c.err == 0 && native.intersects(done) {
        match rnet::sockopt::socket_error(fd) {
            Ok(Ok(())) => c.connecting = false,
            Ok(Err(e)) | Err(e) => {
                if c.addrs.is_empty() {
                    c.err = wasi_errno(e, true);
                } else {
                    c.sock = None;
                    dial(c);
                }
            }
        }
    } else if !c.connecting && c.err == 0 && native.contains(PollFlags::ERR) {
        c.err = match rnet::sockopt::socket_error(fd) {
            Ok(Err(e)) | Err(e) => wasi_errno(e, false),
            Ok(Ok(())) => ECONNRESET,
        };
    }
}

/// The connection behind handle `id`, its state refreshed, once it is
/// connected; otherwise the -errno to answer: -EBADF for an unknown handle,
/// the connection's error, or `connecting` while the connect still runs.
fn connected(conns: &mut HashMap<i32, Conn>, id: i32, connecting: i32) -> Result<&mut Conn, i32> {
    let c = conns.get_mut(&id).ok_or(-EBADF)?;
    refresh(c);
    if c.err != 0 {
        return Err(-c.err);
    }
    if c.connecting {
        return Err(connecting);
    }
    Ok(c)
}

/// Settles a pending connect before a call that depends on it.
fn refresh(c: &mut Conn) {
    if c.connecting
        && c.err == 0
        && let Some(fd) = &c.sock
    {
        let r = probe(fd, PollFlags::OUT);
        settle(c, r);
    }
}

// ---------------------------------------------------------------------------
// The imports: guest pointers -> slices of the module's memory.

/// What the store's data must give the imports.
pub trait HasHostNet {
    fn hostnet(&mut self) -> &mut HostNet;
}

/// `[ptr, ptr + len)` in a memory of `size` bytes, or the -errno for it.
fn range(size: usize, ptr: i32, len: i32) -> Result<std::ops::Range<usize>, i32> {
    if len < 0 {
        return Err(-EINVAL);
    }
    let start = ptr as u32 as usize;
    let end = start.checked_add(len as usize).ok_or(-EFAULT)?;
    if end > size {
        return Err(-EFAULT);
    }
    Ok(start..end)
}

fn memory<T>(caller: &mut Caller<'_, T>) -> Option<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Some(m),
        _ => None,
    }
}

/// Defines the seven `hostnet_v1` functions in `linker`. Every argument
/// error is a `-errno` result, never a trap; the only error returned to
/// wasmtime (which ends the module) is `WallClockExceeded` from `poll`.
pub fn link<T: HasHostNet + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    const M: &str = "hostnet_v1";
    linker.func_wrap(
        M,
        "connect",
        |mut caller: Caller<'_, T>, ptr: i32, len: i32, port: i32, flags: i32| -> i32 {
            if len <= 0 || len > MAX_HOST_LEN {
                return -EINVAL;
            }
            let Some(mem) = memory(&mut caller) else {
                return -EFAULT;
            };
            let (data, host) = mem.data_and_store_mut(&mut caller);
            match range(data.len(), ptr, len) {
                Ok(r) => {
                    let name = data[r].to_vec();
                    host.hostnet().connect(&name, port, flags)
                }
                Err(e) => e,
            }
        },
    )?;
    linker.func_wrap(M, "status", |mut caller: Caller<'_, T>, h: i32| -> i32 {
        caller.data_mut().hostnet().status(h)
    })?;
    linker.func_wrap(
        M,
        "send",
        |mut caller: Caller<'_, T>, h: i32, ptr: i32, len: i32| -> i32 {
            let Some(mem) = memory(&mut caller) else {
                return -EFAULT;
            };
            let (data, host) = mem.data_and_store_mut(&mut caller);
            match range(data.len(), ptr, len) {
                Ok(r) => host.hostnet().send(h, &data[r]),
                Err(e) => e,
            }
        },
    )?;
    linker.func_wrap(
        M,
        "recv",
        |mut caller: Caller<'_, T>, h: i32, ptr: i32, len: i32| -> i32 {
            let Some(mem) = memory(&mut caller) else {
                return -EFAULT;
            };
            let (data, host) = mem.data_and_store_mut(&mut caller);
            match range(data.len(), ptr, len) {
                Ok(r) => host.hostnet().recv(h, &mut data[r]),
                Err(e) => e,
            }
        },
    )?;
    linker.func_wrap(
        M,
        "poll",
        |mut caller: Caller<'_, T>,
         ptr: i32,
         nfds: i32,
         timeout_ms: i32|
         -> wasmtime::Result<i32> {
            if !(0..=MAX_POLL_FDS).contains(&nfds) {
                return Ok(-EINVAL);
            }
            let Some(mem) = memory(&mut caller) else {
                return Ok(-EFAULT);
            };
            let r = match range(mem.data_size(&caller), ptr, nfds * 8) {
                Ok(r) => r,
                Err(e) => return Ok(e),
            };
            // A copy: no pointer into module memory is kept across the wait.
            let mut ents = mem.data(&caller)[r.clone()].to_vec();
            let n = caller.data_mut().hostnet().poll(&mut ents, timeout_ms)?;
            mem.data_mut(&mut caller)[r].copy_from_slice(&ents);
            Ok(n)
        },
    )?;
    linker.func_wrap(
        M,
        "shutdown",
        |mut caller: Caller<'_, T>, h: i32, how: i32| -> i32 {
            caller.data_mut().hostnet().shutdown(h, how)
        },
    )?;
    linker.func_wrap(M, "close", |mut caller: Caller<'_, T>, h: i32| -> i32 {
        caller.data_mut().hostnet().close(h)
    })?;
    Ok(())
}
