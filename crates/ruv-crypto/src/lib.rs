//! Node.js-compatible crypto for ruv.
//!
//! [`pbkdf2_sync`] is `crypto.pbkdf2Sync`: same bytes, same argument checks, same error
//! codes and messages (as [`ruv_core::Error`]):
//!
//! ```
//! use ruv_core::Code;
//! use ruv_crypto::pbkdf2_sync;
//!
//! let key = pbkdf2_sync(b"secret", b"salt", 1000, 16, "sha512")?;
//! assert_eq!(key.len(), 16);
//! // The same digest by one of the other names Node accepts.
//! assert_eq!(pbkdf2_sync(b"secret", b"salt", 1000, 16, "SHA-512")?, key);
//!
//! let err = pbkdf2_sync(b"secret", b"salt", 0, 16, "sha512").unwrap_err();
//! assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
//! assert_eq!(
//!     err.to_string(),
//!     "ERR_OUT_OF_RANGE: The value of \"iterations\" is out of range. \
//!      It must be >= 1 && <= 2147483647. Received 0"
//! );
//! let err = pbkdf2_sync(b"secret", b"salt", 1, 16, "md55").unwrap_err();
//! assert_eq!(err.code(), Code::ERR_CRYPTO_INVALID_DIGEST);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! See `docs/crypto.md` for the validation rules and the benchmark against Node.

#![warn(missing_docs)]

mod digest;
mod pbkdf2;
mod sha512_lanes;

pub use crate::digest::Digest;
pub use crate::pbkdf2::{pbkdf2, pbkdf2_sync, Pbkdf2Params, MAX_INT32};
