//! Typed errors with libuv's and Node's code names.
//!
//! Every fallible ruv call returns [`Error`]: a [`Code`] (named as libuv and Node name it:
//! `EBADF`, `ECANCELED`, `ERR_OUT_OF_RANGE` …), plus optional context — the operation
//! ("syscall" in Node's words), a path, and a detail message. It displays the way Node
//! prints errors:
//!
//! ```
//! use ruv_core::{Code, Error};
//! let e = Error::new(Code::ENOENT).with_syscall("open").with_path("/nope");
//! assert_eq!(e.to_string(), "ENOENT: no such file or directory, open '/nope'");
//! let io: std::io::Error = e.into();
//! assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
//! ```

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::PathBuf;

mod codes;
mod inspect;

pub use inspect::{node_inspect_str, node_inspect_str_for_error};

/// An error code, named exactly as libuv (errno names) or Node (`ERR_*`) names it.
///
/// A `Code` is a small `Copy` value: a name, a description and, for OS codes, the errno.
/// ruv-core defines the OS codes and the loop's own ([`Code::ENOENT`], [`Code::EBADF`],
/// [`Code::ERR_OUT_OF_RANGE`] …) as associated constants; every other crate declares its own
/// with [`Code::new`], without editing ruv-core:
///
/// ```
/// use ruv_core::{Code, Error};
/// pub const Z_DATA_ERROR: Code = Code::new("Z_DATA_ERROR", "invalid compressed data");
/// let e = Error::new(Z_DATA_ERROR).with_detail("incorrect header check");
/// assert_eq!(e.to_string(), "Z_DATA_ERROR: incorrect header check");
/// assert!(matches!(e.code(), Z_DATA_ERROR));
/// ```
///
/// Two codes are equal when their names, descriptions and errnos are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    name: &'static str,
    desc: &'static str,
    /// The OS errno, 0 for Node-level codes.
    errno: i32,
}

impl Code {
    /// A Node-level code (no errno): `name` is what Node reports in `err.code`.
    pub const fn new(name: &'static str, description: &'static str) -> Code {
        Code {
            name,
            desc: description,
            errno: 0,
        }
    }

    /// An OS-level code for `errno`.
    pub const fn os(name: &'static str, description: &'static str, errno: i32) -> Code {
        Code {
            name,
            desc: description,
            errno,
        }
    }

    /// The code's name, as Node reports it in `err.code` (e.g. `"EBADF"`).
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// A short human description (libuv's `uv_strerror` wording where it has one).
    pub const fn description(self) -> &'static str {
        self.desc
    }

    /// The raw OS errno for OS-level codes; `None` for Node-level (`ERR_*`) codes.
    pub const fn errno(self) -> Option<i32> {
        if self.errno == 0 {
            None
        } else {
            Some(self.errno)
        }
    }

    /// Maps a raw OS errno to its code; an errno libuv has no name for is `UNKNOWN`
    /// (keeping the errno).
    pub fn from_errno(errno: i32) -> Code {
        codes::OS_CODES
            .iter()
            .copied()
            .find(|c| c.errno == errno)
            .unwrap_or(Code::os("UNKNOWN", "unknown error", errno))
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// ruv's error: a [`Code`] plus the context Node puts in its messages.
///
/// One pointer wide (the context is boxed), so `Result<(), Error>` — what every callback
/// returns — is a single word and costs nothing on the success path.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    code: Code,
    syscall: Option<&'static str>,
    path: Option<PathBuf>,
    detail: Option<Cow<'static, str>>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.inner.code)
            .field("syscall", &self.inner.syscall)
            .field("path", &self.inner.path)
            .field("detail", &self.inner.detail)
            .finish()
    }
}

