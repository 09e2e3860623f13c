//! scrypt (RFC 7914) with Node.js's `crypto.scryptSync` argument checks.

use ruv_core::{Code, Error, Loop, WorkClass, WorkReq};

use crate::pbkdf2::{out_of_range, out_of_range_must, MAX_INT32};

/// Node's bound for `N`, `r` and `p` (they are validated as unsigned 32-bit integers).
const MAX_UINT32: u64 = u32::MAX as u64;
/// Node's bound for `maxmem` (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// OpenSSL's bound on `r * p` (exclusive of the value itself: `r * p <= 2**30 - 1`).
const PR_MAX: u64 = (1 << 30) - 1;

/// The options of Node.js's `crypto.scrypt`: `{ N, r, p, maxmem }` (Node also spells them
/// `cost`, `blockSize`, `parallelization`).
///
/// [`Default`] gives Node's defaults. As in Node, a field set to 0 means its default.
///
/// ```
/// use ruv_crypto::ScryptOptions;
/// let o = ScryptOptions::default();
/// assert_eq!((o.cost, o.block_size, o.parallelization, o.maxmem), (16384, 8, 1, 32 << 20));
/// let cheap = ScryptOptions { cost: 1024, ..ScryptOptions::default() };
/// # let _ = cheap;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScryptOptions {
    /// `N`, the CPU/memory cost: a power of two above 1 (default 16384).
    pub cost: u64,
    /// `r`, the block size (default 8).
    pub block_size: u64,
    /// `p`, the parallelization (default 1).
    pub parallelization: u64,
    /// The most memory the derivation may use, in bytes (default 32 MiB). OpenSSL counts
    /// `128 * r * (N + 2 + p)` bytes.
    pub maxmem: u64,
}

impl Default for ScryptOptions {
    fn default() -> ScryptOptions {
        ScryptOptions {
            cost: 16384,
            block_size: 8,
            parallelization: 1,
            maxmem: 32 << 20,
        }
    }
}

/// Arguments of a scrypt call that passed Node's checks: made only by
/// [`ScryptParams::validate`], then used (on any thread) to derive keys.
///
/// ```
/// use ruv_crypto::{ScryptOptions, ScryptParams};
/// let p = ScryptParams::validate(1, 1, 64, &ScryptOptions { cost: 1024, ..Default::default() })?;
/// assert_eq!((p.n(), p.r(), p.p(), p.keylen()), (1024, 8, 1, 64));
/// # Ok::<(), ruv_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScryptParams {
    log_n: u8,
    r: u32,
    p: u32,
    keylen: usize,
}

fn invalid_params() -> Error {
    Error::new(crate::codes::ERR_CRYPTO_INVALID_SCRYPT_PARAMS).with_detail("Invalid scrypt params")
}

fn memory_limit_exceeded() -> Error {
    Error::new(crate::codes::ERR_CRYPTO_INVALID_SCRYPT_PARAMS).with_detail(
        "Invalid scrypt params: error:030000AC:digital envelope routines::memory limit exceeded",
    )
}

impl ScryptParams {
    /// `N`.
    pub fn n(&self) -> u64 {
        1 << self.log_n
    }

    /// `r`.
    pub fn r(&self) -> u32 {
        self.r
    }

    /// `p`.
    pub fn p(&self) -> u32 {
        self.p
    }

    /// The derived key's length in bytes.
    pub fn keylen(&self) -> usize {
        self.keylen
    }

