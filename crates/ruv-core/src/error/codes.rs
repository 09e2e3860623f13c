//! The codes ruv-core itself produces: every OS errno libuv names (with libuv's
//! `uv_strerror` wording), and the Node-level codes of the loop and the stream model.
//!
//! Other crates declare their own codes with [`Code::new`] (for example ruv-zlib's
//! `Z_DATA_ERROR`, ruv-dns's `ENOTFOUND`) without editing this file.

use super::Code;

macro_rules! os_codes {
    ($( $name:ident = ($errno:expr, $desc:expr) ),* $(,)?) => {
        impl Code {
            $(
                #[doc = concat!("`", stringify!($name), "`: ", $desc, " (an OS errno).")]
                pub const $name: Code = Code::os(stringify!($name), $desc, $errno);
            )*
        }

        /// Every OS code, for [`Code::from_errno`].
        pub(super) const OS_CODES: &[Code] = &[$(Code::$name),*];
    };
}

os_codes! {
    E2BIG = (libc::E2BIG, "argument list too long"),
    EACCES = (libc::EACCES, "permission denied"),
    EADDRINUSE = (libc::EADDRINUSE, "address already in use"),
    EADDRNOTAVAIL = (libc::EADDRNOTAVAIL, "address not available"),
    EAFNOSUPPORT = (libc::EAFNOSUPPORT, "address family not supported"),
    EAGAIN = (libc::EAGAIN, "resource temporarily unavailable"),
    EALREADY = (libc::EALREADY, "connection already in progress"),
    EBADF = (libc::EBADF, "bad file descriptor"),
    EBUSY = (libc::EBUSY, "resource busy or locked"),
    ECANCELED = (libc::ECANCELED, "operation canceled"),
    ECHILD = (libc::ECHILD, "no child processes"),
    ECONNABORTED = (libc::ECONNABORTED, "software caused connection abort"),
    ECONNREFUSED = (libc::ECONNREFUSED, "connection refused"),
    ECONNRESET = (libc::ECONNRESET, "connection reset by peer"),
    EDESTADDRREQ = (libc::EDESTADDRREQ, "destination address required"),
    EEXIST = (libc::EEXIST, "file already exists"),
    EFAULT = (libc::EFAULT, "bad address in system call argument"),
    EFBIG = (libc::EFBIG, "file too large"),
    EHOSTDOWN = (libc::EHOSTDOWN, "host is down"),
    EHOSTUNREACH = (libc::EHOSTUNREACH, "host is unreachable"),
    EILSEQ = (libc::EILSEQ, "illegal byte sequence"),
    EINTR = (libc::EINTR, "interrupted system call"),
    EINVAL = (libc::EINVAL, "invalid argument"),
    EIO = (libc::EIO, "i/o error"),
    EISCONN = (libc::EISCONN, "socket is already connected"),
    EISDIR = (libc::EISDIR, "illegal operation on a directory"),
    ELOOP = (libc::ELOOP, "too many symbolic links encountered"),
    EMFILE = (libc::EMFILE, "too many open files"),
    EMLINK = (libc::EMLINK, "too many links"),
    EMSGSIZE = (libc::EMSGSIZE, "message too long"),
    ENAMETOOLONG = (libc::ENAMETOOLONG, "name too long"),
    ENETDOWN = (libc::ENETDOWN, "network is down"),
    ENETUNREACH = (libc::ENETUNREACH, "network is unreachable"),
    ENFILE = (libc::ENFILE, "file table overflow"),
    ENOBUFS = (libc::ENOBUFS, "no buffer space available"),
    ENODATA = (libc::ENODATA, "no data available"),
    ENODEV = (libc::ENODEV, "no such device"),
    ENOENT = (libc::ENOENT, "no such file or directory"),
    ENOMEM = (libc::ENOMEM, "not enough memory"),
    ENONET = (libc::ENONET, "machine is not on the network"),
    ENOPROTOOPT = (libc::ENOPROTOOPT, "protocol not available"),
    ENOSPC = (libc::ENOSPC, "no space left on device"),
    ENOSYS = (libc::ENOSYS, "function not implemented"),
    ENOTCONN = (libc::ENOTCONN, "socket is not connected"),
    ENOTDIR = (libc::ENOTDIR, "not a directory"),
    ENOTEMPTY = (libc::ENOTEMPTY, "directory not empty"),
    ENOTSOCK = (libc::ENOTSOCK, "socket operation on non-socket"),
    ENOTSUP = (libc::EOPNOTSUPP, "operation not supported on socket"),
    ENOTTY = (libc::ENOTTY, "inappropriate ioctl for device"),
    ENXIO = (libc::ENXIO, "no such device or address"),
    EOVERFLOW = (libc::EOVERFLOW, "value too large for defined data type"),
    EPERM = (libc::EPERM, "operation not permitted"),
    EPIPE = (libc::EPIPE, "broken pipe"),
    EPROTO = (libc::EPROTO, "protocol error"),
    EPROTONOSUPPORT = (libc::EPROTONOSUPPORT, "protocol not supported"),
    EPROTOTYPE = (libc::EPROTOTYPE, "protocol wrong type for socket"),
    ERANGE = (libc::ERANGE, "result too large"),
    EREMOTEIO = (libc::EREMOTEIO, "remote I/O error"),
    EROFS = (libc::EROFS, "read-only file system"),
    ESHUTDOWN = (libc::ESHUTDOWN, "cannot send after transport endpoint shutdown"),
    ESOCKTNOSUPPORT = (libc::ESOCKTNOSUPPORT, "socket type not supported"),
    ESPIPE = (libc::ESPIPE, "invalid seek"),
    ESRCH = (libc::ESRCH, "no such process"),
    ETIMEDOUT = (libc::ETIMEDOUT, "connection timed out"),
    ETXTBSY = (libc::ETXTBSY, "text file is busy"),
    EXDEV = (libc::EXDEV, "cross-device link not permitted"),
}

