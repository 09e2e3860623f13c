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

macro_rules! codes {
    ($( $(#[$m:meta])* $name:ident = ($errno:expr, $desc:expr) ),* $(,)?) => {
        /// An error code, named exactly as libuv (errno names) or Node (`ERR_*`) names it.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$m])* $name, )*
            /// An OS error without a dedicated variant; the value is the raw errno.
            Errno(i32),
        }

        impl Code {
            /// The code's name, as Node reports it in `err.code` (e.g. `"EBADF"`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Code::$name => stringify!($name), )*
                    Code::Errno(_) => "UNKNOWN",
                }
            }

            /// A short human description (libuv's `uv_strerror` wording where it has one).
            pub fn description(self) -> &'static str {
                match self {
                    $( Code::$name => $desc, )*
                    Code::Errno(_) => "unknown error",
                }
            }

            /// The raw OS errno for OS-level codes; `None` for Node-level (`ERR_*`) codes.
            pub fn errno(self) -> Option<i32> {
                match self {
                    $( Code::$name => { let e: i32 = $errno; if e == 0 { None } else { Some(e) } } )*
                    Code::Errno(e) => Some(e),
                }
            }

            /// Maps a raw OS errno to its code.
            pub fn from_errno(errno: i32) -> Code {
                $( { let e: i32 = $errno; if e != 0 && e == errno { return Code::$name; } } )*
                Code::Errno(errno)
            }
        }
    };
}

codes! {
    /// Permission denied.
    EACCES = (libc::EACCES, "permission denied"),
    /// Address already in use.
    EADDRINUSE = (libc::EADDRINUSE, "address already in use"),
    /// Address not available.
    EADDRNOTAVAIL = (libc::EADDRNOTAVAIL, "address not available"),
    /// Resource temporarily unavailable.
    EAGAIN = (libc::EAGAIN, "resource temporarily unavailable"),
    /// Bad file descriptor (also: a stale or closed handle id).
    EBADF = (libc::EBADF, "bad file descriptor"),
    /// Resource busy or locked (also: re-entrant `run`, cancelling running work).
    EBUSY = (libc::EBUSY, "resource busy or locked"),
    /// Operation canceled.
    ECANCELED = (libc::ECANCELED, "operation canceled"),
    /// Connection refused.
    ECONNREFUSED = (libc::ECONNREFUSED, "connection refused"),
    /// Connection reset by peer.
    ECONNRESET = (libc::ECONNRESET, "connection reset by peer"),
    /// File already exists.
    EEXIST = (libc::EEXIST, "file already exists"),
    /// Invalid argument.
    EINVAL = (libc::EINVAL, "invalid argument"),
    /// I/O error.
    EIO = (libc::EIO, "i/o error"),
    /// Illegal operation on a directory.
    EISDIR = (libc::EISDIR, "illegal operation on a directory"),
    /// Too many open files.
    EMFILE = (libc::EMFILE, "too many open files"),
    /// File table overflow.
    ENFILE = (libc::ENFILE, "file table overflow"),
    /// No such file or directory.
    ENOENT = (libc::ENOENT, "no such file or directory"),
    /// Not enough memory.
    ENOMEM = (libc::ENOMEM, "not enough memory"),
    /// No space left on device.
    ENOSPC = (libc::ENOSPC, "no space left on device"),
    /// Function not implemented.
    ENOSYS = (libc::ENOSYS, "function not implemented"),
    /// Not a directory.
    ENOTDIR = (libc::ENOTDIR, "not a directory"),
    /// Directory not empty.
    ENOTEMPTY = (libc::ENOTEMPTY, "directory not empty"),
    /// Socket is not connected.
    ENOTCONN = (libc::ENOTCONN, "socket is not connected"),
    /// Operation not supported.
    ENOTSUP = (libc::EOPNOTSUPP, "operation not supported on socket"),
    /// Operation not permitted.
    EPERM = (libc::EPERM, "operation not permitted"),
    /// Broken pipe.
    EPIPE = (libc::EPIPE, "broken pipe"),
    /// Result too large.
    ERANGE = (libc::ERANGE, "result too large"),
    /// Connection timed out.
    ETIMEDOUT = (libc::ETIMEDOUT, "connection timed out"),
    /// Cross-device link not permitted.
    EXDEV = (libc::EXDEV, "cross-device link not permitted"),
    /// Too many symbolic links.
    ELOOP = (libc::ELOOP, "too many symbolic links encountered"),
    /// Name too long.
    ENAMETOOLONG = (libc::ENAMETOOLONG, "name too long"),
    /// Read-only file system.
    EROFS = (libc::EROFS, "read-only file system"),
    /// Invalid seek.
    ESPIPE = (libc::ESPIPE, "invalid seek"),
    /// File too large.
    EFBIG = (libc::EFBIG, "file too large"),
    /// Too many links.
    EMLINK = (libc::EMLINK, "too many links"),
    /// Text file is busy.
    ETXTBSY = (libc::ETXTBSY, "text file is busy"),
    /// No such device or address.
    ENXIO = (libc::ENXIO, "no such device or address"),
    /// Host is unreachable.
    EHOSTUNREACH = (libc::EHOSTUNREACH, "host is unreachable"),
    /// Network is unreachable.
    ENETUNREACH = (libc::ENETUNREACH, "network is unreachable"),
    /// Socket is already connected.
    EISCONN = (libc::EISCONN, "socket is already connected"),
    /// Connection aborted.
    ECONNABORTED = (libc::ECONNABORTED, "software caused connection abort"),
    /// Operation already in progress.
    EALREADY = (libc::EALREADY, "connection already in progress"),
    /// Message too long.
    EMSGSIZE = (libc::EMSGSIZE, "message too long"),
    /// Interrupted system call.
    EINTR = (libc::EINTR, "interrupted system call"),
    /// DNS (Node): the name does not resolve (getaddrinfo's EAI_NONAME / EAI_NODATA).
    ENOTFOUND = (0, "not found"),
    /// DNS: temporary failure in name resolution.
    EAI_AGAIN = (0, "temporary failure"),
    /// DNS: non-recoverable failure in name resolution.
    EAI_FAIL = (0, "permanent failure"),
    /// DNS: address family not supported.
    EAI_FAMILY = (0, "ai_family not supported"),
    /// DNS: out of memory.
    EAI_MEMORY = (0, "out of memory"),
    /// DNS: service not available for the socket type.
    EAI_SERVICE = (0, "service not available for socket type"),
    /// DNS: request cancelled.
    EAI_CANCELED = (0, "request canceled"),
    /// zlib: corrupt or invalid compressed data.
    Z_DATA_ERROR = (0, "invalid compressed data"),
    /// zlib: no progress possible (truncated input: Node's "unexpected end of file").
    Z_BUF_ERROR = (0, "unexpected end of file"),
    /// zlib: out of memory.
    Z_MEM_ERROR = (0, "out of memory"),
    /// zlib: a dictionary is needed.
    Z_NEED_DICT = (0, "missing dictionary"),
    /// zlib: inconsistent stream state.
    Z_STREAM_ERROR = (0, "stream error"),
    /// End of file.
    EOF = (0, "end of file"),
    /// A callback panicked; the panic was caught and turned into this error.
    EPANIC = (0, "callback panicked"),
    /// Node: a numeric argument is outside its allowed range.
    ERR_OUT_OF_RANGE = (0, "value out of range"),
    /// Node: an argument has an invalid value.
    ERR_INVALID_ARG_VALUE = (0, "invalid argument value"),
    /// Node: a digest name that is not supported.
    ERR_CRYPTO_INVALID_DIGEST = (0, "invalid digest"),
    /// Node: scrypt's N, r, p or maxmem rejected (`Invalid scrypt params`).
    ERR_CRYPTO_INVALID_SCRYPT_PARAMS = (0, "invalid scrypt params"),
    /// Node: `crypto.timingSafeEqual` of buffers of different lengths.
    ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH = (0, "input buffers must have the same byte length"),
    /// Node: a buffer or output larger than allowed.
    ERR_BUFFER_TOO_LARGE = (0, "buffer too large"),
    /// Node: `fs.rm` of a directory without `recursive`.
    ERR_FS_EISDIR = (0, "path is a directory"),
    /// Node: a read on a closed `fs.Dir`.
    ERR_DIR_CLOSED = (0, "directory handle was closed"),
    /// Node: a file too large to read into one buffer.
    ERR_FS_FILE_TOO_LARGE = (0, "file size is greater than 2 GiB"),
    /// Node: an argument has the wrong type.
    ERR_INVALID_ARG_TYPE = (0, "invalid argument type"),
    /// Node: a stream was written to after it ended.
    ERR_STREAM_WRITE_AFTER_END = (0, "write after end"),
    /// Node: a stream was destroyed.
    ERR_STREAM_DESTROYED = (0, "stream destroyed"),
    /// Node: an operation on a closed or destroyed object.
    ERR_INVALID_STATE = (0, "invalid state"),
}