    /// Checks scrypt's arguments in the order and with the messages of Node.js v20's
    /// `crypto.scryptSync` (OpenSSL 3's checks for the last ones):
    ///
    /// 1. `keylen <= 2147483647`, else [`Code::ERR_OUT_OF_RANGE`] `The value of "keylen" is
    ///    out of range. It must be >= 0 && <= 2147483647. Received 2147483648`;
    /// 2. `N`, `r`, `p` each `<= 4294967295`, else [`Code::ERR_OUT_OF_RANGE`]
    ///    `The value of "N" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296`;
    ///    `maxmem <= 2**53 - 1`, else `The value of "maxmem" is out of range. It must be
    ///    >= 0 && <= 9007199254740991. Received 9_007_199_254_740_992`;
    /// 3. zeros replaced by the defaults;
    /// 4. password and salt lengths `<= 2147483647` (`pass is too large`, `salt is too large`);
    /// 5. `N` a power of two above 1, else [`ruv_crypto::codes::ERR_CRYPTO_INVALID_SCRYPT_PARAMS`]
    ///    `Invalid scrypt params`;
    /// 6. OpenSSL's limits: `r * p < 2**30`, `N < 2**(16 * r)`, `128 * r * p <= 2**31 - 1`,
    ///    and `128 * r * (N + 2 + p) <= maxmem`, else
    ///    [`ruv_crypto::codes::ERR_CRYPTO_INVALID_SCRYPT_PARAMS`] `Invalid scrypt params:
    ///    error:030000AC:digital envelope routines::memory limit exceeded`.
    ///
    /// # Errors
    ///
    /// The first failed check, as above.
    pub fn validate(
        password_len: usize,
        salt_len: usize,
        keylen: u64,
        options: &ScryptOptions,
    ) -> Result<ScryptParams, Error> {
        if keylen > MAX_INT32 {
            return Err(out_of_range("keylen", 0, keylen));
        }
        let uint32 = format!(">= 0 && <= {MAX_UINT32}");
        for (name, v) in [
            ("N", options.cost),
            ("r", options.block_size),
            ("p", options.parallelization),
        ] {
            if v > MAX_UINT32 {
                return Err(out_of_range_must(name, &uint32, v));
            }
        }
        if options.maxmem > MAX_SAFE_INTEGER {
            return Err(out_of_range_must(
                "maxmem",
                &format!(">= 0 && <= {MAX_SAFE_INTEGER}"),
                options.maxmem,
            ));
        }
        let d = ScryptOptions::default();
        let or = |v: u64, default: u64| if v == 0 { default } else { v };
        let n = or(options.cost, d.cost);
        let r = or(options.block_size, d.block_size);
        let p = or(options.parallelization, d.parallelization);
        let maxmem = or(options.maxmem, d.maxmem);
        if password_len as u64 > MAX_INT32 {
            return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail("pass is too large"));
        }
        if salt_len as u64 > MAX_INT32 {
            return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail("salt is too large"));
        }
        if n < 2 || !n.is_power_of_two() {
            return Err(invalid_params());
        }
        // r, p in 1..=2**32 - 1 and N in 2..=2**31: only the memory total can overflow u64.
        if p > PR_MAX / r {
            return Err(memory_limit_exceeded());
        }
        if 16 * r <= 63 && n >= 1 << (16 * r) {
            return Err(memory_limit_exceeded());
        }
        let b_len = 128 * r * p;
        if b_len > i32::MAX as u64 {
            return Err(memory_limit_exceeded());
        }
        let total = (128 * r)
            .checked_mul(n + 2)
            .and_then(|v_len| v_len.checked_add(b_len));
        if total.is_none_or(|total| total > maxmem.min(usize::MAX as u64)) {
            return Err(memory_limit_exceeded());
        }
        Ok(ScryptParams {
            log_n: n.trailing_zeros() as u8,
            r: r as u32,
            p: p as u32,
            keylen: keylen as usize,
        })
    }

    /// Derives the key with these parameters (ruv's own ROMix and Salsa20/8, see
    /// `docs/crypto.md`; PBKDF2-HMAC-SHA256 from the `pbkdf2` crate).
    ///
    /// # Errors
    ///
    /// [`Code::ENOMEM`] if the key buffer or the working memory (`128 * r * (N + p + 2)`
    /// bytes, bounded by `maxmem`) cannot be allocated.
    pub fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.keylen).map_err(|_| {
            Error::new(Code::ENOMEM)
                .with_detail(format!("cannot allocate a {}-byte scrypt key", self.keylen))
        })?;
        out.resize(self.keylen, 0);
        if out.is_empty() {
            return Ok(out);
        }
        crate::scrypt_core::scrypt(password, salt, self.log_n, self.r, self.p, &mut out)?;
        Ok(out)
    }
}

/// Derives a `keylen`-byte key from `password` and `salt` with scrypt: Node.js's
/// `crypto.scryptSync(password, salt, keylen, options)`, byte for byte.
///
/// ```
/// use ruv_core::Code;
/// use ruv_crypto::{scrypt_sync, ScryptOptions};
///
/// let opts = ScryptOptions { cost: 16, block_size: 1, parallelization: 1, ..Default::default() };
/// let key = scrypt_sync(b"", b"", 64, &opts)?;
/// assert_eq!(key[..8], [0x77, 0xd6, 0x57, 0x62, 0x38, 0x65, 0x7b, 0x20]);
///
/// let err = scrypt_sync(b"pw", b"salt", 64, &ScryptOptions { cost: 3, ..opts }).unwrap_err();
/// assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_INVALID_SCRYPT_PARAMS);
/// assert_eq!(err.to_string(), "ERR_CRYPTO_INVALID_SCRYPT_PARAMS: Invalid scrypt params");
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The argument errors of [`ScryptParams::validate`], with Node's codes and messages;
/// `ENOMEM` if the key cannot be allocated.
pub fn scrypt_sync(
    password: &[u8],
    salt: &[u8],
    keylen: u64,
    options: &ScryptOptions,
) -> Result<Vec<u8>, Error> {
    ScryptParams::validate(password.len(), salt.len(), keylen, options)?.derive(password, salt)
}

/// Node.js's `crypto.scrypt(password, salt, keylen, options, callback)`: derives the key on
/// the worker pool ([`WorkClass::Cpu`]) and calls `cb` on the loop with it.
///
/// The arguments are checked first, synchronously, exactly as [`scrypt_sync`] checks them:
/// a bad call returns the error, queues nothing and never calls `cb`. Password and salt
/// are copied. `cb` gets the key, or `ECANCELED` after [`Loop::cancel`], or `ENOMEM`.
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_crypto::ScryptOptions;
///
/// let mut lp: Loop<Vec<u8>> = Loop::new()?;
/// let opts = ScryptOptions { cost: 1024, ..Default::default() };
/// ruv_crypto::scrypt(&mut lp, b"pw", b"salt", 16, &opts, |_lp, key, res| *key = res.unwrap())?;
/// let mut key = Vec::new();
/// lp.run(RunMode::Default, &mut key)?;
/// assert_eq!(key, ruv_crypto::scrypt_sync(b"pw", b"salt", 16, &opts)?);
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The argument errors of [`scrypt_sync`]; the pool's start-up error from
/// [`Loop::queue_work`].
pub fn scrypt<S: 'static>(
    lp: &mut Loop<S>,
    password: &[u8],
    salt: &[u8],
    keylen: u64,
    options: &ScryptOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let params = ScryptParams::validate(password.len(), salt.len(), keylen, options)?;
    let (password, salt) = (password.to_vec(), salt.to_vec());
    lp.queue_work(
        WorkClass::Cpu,
        move || params.derive(&password, &salt),
        move |lp, state, res| cb(lp, state, res.and_then(|key| key)),
    )
}
