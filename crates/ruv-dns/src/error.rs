//! Failures of the resolver calls and their mapping to [`ruv_core::Error`].
//!
//! Node names DNS failures in `err.code` by libuv's names: `EAI_NONAME` and `EAI_NODATA` become
//! `ENOTFOUND`, `EAI_SYSTEM` becomes the errno's name, every other `EAI_*` keeps its name
//! (`EAI_AGAIN`, `EAI_FAIL`, …). Its message is `"{syscall} {code} {hostname}"`.
//!
//! [`classify`] is the only place that knows the mapping from a failure to Node's name and to
//! a [`ruv_core::Code`]. `Code` has `ENOTFOUND`, `EAI_AGAIN`, `EAI_FAIL`, `EAI_FAMILY`,
//! `EAI_MEMORY`, `EAI_SERVICE` and `EAI_CANCELED`; the few failures without a variant of their
//! own get the closest code, and the error's text still carries Node's name.

use ruv_core::{Code, Error};
use std::borrow::Cow;

/// glibc's `EAI_ADDRFAMILY` (a GNU extension the `libc` crate does not export everywhere).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const EAI_ADDRFAMILY: i32 = -9;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
const EAI_ADDRFAMILY: i32 = i32::MIN;

/// Why a lookup failed, before it is named for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// `getaddrinfo`/`getnameinfo` returned `eai` (`errno` is set for `EAI_SYSTEM`).
    Eai {
        /// The raw `EAI_*` value.
        eai: i32,
        /// `errno` after an `EAI_SYSTEM` failure, else 0.
        errno: i32,
    },
    /// The resolver answered, but with no IPv4/IPv6 address (libuv's `EAI_NODATA` case).
    NoAddress,
    /// The request was cancelled before it started (libuv: `EAI_CANCELED`).
    Canceled,
    /// The host name is too long for libuv's 256-byte name buffer (libuv: `EINVAL`).
    TooLong,
}

/// The failure's name as Node puts it in `err.code`, and its [`Code`].
///
/// | failure                    | Node's `err.code`   | ruv `Code`                        |
/// |----------------------------|---------------------|-----------------------------------|
/// | `EAI_NONAME`, `EAI_NODATA`, no address | `ENOTFOUND` | `ENOTFOUND`               |
/// | `EAI_AGAIN`                | `EAI_AGAIN`         | `EAI_AGAIN`                       |
/// | `EAI_FAIL` (and unknown `EAI_*`) | `EAI_FAIL`    | `EAI_FAIL`                        |
/// | `EAI_MEMORY`               | `EAI_MEMORY`        | `EAI_MEMORY`                      |
/// | `EAI_FAMILY`               | `EAI_FAMILY`        | `EAI_FAMILY`                      |
/// | `EAI_SERVICE`              | `EAI_SERVICE`       | `EAI_SERVICE`                     |
/// | cancelled while queued     | `EAI_CANCELED`      | `EAI_CANCELED`                    |
/// | `EAI_SYSTEM` + errno       | errno's name        | `Code::from_errno(errno)`         |
/// | name ≥ 256 bytes           | `EINVAL`            | `EINVAL`                          |
/// | `EAI_ADDRFAMILY`           | `EAI_ADDRFAMILY`    | `ENOTFOUND` (no variant)          |
/// | `EAI_SOCKTYPE`, `EAI_BADFLAGS` | same            | `EINVAL` (no variant)             |
/// | `EAI_OVERFLOW`             | `EAI_OVERFLOW`      | `ERANGE` (no variant)             |
fn classify(f: Failure) -> (Cow<'static, str>, Code) {
    let (name, code) = match f {
        Failure::NoAddress | Failure::Canceled | Failure::TooLong => match f {
            Failure::NoAddress => ("ENOTFOUND", crate::codes::ENOTFOUND),
            Failure::Canceled => ("EAI_CANCELED", crate::codes::EAI_CANCELED),
            _ => ("EINVAL", Code::EINVAL),
        },
        Failure::Eai { eai, errno } => match eai {
            libc::EAI_NONAME | libc::EAI_NODATA => ("ENOTFOUND", crate::codes::ENOTFOUND),
            libc::EAI_AGAIN => ("EAI_AGAIN", crate::codes::EAI_AGAIN),
            libc::EAI_FAIL => ("EAI_FAIL", crate::codes::EAI_FAIL),
            libc::EAI_MEMORY => ("EAI_MEMORY", crate::codes::EAI_MEMORY),
            libc::EAI_FAMILY => ("EAI_FAMILY", crate::codes::EAI_FAMILY),
            libc::EAI_SOCKTYPE => ("EAI_SOCKTYPE", Code::EINVAL),
            libc::EAI_SERVICE => ("EAI_SERVICE", crate::codes::EAI_SERVICE),
            libc::EAI_BADFLAGS => ("EAI_BADFLAGS", Code::EINVAL),
            libc::EAI_OVERFLOW => ("EAI_OVERFLOW", Code::ERANGE),
            EAI_ADDRFAMILY => ("EAI_ADDRFAMILY", crate::codes::ENOTFOUND),
            libc::EAI_SYSTEM => {
                let code = Code::from_errno(errno);
                return match code.name() {
                    "UNKNOWN" => (Cow::Owned(format!("errno {errno}")), code),
                    name => (Cow::Borrowed(name), code),
                };
            }
            // An EAI_* value this table does not know: a resolver failure.
            _ => ("EAI_FAIL", crate::codes::EAI_FAIL),
        },
    };
    (Cow::Borrowed(name), code)
}

