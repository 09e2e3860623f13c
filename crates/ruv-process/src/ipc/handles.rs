//! Handle passing: what may be sent (and how Node names it), and what a received fd becomes
//! on this loop.

use super::codes;
use super::wire::HandleHeader;
use rustix::net::{AddressFamily, SocketType};
use ruv_core::{Error, Loop, Result};
use ruv_net::{Pipe, Tcp, Udp};
use std::os::fd::{AsFd, OwnedFd};

/// A handle to send with a message ([`Channel::send_handle`](super::Channel::send_handle)),
/// named as Node names it in the `NODE_HANDLE` envelope's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendHandle {
    /// A listening TCP socket (`net.Server`): the receiver accepts connections on it.
    TcpServer(Tcp),
    /// A connected TCP socket (`net.Socket`).
    TcpSocket(Tcp),
    /// A UDP socket (`dgram.Socket`, with `dgramType` `udp4` or `udp6`).
    Udp(Udp),
    /// A TCP socket, listening or connected, labelled `net.Native`: a raw handle, as Node's
    /// cluster sends its shared servers and round-robin connections. A node receiver gets
    /// the bare `TCP` handle (not a `net.Server`/`net.Socket` object), which is what its
    /// cluster worker code expects.
    TcpNative(Tcp),
    /// A UDP socket labelled `dgram.Native` (the raw `UDP` handle; no `dgramType`), as
    /// Node's cluster sends a shared datagram socket.
    UdpNative(Udp),
}

impl SendHandle {
    /// The envelope's fields and a duplicate of the handle's fd (kept until the peer
    /// acknowledges).
    pub(crate) fn prepare<S: 'static>(self, lp: &Loop<S>) -> Result<(HandleHeader, OwnedFd)> {
        let (type_name, fd) = match self {
            SendHandle::TcpServer(t) => ("net.Server", t.as_fd(lp)?),
            SendHandle::TcpSocket(t) => ("net.Socket", t.as_fd(lp)?),
            SendHandle::Udp(u) => ("dgram.Socket", u.as_fd(lp)?),
            SendHandle::TcpNative(t) => ("net.Native", t.as_fd(lp)?),
            SendHandle::UdpNative(u) => ("dgram.Native", u.as_fd(lp)?),
        };
        let dgram_type = match self {
            SendHandle::Udp(u) => Some(if u.local_addr(lp)?.is_ipv6() {
                "udp6"
            } else {
                "udp4"
            }),
            _ => None,
        };
        let dup =
            rustix::io::fcntl_dupfd_cloexec(fd, 0).map_err(|e| Error::from_io(&e.into(), "dup"))?;
        let header = HandleHeader {
            type_name,
            dgram_type,
        };
        Ok((header, dup))
    }

    /// Closes the handle on this loop (the fd travels on in its duplicate).
    pub(crate) fn close<S: 'static>(self, lp: &mut Loop<S>) {
        let res = match self {
            SendHandle::TcpServer(t) | SendHandle::TcpSocket(t) | SendHandle::TcpNative(t) => {
                t.close(lp).map(drop)
            }
            SendHandle::Udp(u) | SendHandle::UdpNative(u) => u.close(lp).map(drop),
        };
        // already closing: nothing left to do
        res.ok();
    }
}

/// A handle received with a message, open on the receiving loop (its kind is read from the
/// socket itself: family, type, and whether it listens), whatever the envelope's `type`
/// says: `net.Server`, `net.Socket`, `net.Native`, `dgram.Socket` and `dgram.Native` are
/// all received alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceivedHandle {
    /// A listening TCP socket: call [`Tcp::listen`] to accept connections on it.
    TcpServer(Tcp),
    /// A connected TCP socket.
    TcpSocket(Tcp),
    /// A UDP socket.
    Udp(Udp),
    /// A listening Unix stream socket (a `net.Server` on a path).
    PipeServer(Pipe),
    /// A connected Unix stream socket.
    PipeSocket(Pipe),
}

impl ReceivedHandle {
    /// Wraps a received fd as the ruv handle its socket calls for.
    pub(crate) fn open<S: 'static>(lp: &mut Loop<S>, fd: OwnedFd) -> Result<ReceivedHandle> {
        let unsupported = |what: String| {
            Error::new(codes::ERR_INVALID_HANDLE_TYPE).with_detail(format!(
                "received a handle ruv cannot open ({what}): closed"
            ))
        };
        let sys = |e: rustix::io::Errno| Error::from_io(&e.into(), "getsockopt");
        let ty = match rustix::net::sockopt::socket_type(fd.as_fd()) {
            Ok(t) => t,
            Err(rustix::io::Errno::NOTSOCK) => return Err(unsupported("not a socket".into())),
            Err(e) => return Err(sys(e)),
        };
        let family = rustix::net::sockopt::socket_domain(fd.as_fd()).map_err(sys)?;
        let inet = family == AddressFamily::INET || family == AddressFamily::INET6;
        let listening = || rustix::net::sockopt::socket_acceptconn(fd.as_fd()).map_err(sys);
        Ok(match (inet, family == AddressFamily::UNIX, ty) {
            (true, _, SocketType::STREAM) if listening()? => {
                ReceivedHandle::TcpServer(Tcp::open(lp, fd)?)
            }
            (true, _, SocketType::STREAM) => ReceivedHandle::TcpSocket(Tcp::open(lp, fd)?),
            (true, _, SocketType::DGRAM) => ReceivedHandle::Udp(Udp::open(lp, fd)?),
            (_, true, SocketType::STREAM) if listening()? => {
                ReceivedHandle::PipeServer(Pipe::open(lp, fd)?)
            }
            (_, true, SocketType::STREAM) => ReceivedHandle::PipeSocket(Pipe::open(lp, fd)?),
            (_, _, ty) => {
                return Err(unsupported(format!(
                    "socket family {}, type {}",
                    family.as_raw(),
                    ty.as_raw()
                )))
            }
        })
    }

    /// Closes it (a handle the receiver did not take).
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) {
        let res = match self {
            ReceivedHandle::TcpServer(t) | ReceivedHandle::TcpSocket(t) => t.close(lp).map(drop),
            ReceivedHandle::Udp(u) => u.close(lp).map(drop),
            ReceivedHandle::PipeServer(p) | ReceivedHandle::PipeSocket(p) => p.close(lp).map(drop),
        };
        // already closing: nothing left to do
        res.ok();
    }
}
