//! [`Fd`], [`OpenFlags`] (Node's flag strings) and the mode constants.

use crate::error::invalid_arg;
use rustix::fs::{Access, OFlags};
use ruv_core::Error;
use std::fmt;
use std::os::fd::{AsRawFd, RawFd};

/// A file descriptor, as Node's numeric `fd`: a plain `Copy` number.
///
/// **Ownership is the caller's, as in Node.** [`open`](crate::open) hands out a descriptor
/// that nothing closes automatically: dropping an `Fd` does nothing, and the caller ends its
/// life with [`close`](crate::close) (or hands it to a stream with `auto_close`). Using an
/// `Fd` after it was closed is a logic error: the call fails with `EBADF`, or, if the number
/// has been reused by a later `open`, acts on that other file — exactly as in Node. Do not
/// close a descriptor while an operation on it is still in flight.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fd(RawFd);

impl Fd {
    /// Standard input (0).
    pub const STDIN: Fd = Fd(0);
    /// Standard output (1).
    pub const STDOUT: Fd = Fd(1);
    /// Standard error (2).
    pub const STDERR: Fd = Fd(2);

    /// Wraps a raw descriptor (ownership stays with whoever owned it).
    pub const fn from_raw(fd: RawFd) -> Fd {
        Fd(fd)
    }

    /// The raw descriptor number.
    pub const fn raw(self) -> RawFd {
        self.0
    }
}

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl fmt::Debug for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fd({})", self.0)
    }
}

impl fmt::Display for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

// The `O_*` bits as `open(2)` takes them (`i32`, as in C).
pub(crate) const O_RDONLY: i32 = OFlags::RDONLY.bits() as i32;
pub(crate) const O_WRONLY: i32 = OFlags::WRONLY.bits() as i32;
pub(crate) const O_RDWR: i32 = OFlags::RDWR.bits() as i32;
pub(crate) const O_CREAT: i32 = OFlags::CREATE.bits() as i32;
pub(crate) const O_EXCL: i32 = OFlags::EXCL.bits() as i32;
pub(crate) const O_TRUNC: i32 = OFlags::TRUNC.bits() as i32;
pub(crate) const O_APPEND: i32 = OFlags::APPEND.bits() as i32;
pub(crate) const O_SYNC: i32 = OFlags::SYNC.bits() as i32;

/// `open(2)` flags. Made from Node's flag strings ([`OpenFlags::parse`]: `"r"`, `"w"`,
/// `"a+"`, `"wx"` …) or from raw `O_*` bits ([`OpenFlags::from_bits`]).
///
/// | string | flags |
/// |---|---|
/// | `r` | `O_RDONLY` |
/// | `rs`, `sr` | `O_RDONLY \| O_SYNC` |
/// | `r+` | `O_RDWR` |
/// | `rs+`, `sr+` | `O_RDWR \| O_SYNC` |
/// | `w` | `O_TRUNC \| O_CREAT \| O_WRONLY` |
/// | `wx`, `xw` | `O_TRUNC \| O_CREAT \| O_WRONLY \| O_EXCL` |
/// | `w+` | `O_TRUNC \| O_CREAT \| O_RDWR` |
/// | `wx+`, `xw+` | `O_TRUNC \| O_CREAT \| O_RDWR \| O_EXCL` |
/// | `a` | `O_APPEND \| O_CREAT \| O_WRONLY` |
/// | `ax`, `xa` | `O_APPEND \| O_CREAT \| O_WRONLY \| O_EXCL` |
/// | `as`, `sa` | `O_APPEND \| O_CREAT \| O_WRONLY \| O_SYNC` |
/// | `a+` | `O_APPEND \| O_CREAT \| O_RDWR` |
/// | `ax+`, `xa+` | `O_APPEND \| O_CREAT \| O_RDWR \| O_EXCL` |
/// | `as+`, `sa+` | `O_APPEND \| O_CREAT \| O_RDWR \| O_SYNC` |
///
/// `O_CLOEXEC` is always added when opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenFlags(i32);

impl OpenFlags {
    /// `"r"`: read; the file must exist.
    pub const READ: OpenFlags = OpenFlags(O_RDONLY);
    /// `"w"`: write; created or truncated.
    pub const WRITE: OpenFlags = OpenFlags(O_TRUNC | O_CREAT | O_WRONLY);
    /// `"a"`: append; created if missing.
    pub const APPEND: OpenFlags = OpenFlags(O_APPEND | O_CREAT | O_WRONLY);

    /// Raw `O_*` bits.
    pub const fn from_bits(bits: i32) -> OpenFlags {
        OpenFlags(bits)
    }

