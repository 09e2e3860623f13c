//! The fs-only Node codes ruv-fs's errors carry (ruv-core's [`Code`] is open: each crate
//! declares its own; OS codes such as `ENOENT` are ruv-core's).
//!
//! ```
//! assert_eq!(ruv_fs::codes::ERR_DIR_CLOSED.name(), "ERR_DIR_CLOSED");
//! ```

use ruv_core::Code;

/// Node: `fs.rm` of a directory without `recursive`.
pub const ERR_FS_EISDIR: Code = Code::new("ERR_FS_EISDIR", "path is a directory");
/// Node: a read on a closed `fs.Dir`.
pub const ERR_DIR_CLOSED: Code = Code::new("ERR_DIR_CLOSED", "directory handle was closed");
/// Node: a file too large to read into one buffer.
pub const ERR_FS_FILE_TOO_LARGE: Code =
    Code::new("ERR_FS_FILE_TOO_LARGE", "file size is greater than 2 GiB");