/// `Result<T, ruv_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with just a code.
    pub fn new(code: Code) -> Error {
        Error {
            inner: Box::new(Inner {
                code,
                syscall: None,
                path: None,
                detail: None,
            }),
        }
    }

    /// An error with a code and the operation that failed (Node's `err.syscall`).
    pub fn op(code: Code, syscall: &'static str) -> Error {
        Error::new(code).with_syscall(syscall)
    }

    /// Attaches the operation that failed.
    pub fn with_syscall(mut self, syscall: &'static str) -> Error {
        self.inner.syscall = Some(syscall);
        self
    }

    /// Attaches the path the operation was about.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Error {
        self.inner.path = Some(path.into());
        self
    }

    /// Attaches a detail message, replacing the code's generic description.
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Error {
        self.inner.detail = Some(detail.into());
        self
    }

    /// Converts an OS-level [`io::Error`] (keeping its errno) and names the operation.
    pub fn from_io(err: &io::Error, syscall: &'static str) -> Error {
        let code = match err.raw_os_error() {
            Some(errno) => Code::from_errno(errno),
            None => match err.kind() {
                io::ErrorKind::NotFound => Code::ENOENT,
                io::ErrorKind::PermissionDenied => Code::EACCES,
                io::ErrorKind::AlreadyExists => Code::EEXIST,
                io::ErrorKind::WouldBlock => Code::EAGAIN,
                io::ErrorKind::InvalidInput => Code::EINVAL,
                io::ErrorKind::OutOfMemory => Code::ENOMEM,
                io::ErrorKind::UnexpectedEof => Code::EOF,
                _ => Code::EIO,
            },
        };
        let e = Error::op(code, syscall);
        if err.raw_os_error().is_some() {
            e
        } else {
            e.with_detail(err.to_string())
        }
    }

    /// The error's code.
    pub fn code(&self) -> Code {
        self.inner.code
    }

    /// The operation that failed, if recorded.
    pub fn syscall(&self) -> Option<&'static str> {
        self.inner.syscall
    }

    /// The path involved, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.inner.path.as_deref()
    }
}

impl Error {
    /// Node's `ERR_OUT_OF_RANGE` for an integer argument: `The value of "<name>" is out of
    /// range. It must be <must>. Received <received>`, with `received` written as Node writes
    /// integers in these messages (see [`node_integer`]).
    ///
    /// ```
    /// use ruv_core::Error;
    /// let e = Error::out_of_range("size", ">= 0 && <= 2147483647", 4_294_967_297_u64);
    /// assert_eq!(
    ///     e.to_string(),
    ///     "ERR_OUT_OF_RANGE: The value of \"size\" is out of range. \
    ///      It must be >= 0 && <= 2147483647. Received 4_294_967_297"
    /// );
    /// ```
    pub fn out_of_range(name: &str, must: &str, received: impl Into<i128>) -> Error {
        Error::new(Code::ERR_OUT_OF_RANGE).with_detail(format!(
            "The value of \"{name}\" is out of range. It must be {must}. Received {}",
            node_integer(received.into())
        ))
    }
}

/// Formats an integer as Node's range errors do: beyond `2**32` in magnitude, digits are
/// grouped by three with `_` (`4_294_967_297`, `-5_000_000_000`); smaller ones are plain.
pub fn node_integer(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    if n.unsigned_abs() <= 1 << 32 {
        return format!("{sign}{digits}");
    }
    let first = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    out.push_str(sign);
    out.push_str(&digits[..first]);
    for group in digits.as_bytes()[first..].chunks(3) {
        out.push('_');
        out.push_str(std::str::from_utf8(group).expect("ASCII digits"));
    }
    out
}

impl From<io::Error> for Error {
    /// Keeps the errno (or the kind's nearest code); no syscall is recorded, so use
    /// [`Error::from_io`] where the operation is known. Lets callbacks use `?` on `std::io`.
    fn from(err: io::Error) -> Error {
        let mut e = Error::from_io(&err, "");
        e.inner.syscall = None;
        e
    }
}