/// The error a caller sees for `failure` of `syscall` (`"getaddrinfo"` or `"getnameinfo"`)
/// about `host` (the host name, or the address for `getnameinfo`).
///
/// Its code is [`classify`]'s; its text is Node's message, `"{syscall} {Node code} {host}"`,
/// so it displays as `CODE: ` and Node's `err.message`, e.g. `ENOTFOUND: getaddrinfo
/// ENOTFOUND nonexistent.invalid`. The syscall is not recorded separately: ruv-core's
/// `Display` appends a recorded syscall (`, getaddrinfo`), which would repeat the message's
/// first word; it is the message's first word instead.
pub(crate) fn to_error(failure: Failure, syscall: &'static str, host: &str) -> Error {
    let (name, code) = classify(failure);
    Error::new(code).with_detail(format!("{syscall} {name} {host}"))
}

/// Turns an error from the pool round trip itself (cancelled, or a panic in the work, which
/// the resolver calls never do) into the caller's error.
pub(crate) fn work_error(err: Error, syscall: &'static str, host: &str) -> Error {
    if err.code() == Code::ECANCELED {
        to_error(Failure::Canceled, syscall, host)
    } else {
        err
    }
}

/// Node's `ERR_INVALID_ARG_VALUE` with `message`.
pub(crate) fn invalid_arg(message: String) -> Error {
    Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(message)
}

/// A string as Node's `util.inspect` shows it in messages: single quotes (double quotes or
/// backticks when that avoids escaping a quote, as Node picks), escapes for backslashes and
/// control characters, cut to 128 characters like `ERR_INVALID_ARG_VALUE` does.
pub(crate) fn inspect_str(s: &str) -> String {
    ruv_core::node_inspect_str_for_error(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_and_messages() {
        let e = to_error(
            Failure::Eai {
                eai: libc::EAI_NONAME,
                errno: 0,
            },
            "getaddrinfo",
            "x.invalid",
        );
        assert_eq!(e.code(), crate::codes::ENOTFOUND);
        // Node's err.message after the code, said once.
        assert_eq!(e.to_string(), "ENOTFOUND: getaddrinfo ENOTFOUND x.invalid");
        let e = to_error(
            Failure::Eai {
                eai: libc::EAI_AGAIN,
                errno: 0,
            },
            "getaddrinfo",
            "a",
        );
        assert_eq!(e.code(), crate::codes::EAI_AGAIN);
        assert_eq!(e.to_string(), "EAI_AGAIN: getaddrinfo EAI_AGAIN a");
        let e = to_error(
            Failure::Eai {
                eai: libc::EAI_SYSTEM,
                errno: libc::EMFILE,
            },
            "getaddrinfo",
            "a",
        );
        assert_eq!(e.code(), Code::EMFILE);
        assert_eq!(e.to_string(), "EMFILE: getaddrinfo EMFILE a");
        let e = to_error(Failure::Canceled, "getaddrinfo", "localhost");
        assert_eq!(e.code(), crate::codes::EAI_CANCELED);
        assert_eq!(
            e.to_string(),
            "EAI_CANCELED: getaddrinfo EAI_CANCELED localhost"
        );
        let e = to_error(Failure::NoAddress, "getnameinfo", "::1");
        assert_eq!(e.to_string(), "ENOTFOUND: getnameinfo ENOTFOUND ::1");
    }

    #[test]
    fn inspect_like_node() {
        assert_eq!(inspect_str("a\0b"), "'a\\x00b'");
        assert_eq!(inspect_str("it's"), "\"it's\"");
        assert_eq!(inspect_str("a\"b'c"), "`a\"b'c`");
        assert_eq!(inspect_str("a\"b'c`"), "'a\"b\\'c`'");
        assert_eq!(
            inspect_str("x\x1b\x0b\x7f\x00\u{85}"),
            "'x\\x1B\\x0B\\x7F\\x00\\x85'"
        );
        let long = "a".repeat(200);
        let shown = inspect_str(&long);
        assert!(shown.ends_with("...") && shown.chars().count() == 131);
    }
}
