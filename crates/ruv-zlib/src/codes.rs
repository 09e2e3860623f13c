//! The [`Code`]s ruv-zlib's errors carry, by the name Node gives them, and the messages.
//!
//! Node reports zlib's own failures with zlib's names (`err.code === 'Z_DATA_ERROR'`,
//! `err.errno === -3`) and zlib's message; ruv-zlib's [`Error`]s carry the same
//! [`Code`] and message, so they display as `Z_DATA_ERROR: incorrect header check`.
//! ruv-zlib declares its own codes here (ruv-core's [`Code`] is open):
//!
//! ```
//! let err = ruv_zlib::inflate_sync(b"not zlib", &Default::default()).unwrap_err();
//! assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
//! assert_eq!(err.to_string(), "Z_DATA_ERROR: incorrect header check");
//! ```
//!
//! | code | Node's `errno` | meaning | message (Node's) |
//! |---|---|---|---|
//! | [`Z_DATA_ERROR`] | -3 | corrupt input | zlib's: `incorrect header check`, `invalid block type`, `incorrect data check`, ... |
//! | [`Z_BUF_ERROR`] | -5 | input ended before the stream did | `unexpected end of file` |
//! | [`Z_NEED_DICT`] | 2 | the stream needs a preset dictionary | `Missing dictionary` |
//! | [`Z_MEM_ERROR`] | -4 | zlib could not allocate, or the output buffer could not grow | zlib's; for the output: `Array buffer allocation failed` |
//! | [`Z_STREAM_ERROR`] | -2 | inconsistent parameters (prevented by validation) | zlib's |
//! | [`ERR_STREAM_WRITE_AFTER_END`] | | `write` or `flush` after `end` | `write after end` |
//! | [`ERR_BUFFER_TOO_LARGE`] | | output beyond `max_output_length` | `Cannot create a Buffer larger than N bytes` |
//! | `ERR_OUT_OF_RANGE` | | a bad option (see [`Options::validate`](crate::Options::validate)) | Node's |

use ruv_core::{Code, Error};

/// zlib's `Z_DATA_ERROR`: the input is not valid compressed data.
pub const Z_DATA_ERROR: Code = Code::new("Z_DATA_ERROR", "invalid compressed data");
/// zlib's `Z_BUF_ERROR`: the input ended before the compressed stream did (truncated).
pub const Z_BUF_ERROR: Code = Code::new("Z_BUF_ERROR", "unexpected end of file");
/// zlib's `Z_NEED_DICT`: the stream was made with a preset dictionary.
pub const Z_NEED_DICT: Code = Code::new("Z_NEED_DICT", "missing dictionary");
/// zlib's `Z_MEM_ERROR`: out of memory.
pub const Z_MEM_ERROR: Code = Code::new("Z_MEM_ERROR", "out of memory");
/// zlib's `Z_STREAM_ERROR`: inconsistent stream state or parameters.
pub const Z_STREAM_ERROR: Code = Code::new("Z_STREAM_ERROR", "stream error");
/// Node's `ERR_STREAM_WRITE_AFTER_END`: a stream was written to (or flushed) after `end`.
pub const ERR_STREAM_WRITE_AFTER_END: Code = Code::ERR_STREAM_WRITE_AFTER_END;
/// Node's `ERR_BUFFER_TOO_LARGE`: the output would exceed `max_output_length`.
pub const ERR_BUFFER_TOO_LARGE: Code = Code::ERR_BUFFER_TOO_LARGE;

/// `Z_BUF_ERROR`, with the message Node gives it.
pub(crate) fn unexpected_end() -> Error {
    Error::new(Z_BUF_ERROR).with_detail("unexpected end of file")
}

/// `Z_NEED_DICT`, with the message Node gives it.
pub(crate) fn need_dict() -> Error {
    Error::new(Z_NEED_DICT).with_detail("Missing dictionary")
}

/// `Z_MEM_ERROR` for an output buffer that could not be allocated, with the message of the
/// `RangeError` Node throws when a `Buffer` cannot be allocated.
pub(crate) fn out_of_memory() -> Error {
    Error::new(Z_MEM_ERROR).with_detail("Array buffer allocation failed")
}

/// `ERR_BUFFER_TOO_LARGE`, with Node's message.
pub(crate) fn too_large(limit: u64) -> Error {
    Error::new(ERR_BUFFER_TOO_LARGE)
        .with_detail(format!("Cannot create a Buffer larger than {limit} bytes"))
}

/// `ERR_STREAM_WRITE_AFTER_END`, with Node's message.
pub(crate) fn write_after_end() -> Error {
    Error::new(ERR_STREAM_WRITE_AFTER_END).with_detail("write after end")
}
