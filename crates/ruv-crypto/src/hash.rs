//! One-shot hashes and HMACs (Node.js's `createHash(alg).update(data).digest()` and
//! `createHmac(alg, key).update(data).digest()`), sync and on the worker pool, and
//! `crypto.timingSafeEqual`.

use hmac::{Hmac, KeyInit, Mac};
use ruv_core::{Error, Loop, WorkClass, WorkReq};
use sha2::Digest as _;

use crate::digest::Digest;

/// The `digest` hash of `data`: Node.js's
/// `crypto.createHash(digest).update(data).digest()`.
///
/// ```
/// use ruv_crypto::{hash_sync, Digest};
/// let d = hash_sync(Digest::Sha256, b"abc");
/// assert_eq!(d.len(), 32);
/// assert_eq!(d[..4], [0xba, 0x78, 0x16, 0xbf]);
/// ```
pub fn hash_sync(digest: Digest, data: &[u8]) -> Vec<u8> {
    match digest {
        Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Digest::Sha384 => sha2::Sha384::digest(data).to_vec(),
        Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The HMAC-`digest` of `data` under `key`: Node.js's
/// `crypto.createHmac(digest, key).update(data).digest()`. Keys of any length.
///
/// ```
/// use ruv_crypto::{hmac_sync, Digest};
/// let m = hmac_sync(Digest::Sha256, b"key", b"The quick brown fox jumps over the lazy dog");
/// assert_eq!(m[..4], [0xf7, 0xbc, 0x83, 0xf4]);
/// ```
pub fn hmac_sync(digest: Digest, key: &[u8], data: &[u8]) -> Vec<u8> {
    match digest {
        Digest::Sha1 => mac::<Hmac<sha1::Sha1>>(key, data),
        Digest::Sha256 => mac::<Hmac<sha2::Sha256>>(key, data),
        Digest::Sha384 => mac::<Hmac<sha2::Sha384>>(key, data),
        Digest::Sha512 => mac::<Hmac<sha2::Sha512>>(key, data),
    }
}

/// [`hash_sync`] on the worker pool ([`WorkClass::Cpu`]), for large buffers: takes `data`
/// by value (no copy), calls `cb` on the loop with the digest.
///
/// `cb` gets the digest, or `ECANCELED` after [`Loop::cancel`] on the returned request
/// (then `data` is dropped).
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_crypto::{hash_sync, Digest};
///
/// let mut lp: Loop<Vec<u8>> = Loop::new()?;
/// ruv_crypto::hash(&mut lp, Digest::Sha512, vec![7u8; 1 << 20], |_lp, out, res| {
///     *out = res.unwrap();
/// })?;
/// let mut out = Vec::new();
/// lp.run(RunMode::Default, &mut out)?;
/// assert_eq!(out, hash_sync(Digest::Sha512, &vec![7u8; 1 << 20]));
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The pool's start-up error from [`Loop::queue_work`].
pub fn hash<S: 'static>(
    lp: &mut Loop<S>,
    digest: Digest,
    data: Vec<u8>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    lp.queue_work(WorkClass::Cpu, move || hash_sync(digest, &data), cb)
}

/// [`hmac_sync`] on the worker pool ([`WorkClass::Cpu`]): `key` is copied, `data` taken by
/// value; `cb` gets the MAC on the loop, or `ECANCELED` after [`Loop::cancel`].
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_crypto::{hmac_sync, Digest};
///
/// let mut lp: Loop<Vec<u8>> = Loop::new()?;
/// ruv_crypto::hmac(&mut lp, Digest::Sha1, b"k", b"data".to_vec(), |_lp, out, res| {
///     *out = res.unwrap();
/// })?;
/// let mut out = Vec::new();
/// lp.run(RunMode::Default, &mut out)?;
/// assert_eq!(out, hmac_sync(Digest::Sha1, b"k", b"data"));
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The pool's start-up error from [`Loop::queue_work`].
pub fn hmac<S: 'static>(
    lp: &mut Loop<S>,
    digest: Digest,
    key: &[u8],
    data: Vec<u8>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let key = key.to_vec();
    lp.queue_work(WorkClass::Cpu, move || hmac_sync(digest, &key, &data), cb)
}

/// Node.js's `crypto.timingSafeEqual(a, b)`: whether `a` and `b` hold the same bytes, in
/// time that depends only on their length (every byte pair is compared, the differences
/// folded together, the fold hidden from the optimizer with [`std::hint::black_box`]).
///
/// ```
/// use ruv_core::Code;
/// use ruv_crypto::timing_safe_equal;
/// assert!(timing_safe_equal(b"secret", b"secret")?);
/// assert!(!timing_safe_equal(b"secret", b"secreT")?);
/// let err = timing_safe_equal(b"a", b"ab").unwrap_err();
/// assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH);
/// assert_eq!(
///     err.to_string(),
///     "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH: Input buffers must have the same byte length"
/// );
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`ruv_crypto::codes::ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH`] (Node's message) if the lengths differ.
pub fn timing_safe_equal(a: &[u8], b: &[u8]) -> Result<bool, Error> {
    if a.len() != b.len() {
        return Err(
            Error::new(crate::codes::ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH)
                .with_detail("Input buffers must have the same byte length"),
        );
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    Ok(std::hint::black_box(diff) == 0)
}
