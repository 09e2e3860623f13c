//! TCP sockets: listeners and connections (libuv's `uv_tcp_t`, Node's `net.Socket` and
//! `net.Server` underneath).

use crate::stream::{self, StreamId};
use ruv_core::{Code, Error, Loop, Result};
use socket2::{Domain, Protocol, SockAddr, Socket, TcpKeepalive, Type};
use std::net::SocketAddr;
use std::time::Duration;

/// A TCP socket on a loop: a `Copy` id; a stale id (after its close callback ran) is
/// `EBADF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tcp(pub(crate) StreamId);

/// Options for [`Tcp::bind_with`].
#[derive(Clone, Copy, Debug)]
pub struct BindOptions {
    /// `SO_REUSEADDR` (default on, as libuv: a restarted server can bind while old
    /// connections sit in TIME_WAIT).
    pub reuse_address: bool,
    /// `SO_REUSEPORT` (default off): several sockets, e.g. one per process, share the port.
    pub reuse_port: bool,
    /// `IPV6_V6ONLY` for IPv6 addresses (default off: dual stack, as libuv).
    pub ipv6_only: bool,
}

impl Default for BindOptions {
    fn default() -> Self {
        BindOptions {
            reuse_address: true,
            reuse_port: false,
            ipv6_only: false,
        }
    }
}