impl Code {
    /// End of file (libuv's `UV_EOF`). Streams report the end of their data as an end
    /// event, never as this error; it remains for byte-level reads that hit EOF early.
    pub const EOF: Code = Code::new("EOF", "end of file");
    /// A callback panicked; the panic was caught and turned into this error.
    pub const EPANIC: Code = Code::new("EPANIC", "callback panicked");
    /// Node: a numeric argument is outside its allowed range.
    pub const ERR_OUT_OF_RANGE: Code = Code::new("ERR_OUT_OF_RANGE", "value out of range");
    /// Node: an argument has an invalid value.
    pub const ERR_INVALID_ARG_VALUE: Code =
        Code::new("ERR_INVALID_ARG_VALUE", "invalid argument value");
    /// Node: an argument has the wrong type.
    pub const ERR_INVALID_ARG_TYPE: Code =
        Code::new("ERR_INVALID_ARG_TYPE", "invalid argument type");
    /// Node: a buffer or output larger than allowed.
    pub const ERR_BUFFER_TOO_LARGE: Code = Code::new("ERR_BUFFER_TOO_LARGE", "buffer too large");
    /// Node: a stream was written to after it ended.
    pub const ERR_STREAM_WRITE_AFTER_END: Code =
        Code::new("ERR_STREAM_WRITE_AFTER_END", "write after end");
    /// Node: a stream was destroyed.
    pub const ERR_STREAM_DESTROYED: Code = Code::new("ERR_STREAM_DESTROYED", "stream destroyed");
    /// Node: a stream closed before it ended (`stream.pipeline`'s "Premature close").
    pub const ERR_STREAM_PREMATURE_CLOSE: Code =
        Code::new("ERR_STREAM_PREMATURE_CLOSE", "Premature close");
    /// Node: an operation on a closed or destroyed object.
    pub const ERR_INVALID_STATE: Code = Code::new("ERR_INVALID_STATE", "invalid state");
}
