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
//! assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! [`pbkdf2`] is `crypto.pbkdf2`: the same checks, synchronously, then the hash on a
//! ruv-core [`Loop`](ruv_core::Loop)'s worker pool and the key back in a callback on the
//! loop. [`Pbkdf2Params`] splits the two halves (validate, then derive on any thread);
//! [`Digest`] parses the digest names Node accepts.
//!
//! Multi-block sha384/sha512 keys (the pool experiment's 512-byte sha512 key) are computed
//! 8 blocks at a time in AVX-512 lanes where the CPU has them, several times faster than
//! Node; everything else uses the `pbkdf2` crate. See `docs/crypto.md` for the validation
//! rules, the digest names and the benchmark against Node.
//!
//! Also Node's other pool-backed crypto calls, each as a sync function and a loop function
//! with a callback: [`random_bytes`] / [`random_fill`] (`crypto.randomBytes`,
//! `crypto.randomFill`), [`scrypt()`] (`crypto.scrypt`, with [`ScryptOptions`]), [`hash`] and
//! [`hmac()`] (one-shot `createHash` / `createHmac` digests of large buffers), and
//! [`timing_safe_equal`] (`crypto.timingSafeEqual`).

#![warn(missing_docs)]

mod chacha_lanes;
pub mod codes;
mod digest;
mod hash;
mod pbkdf2;
mod random;
mod scrypt;
mod scrypt_core;
mod sha512_lanes;

pub use crate::digest::Digest;
pub use crate::hash::{hash, hash_sync, hmac, hmac_sync, timing_safe_equal};
pub use crate::pbkdf2::{pbkdf2, pbkdf2_sync, Pbkdf2Params, MAX_INT32};
pub use crate::random::{
    random_bytes, random_bytes_sync, random_fill, random_fill_sync, OS_RANDOM_MAX, RESEED_BYTES,
};
pub use crate::scrypt::{scrypt, scrypt_sync, ScryptOptions, ScryptParams};
