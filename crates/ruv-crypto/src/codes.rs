//! The Node codes ruv-crypto's errors carry (ruv-core's [`Code`] is open: each crate
//! declares its own).
//!
//! ```
//! assert_eq!(ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST.name(), "ERR_CRYPTO_INVALID_DIGEST");
//! ```

use ruv_core::Code;

/// Node: a digest name that is not supported.
pub const ERR_CRYPTO_INVALID_DIGEST: Code =
    Code::new("ERR_CRYPTO_INVALID_DIGEST", "invalid digest");
/// Node: scrypt's N, r, p or maxmem rejected (`Invalid scrypt params`).
pub const ERR_CRYPTO_INVALID_SCRYPT_PARAMS: Code =
    Code::new("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", "invalid scrypt params");
/// Node: `crypto.timingSafeEqual` of buffers of different lengths.
pub const ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH: Code = Code::new(
    "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
    "input buffers must have the same byte length",
);