impl From<Code> for Error {
    fn from(code: Code) -> Error {
        Error::new(code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let desc = self
            .inner
            .detail
            .as_deref()
            .unwrap_or(self.inner.code.description());
        write!(f, "{}: {}", self.inner.code.name(), desc)?;
        if let Some(s) = self.inner.syscall {
            write!(f, ", {s}")?;
        }
        if let Some(p) = &self.inner.path {
            write!(f, " '{}'", p.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match e.inner.code {
            Code::ENOENT => io::ErrorKind::NotFound,
            Code::EACCES | Code::EPERM => io::ErrorKind::PermissionDenied,
            Code::EEXIST => io::ErrorKind::AlreadyExists,
            Code::EAGAIN => io::ErrorKind::WouldBlock,
            Code::ECONNREFUSED => io::ErrorKind::ConnectionRefused,
            Code::ECONNRESET => io::ErrorKind::ConnectionReset,
            Code::EPIPE => io::ErrorKind::BrokenPipe,
            Code::EADDRINUSE => io::ErrorKind::AddrInUse,
            Code::ETIMEDOUT => io::ErrorKind::TimedOut,
            Code::EOF => io::ErrorKind::UnexpectedEof,
            Code::ENOMEM => io::ErrorKind::OutOfMemory,
            Code::EINVAL
            | Code::ERR_OUT_OF_RANGE
            | Code::ERR_INVALID_ARG_VALUE
            | Code::ERR_INVALID_ARG_TYPE => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trip_and_names() {
        assert_eq!(Code::from_errno(libc::EBADF), Code::EBADF);
        assert_eq!(Code::EBADF.errno(), Some(libc::EBADF));
        assert_eq!(Code::ERR_OUT_OF_RANGE.errno(), None);
        assert_eq!(Code::from_errno(9999).name(), "UNKNOWN");
        assert_eq!(Code::from_errno(9999).errno(), Some(9999));
        assert_eq!(Code::ENOTSUP.name(), "ENOTSUP");
    }

    #[test]
    fn every_errno_libuv_names_has_its_name_not_unknown() {
        // errno 97 printed as UNKNOWN before the table covered libuv's whole list
        let e = Code::from_errno(libc::EAFNOSUPPORT);
        assert_eq!(e, Code::EAFNOSUPPORT);
        assert_eq!(
            Error::op(e, "socket").to_string(),
            "EAFNOSUPPORT: address family not supported, socket"
        );
        for c in codes::OS_CODES {
            assert_eq!(Code::from_errno(c.errno().unwrap()), *c, "{}", c.name());
        }
    }

    #[test]
    fn display_matches_node_format() {
        let e = Error::op(Code::EBUSY, "run");
        assert_eq!(e.to_string(), "EBUSY: resource busy or locked, run");
        let e = Error::new(Code::ERR_OUT_OF_RANGE).with_detail("iterations must be >= 1");
        assert_eq!(e.to_string(), "ERR_OUT_OF_RANGE: iterations must be >= 1");
    }

    #[test]
    fn integers_written_as_node_writes_them_in_range_errors() {
        assert_eq!(node_integer(0), "0");
        assert_eq!(node_integer(-2), "-2");
        assert_eq!(node_integer(2147483648), "2147483648");
        assert_eq!(node_integer(1 << 32), "4294967296");
        assert_eq!(node_integer((1 << 32) + 1), "4_294_967_297");
        assert_eq!(node_integer(12345678901), "12_345_678_901");
        assert_eq!(node_integer(-5_000_000_000), "-5_000_000_000");
        assert_eq!(node_integer(1 << 53), "9_007_199_254_740_992");
        assert_eq!(node_integer(u64::MAX.into()), "18_446_744_073_709_551_615");
    }

    #[test]
    fn from_io_keeps_errno() {
        let io = io::Error::from_raw_os_error(libc::ENOENT);
        let e = Error::from_io(&io, "open").with_path("/x");
        assert_eq!(e.code(), Code::ENOENT);
        assert_eq!(
            e.to_string(),
            "ENOENT: no such file or directory, open '/x'"
        );
    }
}
