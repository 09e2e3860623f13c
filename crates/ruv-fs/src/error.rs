//! Paths as C strings, and errors in Node's format.
//!
//! Node's fs errors read `CODE: description, syscall 'path'`, or for the calls that take two
//! paths (rename, copyfile, symlink, link) `CODE: description, syscall 'src' -> 'dest'`.
//! `ruv_core::Error` has a code, a syscall and one path; the two-path form is made by storing
//! `src' -> 'dest` as the error's path, which displays exactly as Node prints it.

use crate::sys::Errno;
use ruv_core::{Code, Error};
use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A path checked for NUL bytes and stored NUL-terminated, ready for a system call.
#[derive(Clone, Debug)]
pub(crate) struct CPath(CString);

impl CPath {
    /// Converts `path`; a NUL byte inside it is Node's `ERR_INVALID_ARG_VALUE` for argument
    /// `arg` (Node throws it synchronously; ruv's functions return it before queueing).
    pub(crate) fn new(path: &Path, arg: &'static str) -> Result<CPath, Error> {
        CString::new(path.as_os_str().as_bytes())
            .map(CPath)
            .map_err(|_| invalid_path(path, arg))
    }

    pub(crate) fn as_c_str(&self) -> &CStr {
        &self.0
    }

    pub(crate) fn as_path(&self) -> &Path {
        Path::new(OsStr::from_bytes(self.0.as_bytes()))
    }

    /// An OS error about this path: `CODE: description, syscall 'path'`.
    pub(crate) fn err(&self, errno: Errno, syscall: &'static str) -> Error {
        Error::op(code(errno), syscall).with_path(self.as_path())
    }
}

/// The `Code` of an OS error.
pub(crate) fn code(errno: Errno) -> Code {
    Code::from_errno(errno.raw_os_error())
}

/// An OS error without a path: `CODE: description, syscall` (calls on descriptors).
pub(crate) fn fd_err(errno: Errno, syscall: &'static str) -> Error {
    Error::op(code(errno), syscall)
}

/// An OS error about two paths: `CODE: description, syscall 'src' -> 'dest'`.
pub(crate) fn two_path_err(errno: Errno, syscall: &'static str, src: &Path, dest: &Path) -> Error {
    two_path(Error::op(code(errno), syscall), src, dest)
}

/// Attaches `src' -> 'dest` as the path of `e` (see the module docs).
pub(crate) fn two_path(e: Error, src: &Path, dest: &Path) -> Error {
    let mut joined = src.as_os_str().to_owned();
    joined.push("' -> '");
    joined.push(dest.as_os_str());
    e.with_path(joined)
}

/// Node's message for a path with a NUL byte in it.
fn invalid_path(path: &Path, arg: &'static str) -> Error {
    let shown = quote(&path.as_os_str().to_string_lossy());
    Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
        "The argument '{arg}' must be a string, Uint8Array, or URL without null bytes. \
         Received {shown}"
    ))
}

/// `ERR_INVALID_ARG_VALUE: The argument 'name' is invalid. Received 'value'`.
pub(crate) fn invalid_arg(name: &str, value: &str) -> Error {
    Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
        "The argument '{name}' is invalid. Received {}",
        quote(value)
    ))
}

/// Quotes a string the way Node's `util.inspect` shows it in error messages.
fn quote(s: &str) -> String {
    ruv_core::node_inspect_str_for_error(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_path_is_node_message() {
        let e = CPath::new(Path::new("a\0b"), "path").unwrap_err();
        assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
        assert_eq!(
            e.to_string(),
            "ERR_INVALID_ARG_VALUE: The argument 'path' must be a string, Uint8Array, or URL \
             without null bytes. Received 'a\\x00b'"
        );
    }

    #[test]
    fn two_path_format() {
        let e = two_path_err(Errno::NOENT, "rename", Path::new("nope"), Path::new("x"));
        assert_eq!(
            e.to_string(),
            "ENOENT: no such file or directory, rename 'nope' -> 'x'"
        );
        assert_eq!(e.syscall(), Some("rename"));
    }
}