fn new_socket(addr: &SocketAddr) -> Result<Socket> {
    Socket::new(
        Domain::for_address(*addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )
    .map_err(|e| Error::from_io(&e, "socket"))
}

impl Tcp {
    /// Creates a socket bound to `addr` (port 0: an ephemeral port), ready for
    /// [`listen`](Tcp::listen). `EADDRINUSE` when the address is taken.
    pub fn bind<S: 'static>(lp: &mut Loop<S>, addr: SocketAddr) -> Result<Tcp> {
        Tcp::bind_with(lp, addr, BindOptions::default())
    }

    /// [`bind`](Tcp::bind) with options.
    pub fn bind_with<S: 'static>(
        lp: &mut Loop<S>,
        addr: SocketAddr,
        opts: BindOptions,
    ) -> Result<Tcp> {
        let sock = new_socket(&addr)?;
        let opt = |r: std::io::Result<()>| r.map_err(|e| Error::from_io(&e, "setsockopt"));
        opt(sock.set_reuse_address(opts.reuse_address))?;
        if opts.reuse_port {
            opt(sock.set_reuse_port(true))?;
        }
        if addr.is_ipv6() {
            opt(sock.set_only_v6(opts.ipv6_only))?;
        }
        sock.bind(&SockAddr::from(addr))
            .map_err(|e| Error::from_io(&e, "bind"))?;
        Ok(Tcp(stream::insert(lp, sock)?))
    }

    /// Starts listening; `on_connection` runs for every incoming connection (call
    /// [`accept`](Tcp::accept) inside it: a connection not accepted there is closed) or
    /// with an accept error (`EMFILE` when out of fds: see docs/networking.md).
    pub fn listen<S: 'static>(
        self,
        lp: &mut Loop<S>,
        backlog: i32,
        mut on_connection: impl FnMut(&mut Loop<S>, &mut S, Tcp, Result<()>) + 'static,
    ) -> Result<()> {
        stream::listen_start(
            lp,
            self.0,
            backlog,
            Box::new(move |lp, s, id, r| on_connection(lp, s, Tcp(id), r)),
        )
    }

    /// Takes the connection being reported to the connection callback (`EAGAIN` outside it).
    pub fn accept<S: 'static>(self, lp: &mut Loop<S>) -> Result<Tcp> {
        Ok(Tcp(stream::accept(lp, self.0)?))
    }

    /// Connects to `addr`; `cb` gets the outcome (`ECONNREFUSED`, `ETIMEDOUT`,
    /// `ENETUNREACH` …) from the loop, never from inside this call. Writes made before the
    /// connection completes are queued.
    pub fn connect<S: 'static>(
        lp: &mut Loop<S>,
        addr: SocketAddr,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
    ) -> Result<Tcp> {
        let sock = new_socket(&addr)?;
        let id = stream::insert(lp, sock)?;
        if let Err(e) = stream::connect_start(lp, id, &SockAddr::from(addr), Box::new(cb)) {
            let _ = stream::close(lp, id, None);
            return Err(e);
        }
        Ok(Tcp(id))
    }

    /// Starts reading: `on_read` gets each chunk (a slice of a loop-wide 64 KiB buffer,
    /// valid during the call), then `Err(EOF)` at the end, or `Err(ECONNRESET)` etc. Reading
    /// stops by itself after EOF or an error.
    pub fn read_start<S: 'static>(
        self,
        lp: &mut Loop<S>,
        mut on_read: impl FnMut(&mut Loop<S>, &mut S, Tcp, Result<&[u8]>) + 'static,
    ) -> Result<()> {
        stream::read_start(
            lp,
            self.0,
            Box::new(move |lp, s, id, r| on_read(lp, s, Tcp(id), r)),
        )
    }

    /// Stops reading (data waits in the kernel; the peer is slowed by TCP's flow control).
    pub fn read_stop<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        stream::read_stop(lp, self.0)
    }

    /// Queues `data` (FIFO) and tries to write it at once; `cb` runs from the loop once it
    /// is all written, or with the error (`EPIPE`, `ECONNRESET`, `ECANCELED` on close).
    ///
    /// Returns Node's backpressure signal: `false` once the queued bytes reach the
    /// high-water mark (16 KiB by default): wait for the drain callback before writing
    /// more. `EPIPE` (and `cb` is not called) after [`shutdown`](Tcp::shutdown).
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
    ) -> Result<bool> {
        stream::write(lp, self.0, Box::new(data), Some(Box::new(cb)))
    }

    /// [`write`](Tcp::write) without a completion callback.
    pub fn write_nocb<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
    ) -> Result<bool> {
        stream::write(lp, self.0, Box::new(data), None)
    }

    /// Writes what the socket takes now, without queueing: the count written, or `EAGAIN`
    /// if writes are queued or the socket buffer is full.
    pub fn try_write<S: 'static>(self, lp: &mut Loop<S>, data: &[u8]) -> Result<usize> {
        stream::try_write(lp, self.0, data)
    }

    /// Bytes queued and not yet written.
    pub fn write_queue_size<S: 'static>(self, lp: &mut Loop<S>) -> Result<usize> {
        stream::write_queue_size(lp, self.0)
    }

    /// Sets the high-water mark for [`write`](Tcp::write)'s return value.
    pub fn set_high_water_mark<S: 'static>(self, lp: &mut Loop<S>, bytes: usize) -> Result<()> {
        stream::set_high_water_mark(lp, self.0, bytes)
    }

    /// Node's `'drain'`: `cb` runs (deferred) when the queue empties after a write returned
    /// `false`.
    pub fn on_drain<S: 'static>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Tcp) + 'static,
    ) -> Result<()> {
        stream::set_on_drain(
            lp,
            self.0,
            Some(Box::new(move |lp, s, id| cb(lp, s, Tcp(id)))),
        )
    }

    /// Half-close: after the queued writes, sends FIN; reading continues. `cb` gets the
    /// outcome (ECANCELED if the socket closes first).
    pub fn shutdown<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
    ) -> Result<()> {
        stream::shutdown(lp, self.0, Box::new(cb))
    }

    /// Closes the socket now (its fd is released at once); queued writes, a pending connect
    /// or shutdown get `ECANCELED`, then `cb` runs in the loop's closing phase.
    pub fn close<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S) + 'static,
    ) -> Result<()> {
        stream::close(lp, self.0, Some(Box::new(cb)))
    }

    /// [`close`](Tcp::close) without a close callback.
    pub fn close_silently<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        stream::close(lp, self.0, None)
    }

    /// Whether `close` was called (or the id is stale).
    pub fn is_closing<S: 'static>(self, lp: &mut Loop<S>) -> bool {
        stream::is_closing(lp, self.0)
    }

    /// Referenced (default) or not: an unreferenced socket does not keep the loop alive.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        stream::set_ref(lp, self.0, on)
    }

    /// `TCP_NODELAY` (Nagle off when true).
    pub fn set_nodelay<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        stream::sock(lp, self.0)?
            .set_tcp_nodelay(on)
            .map_err(|e| Error::from_io(&e, "setsockopt"))
    }

    /// `SO_KEEPALIVE`, with the idle time before the first probe when enabling.
    pub fn set_keepalive<S: 'static>(
        self,
        lp: &mut Loop<S>,
        on: bool,
        delay: Duration,
    ) -> Result<()> {
        let sock = stream::sock(lp, self.0)?;
        let r = if on {
            sock.set_tcp_keepalive(
                &TcpKeepalive::new().with_time(delay.max(Duration::from_secs(1))),
            )
        } else {
            sock.set_keepalive(false)
        };
        r.map_err(|e| Error::from_io(&e, "setsockopt"))
    }

    /// The local address.
    pub fn local_addr<S: 'static>(self, lp: &mut Loop<S>) -> Result<SocketAddr> {
        let a = stream::sock(lp, self.0)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))?;
        a.as_socket().ok_or_else(|| Error::new(Code::EINVAL))
    }

    /// The peer's address (`ENOTCONN` if not connected).
    pub fn peer_addr<S: 'static>(self, lp: &mut Loop<S>) -> Result<SocketAddr> {
        let a = stream::sock(lp, self.0)?
            .peer_addr()
            .map_err(|e| Error::from_io(&e, "getpeername"))?;
        a.as_socket().ok_or_else(|| Error::new(Code::EINVAL))
    }
}
