//! PBKDF2-HMAC (RFC 8018) with Node.js's `crypto.pbkdf2Sync` argument checks.

use ruv_core::{Code, Error, Loop, WorkClass, WorkReq};

use crate::digest::Digest;
use crate::sha512_lanes::{self, Backend, Variant};

/// The largest `iterations`, `keylen`, password length and salt length Node accepts
/// (`2**31 - 1`; Node validates them as 32-bit signed integers).
pub const MAX_INT32: u64 = i32::MAX as u64;

/// Arguments of a pbkdf2 call that passed Node's checks: made only by
/// [`Pbkdf2Params::validate`], then used (on any thread) to derive keys.
///
/// ```
/// use ruv_crypto::{Digest, Pbkdf2Params};
/// let params = Pbkdf2Params::validate(6, 4, 100_000, 512, "SHA512")?;
/// assert_eq!((params.digest(), params.iterations(), params.keylen()), (Digest::Sha512, 100_000, 512));
/// # Ok::<(), ruv_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pbkdf2Params {
    digest: Digest,
    iterations: u32,
    keylen: usize,
}

impl Pbkdf2Params {
    /// The PRF's hash.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// The iteration count, in `1..=2**31 - 1`.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The derived key's length in bytes, in `0..=2**31 - 1`.
    pub fn keylen(&self) -> usize {
        self.keylen
    }

    /// Checks pbkdf2's arguments in the order and with the messages of Node.js v20's
    /// `crypto.pbkdf2Sync` / `crypto.pbkdf2`, without allocating or hashing anything:
    ///
    /// 1. `iterations` in `1..=2147483647`, else [`Code::ERR_OUT_OF_RANGE`]
    ///    `The value of "iterations" is out of range. It must be >= 1 && <= 2147483647. Received 0`;
    /// 2. `keylen` in `0..=2147483647`, else [`Code::ERR_OUT_OF_RANGE`]
    ///    `The value of "keylen" is out of range. It must be >= 0 && <= 2147483647. Received 2147483648`;
    /// 3. password length `<= 2147483647`, else [`Code::ERR_OUT_OF_RANGE`] `pass is too large`;
    /// 4. salt length `<= 2147483647`, else [`Code::ERR_OUT_OF_RANGE`] `salt is too large`;
    /// 5. the digest name, else [`ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST`] `Invalid digest: md55`
    ///    (see [`Digest::from_node_name`]).
    ///
    /// Values above `2**32` are printed with `_` separators (`Received 4_294_967_297`), as
    /// Node prints them.
    ///
    /// # Errors
    ///
    /// The first failed check, as above.
    pub fn validate(
        password_len: usize,
        salt_len: usize,
        iterations: u64,
        keylen: u64,
        digest: &str,
    ) -> Result<Pbkdf2Params, Error> {
        if !(1..=MAX_INT32).contains(&iterations) {
            return Err(out_of_range("iterations", 1, iterations));
        }
        if keylen > MAX_INT32 {
            return Err(out_of_range("keylen", 0, keylen));
        }
        if password_len as u64 > MAX_INT32 {
            return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail("pass is too large"));
        }
        if salt_len as u64 > MAX_INT32 {
            return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail("salt is too large"));
        }
        let digest = Digest::from_node_name(digest)?;
        // Both fit: checked against 2**31 - 1 above.
        Ok(Pbkdf2Params {
            digest,
            iterations: iterations as u32,
            keylen: keylen as usize,
        })
    }

    /// Derives the key with these parameters. Never fails for keys that fit in memory.
    ///
    /// # Errors
    ///
    /// [`Code::ENOMEM`] if the `keylen`-byte output buffer cannot be allocated.
    pub fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.keylen).map_err(|_| {
            Error::new(Code::ENOMEM)
                .with_detail(format!("cannot allocate a {}-byte pbkdf2 key", self.keylen))
        })?;
        out.resize(self.keylen, 0);
        self.derive_into(password, salt, &mut out);
        Ok(out)
    }

    /// Derives `out.len()` bytes of key into `out` (ignoring `self.keylen`).
    ///
    /// With sha384/sha512, a key of two or more digest blocks and a CPU with AVX-512F,
    /// the blocks are computed 8 at a time in SIMD lanes (same bytes, several times
    /// faster); otherwise one at a time by the `pbkdf2` crate.
    pub fn derive_into(&self, password: &[u8], salt: &[u8], out: &mut [u8]) {
        let (p, s, n) = (password, salt, self.iterations);
        let variant = match self.digest {
            Digest::Sha384 => Some(Variant::Sha384),
            Digest::Sha512 => Some(Variant::Sha512),
            _ => None,
        };
        // Two or more output blocks: compute them side by side where the CPU can.
        if let (Some(variant), Some(backend)) = (variant, Backend::detect()) {
            if out.len() > self.digest.output_len() {
                return sha512_lanes::pbkdf2(variant, backend, p, s, n, out);
            }
        }
        self.derive_serial_into(password, salt, out);
    }

    /// Derives `out.len()` bytes of key into `out` one digest block after the other with
    /// the `pbkdf2` crate, as OpenSSL (and so Node) does, never in SIMD lanes. Same bytes
    /// as [`derive_into`](Self::derive_into); for like-for-like timing against Node.
    pub fn derive_serial_into(&self, password: &[u8], salt: &[u8], out: &mut [u8]) {
        let (p, s, n) = (password, salt, self.iterations);
        match self.digest {
            Digest::Sha1 => ::pbkdf2::pbkdf2_hmac::<sha1::Sha1>(p, s, n, out),
            Digest::Sha256 => ::pbkdf2::pbkdf2_hmac::<sha2::Sha256>(p, s, n, out),
            Digest::Sha384 => ::pbkdf2::pbkdf2_hmac::<sha2::Sha384>(p, s, n, out),
            Digest::Sha512 => ::pbkdf2::pbkdf2_hmac::<sha2::Sha512>(p, s, n, out),
        }
    }
}

