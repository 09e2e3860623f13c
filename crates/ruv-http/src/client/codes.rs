//! Codes the client needs that `crate::codes` does not have yet.

use ruv_core::Code;

/// A request path with a space, a control byte or a char above `\u{ff}`.
pub(crate) const ERR_UNESCAPED_CHARACTERS: Code = Code::new(
    "ERR_UNESCAPED_CHARACTERS",
    "Request path contains unescaped characters",
);
