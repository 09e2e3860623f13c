//! Unix domain stream sockets (libuv's `uv_pipe_t`, Node's `net` with a `path`), on the
//! same stream core as [`Tcp`](crate::Tcp).

use crate::closing::DoneFn;
use crate::macros::stream_methods;
use crate::stream::{self, StreamId};
use ruv_core::registry::Callback;
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{CallbackResult, CloseToken, Code, Error, Loop, Result};
use socket2::{Domain, SockAddr, Socket, Type};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A Unix domain stream socket (or, through [`Pipe::open`], any stream fd) on a loop: a
/// `Copy` id; a stale id is `EBADF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pipe(pub(crate) StreamId);

stream_methods!(Pipe);

/// The socket address of `path`. A path with a NUL byte is `ERR_INVALID_ARG_VALUE`: the
/// kernel reads a file system path up to its first NUL, so `/tmp/a\0b` would bind or reach
/// `/tmp/a` (which Node 20 does, silently). A Linux abstract name, which starts with a NUL
/// (`\0name`), is all bytes, NULs included, and is passed on as it is.
fn unix_addr(path: &Path, syscall: &'static str) -> Result<SockAddr> {
    let bytes = path.as_os_str().as_bytes();
    if bytes.first().is_some_and(|&b| b != 0) && bytes.contains(&0) {
        return Err(Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
            "The argument 'path' must be a string without null bytes. Received {}",
            inspect_str(&path.as_os_str().to_string_lossy())
        )));
    }
    SockAddr::unix(path).map_err(|e| Error::from_io(&e, syscall).with_path(path))
}

/// A string as Node's `util.inspect` writes it in error messages: single quotes (double
/// quotes, or backticks, when that spares escaping a quote), backslashes and control
/// characters escaped.
fn inspect_str(s: &str) -> String {
    ruv_core::node_inspect_str_for_error(s)
}

fn new_socket() -> Result<Socket> {
    Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)
        .map_err(|e| Error::from_io(&e, "socket"))
}

impl Pipe {
    /// Creates a socket bound to `path`, ready for [`listen`](Pipe::listen). The path must
    /// not exist (`EADDRINUSE` if it does; remove a stale one first, as Node leaves that to
    /// the user too). A path starting with a NUL byte is a Linux abstract name.
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_ARG_VALUE` for a path with a NUL byte after its start (`The argument
    /// 'path' must be a string without null bytes. Received '/tmp/a\x00b'`; Node 20 binds
    /// the path cut at the NUL instead); the `socket` and `bind` errors.
    pub fn bind<S: 'static>(lp: &mut Loop<S>, path: impl AsRef<Path>) -> Result<Pipe> {
        let path = path.as_ref();
        let sock = new_socket()?;
        sock.bind(&unix_addr(path, "bind")?)
            .map_err(|e| Error::from_io(&e, "bind").with_path(path))?;
        Ok(Pipe(stream::insert(lp, sock, true)?))
    }

    /// Connects to the socket at `path`; `cb` gets the outcome (`ENOENT`, `ECONNREFUSED` …)
    /// from the loop, never from inside this call.
    ///
    /// # Errors
    ///
    /// As [`bind`](Pipe::bind), synchronously: `ERR_INVALID_ARG_VALUE` for a path with a NUL
    /// byte after its start (nothing is created and `cb` is never called); the `socket`
    /// error.
    #[track_caller]
    pub fn connect<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        path: impl AsRef<Path>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<Pipe> {
        let addr = unix_addr(path.as_ref(), "connect")?;
        let id = stream::insert(lp, new_socket()?, true)?;
        if let Err(e) = stream::connect_start(lp, id, &addr, crate::closing::done(cb)) {
            let _ = stream::close(lp, id, None).map(drop);
            return Err(e);
        }
        Ok(Pipe(id))
    }

    /// Wraps an open fd (a connected Unix socket, one end of `socketpair`, a pipe …) as a
    /// stream; it is made non-blocking and closed with the handle.
    pub fn open<S: 'static>(lp: &mut Loop<S>, fd: OwnedFd) -> Result<Pipe> {
        Ok(Pipe(stream::insert(lp, Socket::from(fd), true)?))
    }

    /// The path this socket is bound to (`None` for an unbound one).
    pub fn local_path<S: 'static>(self, lp: &Loop<S>) -> Result<Option<PathBuf>> {
        let a = stream::sock(lp, self.0)?
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))?;
        Ok(a.as_pathname().map(Path::to_path_buf))
    }

    /// The peer's path (`None` when the peer is unbound, as clients usually are).
    pub fn peer_path<S: 'static>(self, lp: &Loop<S>) -> Result<Option<PathBuf>> {
        let a = stream::sock(lp, self.0)?
            .peer_addr()
            .map_err(|e| Error::from_io(&e, "getpeername"))?;
        if a.family() != libc::AF_UNIX as libc::sa_family_t {
            return Err(Error::new(Code::EINVAL));
        }
        Ok(a.as_pathname().map(Path::to_path_buf))
    }
}

#[cfg(test)]
mod tests {
    use super::inspect_str;

    /// The expected strings are Node 20's `util.inspect` of the same strings.
    #[test]
    fn inspect_quotes_like_node() {
        assert_eq!(inspect_str("/tmp/a\0b"), "'/tmp/a\\x00b'");
        assert_eq!(
            inspect_str("a\u{b}b\x7f\u{85}\u{8}\u{c}"),
            "'a\\x0Bb\\x7F\\x85\\b\\f'"
        );
        assert_eq!(inspect_str("it's"), "\"it's\"");
        assert_eq!(inspect_str("a\"b'c"), "`a\"b'c`");
        assert_eq!(inspect_str("\\"), "'\\\\'");
    }
}