/// Derives a `keylen`-byte key from `password` and `salt` with PBKDF2-HMAC-`digest`,
/// `iterations` rounds: Node.js's `crypto.pbkdf2Sync(password, salt, iterations, keylen,
/// digest)`, byte for byte.
///
/// Arguments are checked first, exactly as Node checks them (see
/// [`Pbkdf2Params::validate`]); nothing is allocated or hashed for a call that fails them.
/// `keylen == 0` is allowed and gives an empty key.
///
/// ```
/// let key = ruv_crypto::pbkdf2_sync(b"password", b"salt", 1, 20, "sha1")?;
/// assert_eq!(key, [
///     0x0c, 0x60, 0xc8, 0x0f, 0x96, 0x1f, 0x0e, 0x71, 0xf3, 0xa9,
///     0xb5, 0x24, 0xaf, 0x60, 0x12, 0x06, 0x2f, 0xe0, 0x37, 0xa6,
/// ]);
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Code::ERR_OUT_OF_RANGE`] or [`ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST`] with Node's message
/// for bad arguments; [`Code::ENOMEM`] if the key buffer cannot be allocated.
pub fn pbkdf2_sync(
    password: &[u8],
    salt: &[u8],
    iterations: u64,
    keylen: u64,
    digest: &str,
) -> Result<Vec<u8>, Error> {
    Pbkdf2Params::validate(password.len(), salt.len(), iterations, keylen, digest)?
        .derive(password, salt)
}

/// Node.js's `crypto.pbkdf2(password, salt, iterations, keylen, digest, callback)`: derives
/// the key on the worker pool ([`WorkClass::Cpu`]) and calls `cb` on the loop with it.
///
/// The arguments are checked first, synchronously, exactly as [`pbkdf2_sync`] checks them
/// (Node throws from `crypto.pbkdf2` itself): a bad call returns the error and queues
/// nothing, and `cb` is never called. Password and salt are copied, so the caller's
/// buffers are free as soon as this returns.
///
/// `cb` gets the key, or an error from the pool: `ECANCELED` after [`Loop::cancel`] on the
/// returned request, `ENOMEM` if the key buffer could not be allocated.
///
/// ```
/// use ruv_core::{Loop, RunMode};
///
/// let mut lp: Loop<Vec<Vec<u8>>> = Loop::new()?;
/// ruv_crypto::pbkdf2(&mut lp, b"password", b"salt", 1, 20, "sha1", |_lp, keys, res| {
///     keys.push(res.unwrap());
/// })?;
/// let mut keys = Vec::new();
/// lp.run(RunMode::Default, &mut keys)?;
/// assert_eq!(keys, [ruv_crypto::pbkdf2_sync(b"password", b"salt", 1, 20, "sha1")?]);
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The argument errors of [`pbkdf2_sync`]; the pool's start-up error from
/// [`Loop::queue_work`].
pub fn pbkdf2<S: 'static>(
    lp: &mut Loop<S>,
    password: &[u8],
    salt: &[u8],
    iterations: u64,
    keylen: u64,
    digest: &str,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let params = Pbkdf2Params::validate(password.len(), salt.len(), iterations, keylen, digest)?;
    let (password, salt) = (password.to_vec(), salt.to_vec());
    lp.queue_work(
        WorkClass::Cpu,
        move || params.derive(&password, &salt),
        move |lp, state, res| cb(lp, state, res.and_then(|key| key)),
    )
}

/// Node's `ERR_OUT_OF_RANGE` for an integer argument outside `min..=2**31 - 1`.
pub(crate) fn out_of_range(name: &str, min: u64, received: u64) -> Error {
    out_of_range_must(name, &format!(">= {min} && <= {MAX_INT32}"), received)
}

/// Node's `ERR_OUT_OF_RANGE` with its own "It must be …" clause.
pub(crate) fn out_of_range_must(name: &str, must: &str, received: u64) -> Error {
    Error::out_of_range(name, must, received)
}
