//! Unix domain stream sockets (libuv's `uv_pipe_t`, Node's `net` with a `path`), on the
//! same stream core as [`Tcp`](crate::Tcp).

use crate::macros::stream_methods;
use crate::stream::{self, StreamId};
use ruv_core::{Code, Error, Loop, Result};
use socket2::{Domain, SockAddr, Socket, Type};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// A Unix domain stream socket (or, through [`Pipe::open`], any stream fd) on a loop: a
/// `Copy` id; a stale id is `EBADF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pipe(pub(crate) StreamId);

stream_methods!(Pipe);

fn unix_addr(path: &Path, syscall: &'static str) -> Result<SockAddr> {
    SockAddr::unix(path).map_err(|e| Error::from_io(&e, syscall).with_path(path))
}

fn new_socket() -> Result<Socket> {
    Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)
        .map_err(|e| Error::from_io(&e, "socket"))
}

impl Pipe {
    /// Creates a socket bound to `path`, ready for [`listen`](Pipe::listen). The path must
    /// not exist (`EADDRINUSE` if it does; remove a stale one first, as Node leaves that to
    /// the user too).
    pub fn bind<S: 'static>(lp: &mut Loop<S>, path: impl AsRef<Path>) -> Result<Pipe> {
        let path = path.as_ref();
        let sock = new_socket()?;
        sock.bind(&unix_addr(path, "bind")?)
            .map_err(|e| Error::from_io(&e, "bind").with_path(path))?;
        Ok(Pipe(stream::insert(lp, sock)?))
    }

    /// Connects to the socket at `path`; `cb` gets the outcome (`ENOENT`, `ECONNREFUSED` …)
    /// from the loop, never from inside this call.
    pub fn connect<S: 'static>(
        lp: &mut Loop<S>,
        path: impl AsRef<Path>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
    ) -> Result<Pipe> {
        let addr = unix_addr(path.as_ref(), "connect")?;
        let id = stream::insert(lp, new_socket()?)?;
        if let Err(e) = stream::connect_start(lp, id, &addr, Box::new(cb)) {
            let _ = stream::close(lp, id, None);
            return Err(e);
        }
        Ok(Pipe(id))
    }

    /// Wraps an open fd (a connected Unix socket, one end of `socketpair`, a pipe …) as a
    /// stream; it is made non-blocking and closed with the handle.
    pub fn open<S: 'static>(lp: &mut Loop<S>, fd: OwnedFd) -> Result<Pipe> {
        Ok(Pipe(stream::insert(lp, Socket::from(fd))?))
    }

    /// The path this socket is bound to (`None` for an unbound one).
    pub fn local_path<S: 'static>(self, lp: &mut Loop<S>) -> Result<Option<PathBuf>> {
        let a = stream::sock(lp, self.0)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))?;
        Ok(a.as_pathname().map(Path::to_path_buf))
    }

    /// The peer's path (`None` when the peer is unbound, as clients usually are).
    pub fn peer_path<S: 'static>(self, lp: &mut Loop<S>) -> Result<Option<PathBuf>> {
        let a = stream::sock(lp, self.0)?
            .peer_addr()
            .map_err(|e| Error::from_io(&e, "getpeername"))?;
        if a.family() != libc::AF_UNIX as libc::sa_family_t {
            return Err(Error::new(Code::EINVAL));
        }
        Ok(a.as_pathname().map(Path::to_path_buf))
    }
}