/// ruv's error: a [`Code`] plus the context Node puts in its messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: Code,
    syscall: Option<&'static str>,
    path: Option<PathBuf>,
    detail: Option<Cow<'static, str>>,
}

/// `Result<T, ruv_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with just a code.
    pub fn new(code: Code) -> Error {
        Error {
            code,
            syscall: None,
            path: None,
            detail: None,
        }
    }

    /// An error with a code and the operation that failed (Node's `err.syscall`).
    pub fn op(code: Code, syscall: &'static str) -> Error {
        Error::new(code).with_syscall(syscall)
    }

    /// Attaches the operation that failed.
    pub fn with_syscall(mut self, syscall: &'static str) -> Error {
        self.syscall = Some(syscall);
        self
    }

    /// Attaches the path the operation was about.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Error {
        self.path = Some(path.into());
        self
    }

    /// Attaches a detail message, replacing the code's generic description.
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Error {
        self.detail = Some(detail.into());
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
        self.code
    }

    /// The operation that failed, if recorded.
    pub fn syscall(&self) -> Option<&'static str> {
        self.syscall
    }

    /// The path involved, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
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

impl From<Code> for Error {
    fn from(code: Code) -> Error {
        Error::new(code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let desc = self.detail.as_deref().unwrap_or(self.code.description());
        write!(f, "{}: {}", self.code.name(), desc)?;
        if let Some(s) = self.syscall {
            write!(f, ", {s}")?;
        }
        if let Some(p) = &self.path {
            write!(f, " '{}'", p.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match e.code {
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
            | Code::ERR_CRYPTO_INVALID_DIGEST => io::ErrorKind::InvalidInput,
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
        assert_eq!(Code::from_errno(9999), Code::Errno(9999));
        assert_eq!(Code::ENOTSUP.name(), "ENOTSUP");
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
