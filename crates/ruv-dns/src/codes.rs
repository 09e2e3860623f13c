//! The codes ruv-dns's errors carry, by the names Node gives them (`err.code`).
//!
//! ruv-core's [`Code`] is open: each crate declares its own codes, as here.
//!
//! ```
//! assert_eq!(ruv_dns::codes::ENOTFOUND.name(), "ENOTFOUND");
//! ```

use ruv_core::Code;

/// Node's `ENOTFOUND`: the name does not resolve (getaddrinfo's `EAI_NONAME`/`EAI_NODATA`).
pub const ENOTFOUND: Code = Code::new("ENOTFOUND", "not found");
/// `EAI_AGAIN`: temporary failure in name resolution.
pub const EAI_AGAIN: Code = Code::new("EAI_AGAIN", "temporary failure");
/// `EAI_FAIL`: non-recoverable failure in name resolution.
pub const EAI_FAIL: Code = Code::new("EAI_FAIL", "permanent failure");
/// `EAI_FAMILY`: address family not supported.
pub const EAI_FAMILY: Code = Code::new("EAI_FAMILY", "ai_family not supported");
/// `EAI_MEMORY`: out of memory.
pub const EAI_MEMORY: Code = Code::new("EAI_MEMORY", "out of memory");
/// `EAI_SERVICE`: service not available for the socket type.
pub const EAI_SERVICE: Code = Code::new("EAI_SERVICE", "service not available for socket type");
/// `EAI_CANCELED`: the request was cancelled.
pub const EAI_CANCELED: Code = Code::new("EAI_CANCELED", "request canceled");
