//! TCP sockets: listeners and connections (libuv's `uv_tcp_t`, Node's `net.Socket` and
//! `net.Server` underneath).

use crate::closing::DoneFn;
use crate::macros::stream_methods;
use crate::stream::{self, StreamId};
use ruv_core::registry::Callback;
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{CallbackResult, CloseToken, Code, Error, Loop, Result};
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

stream_methods!(Tcp);

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
        Ok(Tcp(stream::insert(lp, sock, false)?))
    }

    /// Connects to `addr`; `cb` gets the outcome (`ECONNREFUSED`, `ETIMEDOUT`,
    /// `ENETUNREACH` …) from the loop, never from inside this call. Writes made before the
    /// connection completes are queued.
    #[track_caller]
    pub fn connect<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        addr: SocketAddr,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<Tcp> {
        let sock = new_socket(&addr)?;
        let id = stream::insert(lp, sock, false)?;
        if let Err(e) =
            stream::connect_start(lp, id, &SockAddr::from(addr), crate::closing::done(cb))
        {
            let _ = stream::close(lp, id, None).map(drop);
            return Err(e);
        }
        Ok(Tcp(id))
    }

    /// Wraps a TCP socket the caller already holds (Node's `new net.Socket({ fd })`, or a
    /// listening socket handed over by another process, as the cluster's workers get
    /// theirs): connected, or bound and ready for [`listen`](Tcp::listen) (calling it on an
    /// already listening socket just sets the backlog). It is made non-blocking and closed
    /// with the handle.
    ///
    /// # Errors
    /// `ENOTSOCK` if `fd` is not a socket, the `fcntl` error otherwise.
    pub fn open<S: 'static>(lp: &mut Loop<S>, fd: std::os::fd::OwnedFd) -> Result<Tcp> {
        let sock = Socket::from(fd);
        sock.r#type()
            .map_err(|e| Error::from_io(&e, "getsockopt"))?;
        Ok(Tcp(stream::insert(lp, sock, false)?))
    }

    /// The socket's file descriptor, borrowed (to pass it to another process: the IPC
    /// channel duplicates it). `EBADF` for a stale or closing socket.
    pub fn as_fd<S: 'static>(self, lp: &Loop<S>) -> Result<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        Ok(stream::sock(lp, self.0)?.as_fd())
    }

    /// `TCP_NODELAY` (Nagle off when true).
    pub fn set_nodelay<S: 'static>(self, lp: &Loop<S>, on: bool) -> Result<()> {
        stream::sock(lp, self.0)?
            .set_tcp_nodelay(on)
            .map_err(|e| Error::from_io(&e, "setsockopt"))
    }

    /// `TCP_DEFER_ACCEPT` on a listening socket (Linux; nginx's `listen … deferred`): the
    /// kernel queues a connection for `accept` only once the client has sent data, or after
    /// about `wait` (rounded up to whole seconds) without any; `Duration::ZERO` turns it off.
    /// For protocols where the client speaks first (HTTP): a server never holds a connection
    /// that has nothing to read yet.
    ///
    /// # Errors
    /// The `setsockopt` error; `ENOTSUP` off Linux.
    pub fn set_defer_accept<S: 'static>(self, lp: &Loop<S>, wait: Duration) -> Result<()> {
        let sock = stream::sock(lp, self.0)?;
        defer_accept(sock, wait)
    }

    /// `SO_KEEPALIVE`, with the idle time before the first probe when enabling.
    pub fn set_keepalive<S: 'static>(self, lp: &Loop<S>, on: bool, delay: Duration) -> Result<()> {
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
    pub fn local_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        let a = stream::sock(lp, self.0)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))?;
        a.as_socket().ok_or_else(|| Error::new(Code::EINVAL))
    }

    /// The peer's address (`ENOTCONN` if not connected).
    pub fn peer_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        let a = stream::sock(lp, self.0)?
            .peer_addr()
            .map_err(|e| Error::from_io(&e, "getpeername"))?;
        a.as_socket().ok_or_else(|| Error::new(Code::EINVAL))
    }
}

#[cfg(target_os = "linux")]
fn defer_accept(sock: &Socket, wait: Duration) -> Result<()> {
    use std::os::fd::AsRawFd;
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = libc::c_int::try_from(secs).unwrap_or(libc::c_int::MAX);
    // SAFETY: the fd is open (owned by `sock`); the option value is a valid `c_int` whose
    // size is the length passed.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_DEFER_ACCEPT,
            (&secs as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::from_io(
            &std::io::Error::last_os_error(),
            "setsockopt",
        ))
    }
}

#[cfg(not(target_os = "linux"))]
fn defer_accept(_sock: &Socket, _wait: Duration) -> Result<()> {
    Err(Error::op(Code::ENOTSUP, "setsockopt"))
}