    /// The raw `O_*` bits.
    pub const fn bits(self) -> i32 {
        self.0
    }

    /// Parses one of Node's flag strings (see the table above).
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE: The argument 'flags' is invalid. Received 'bogus'`, as Node.
    pub fn parse(s: &str) -> Result<OpenFlags, Error> {
        let w = O_TRUNC | O_CREAT;
        let a = O_APPEND | O_CREAT;
        let bits = match s {
            "r" => O_RDONLY,
            "rs" | "sr" => O_RDONLY | O_SYNC,
            "r+" => O_RDWR,
            "rs+" | "sr+" => O_RDWR | O_SYNC,
            "w" => w | O_WRONLY,
            "wx" | "xw" => w | O_WRONLY | O_EXCL,
            "w+" => w | O_RDWR,
            "wx+" | "xw+" => w | O_RDWR | O_EXCL,
            "a" => a | O_WRONLY,
            "ax" | "xa" => a | O_WRONLY | O_EXCL,
            "as" | "sa" => a | O_WRONLY | O_SYNC,
            "a+" => a | O_RDWR,
            "ax+" | "xa+" => a | O_RDWR | O_EXCL,
            "as+" | "sa+" => a | O_RDWR | O_SYNC,
            _ => return Err(invalid_arg("flags", s)),
        };
        Ok(OpenFlags(bits))
    }
}

/// Anything [`open`](crate::open) accepts as flags: an [`OpenFlags`], a Node flag string, or
/// raw `O_*` bits as `i32`.
pub trait IntoOpenFlags {
    /// Converts to [`OpenFlags`].
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` for a string Node does not know.
    fn into_open_flags(self) -> Result<OpenFlags, Error>;
}

impl IntoOpenFlags for OpenFlags {
    fn into_open_flags(self) -> Result<OpenFlags, Error> {
        Ok(self)
    }
}

impl IntoOpenFlags for &str {
    fn into_open_flags(self) -> Result<OpenFlags, Error> {
        OpenFlags::parse(self)
    }
}

impl IntoOpenFlags for &String {
    fn into_open_flags(self) -> Result<OpenFlags, Error> {
        OpenFlags::parse(self)
    }
}

impl IntoOpenFlags for i32 {
    fn into_open_flags(self) -> Result<OpenFlags, Error> {
        Ok(OpenFlags(self))
    }
}

#[allow(clippy::unnecessary_cast)] // `c_int` with libc, `c_uint` with linux_raw
const fn access_bits(a: Access) -> u32 {
    a.bits() as u32
}

/// [`access`](crate::access): the file exists.
pub const F_OK: u32 = access_bits(Access::EXISTS);
/// [`access`](crate::access): the file is readable.
pub const R_OK: u32 = access_bits(Access::READ_OK);
/// [`access`](crate::access): the file is writable.
pub const W_OK: u32 = access_bits(Access::WRITE_OK);
/// [`access`](crate::access): the file is executable (or a directory searchable).
pub const X_OK: u32 = access_bits(Access::EXEC_OK);

/// [`copy_file`](crate::copy_file): fail with `EEXIST` if the destination exists.
pub const COPYFILE_EXCL: u32 = 1;
/// [`copy_file`](crate::copy_file): try a copy-on-write clone, fall back to copying.
pub const COPYFILE_FICLONE: u32 = 2;
/// [`copy_file`](crate::copy_file): clone copy-on-write or fail.
pub const COPYFILE_FICLONE_FORCE: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_strings() {
        assert_eq!(OpenFlags::parse("r").unwrap(), OpenFlags::READ);
        assert_eq!(OpenFlags::parse("w").unwrap(), OpenFlags::WRITE);
        assert_eq!(OpenFlags::parse("a").unwrap(), OpenFlags::APPEND);
        assert_eq!(
            OpenFlags::parse("xw+").unwrap(),
            OpenFlags::parse("wx+").unwrap()
        );
        assert!(OpenFlags::parse("wx").unwrap().bits() & O_EXCL != 0);
        // the values are the platform's (Linux: O_EXCL 0o200, O_TRUNC 0o1000, W_OK 2)
        #[cfg(target_os = "linux")]
        {
            assert_eq!(
                (O_EXCL, O_TRUNC, O_APPEND, O_CREAT),
                (0o200, 0o1000, 0o2000, 0o100)
            );
            assert_eq!((F_OK, R_OK, W_OK, X_OK), (0, 4, 2, 1));
        }
        let e = OpenFlags::parse("bogus").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR_INVALID_ARG_VALUE: The argument 'flags' is invalid. Received 'bogus'"
        );
    }
}
