//! Hash algorithms, named the way Node.js names them.

use std::fmt;
use std::str::FromStr;

use ruv_core::Error;

/// A hash algorithm usable as the PRF digest of [`pbkdf2_sync`](crate::pbkdf2_sync).
///
/// Parse one from any name Node.js v20 (through OpenSSL 3) accepts for it, compared
/// ASCII-case-insensitively, with [`Digest::from_node_name`] or [`str::parse`]:
///
/// ```
/// use ruv_crypto::Digest;
/// assert_eq!(Digest::from_node_name("sha512")?, Digest::Sha512);
/// assert_eq!("SHA-256".parse::<Digest>()?, Digest::Sha256);
/// assert_eq!(Digest::from_node_name("RSA-SHA1")?, Digest::Sha1);
/// let err = Digest::from_node_name("md55").unwrap_err();
/// assert_eq!(err.to_string(), "ERR_CRYPTO_INVALID_DIGEST: Invalid digest: md55");
/// # Ok::<(), ruv_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-1 (20-byte output).
    Sha1,
    /// SHA-256 (32-byte output).
    Sha256,
    /// SHA-384 (48-byte output).
    Sha384,
    /// SHA-512 (64-byte output).
    Sha512,
}

/// Every name Node.js v20 accepts for each supported digest, lower-cased. Node hands the
/// name to OpenSSL, which matches it ASCII-case-insensitively against the algorithm's
/// provider names, its legacy object names (the `RSA-…` / `…WithRSAEncryption`
/// signature names resolve to their digest) and its OID. Checked name by name against
/// `crypto.pbkdf2Sync` in Node v20.20.2.
const ALIASES: &[(Digest, &[&str])] = &[
    (
        Digest::Sha1,
        &[
            "sha1",
            "sha-1",
            "ssl3-sha1",
            "rsa-sha1",
            "rsa-sha1-2",
            "sha1withrsaencryption",
            "1.3.14.3.2.26",
        ],
    ),
    (
        Digest::Sha256,
        &[
            "sha256",
            "sha-256",
            "sha2-256",
            "rsa-sha256",
            "sha256withrsaencryption",
            "2.16.840.1.101.3.4.2.1",
        ],
    ),
    (
        Digest::Sha384,
        &[
            "sha384",
            "sha-384",
            "sha2-384",
            "rsa-sha384",
            "sha384withrsaencryption",
            "2.16.840.1.101.3.4.2.2",
        ],
    ),
    (
        Digest::Sha512,
        &[
            "sha512",
            "sha-512",
            "sha2-512",
            "rsa-sha512",
            "sha512withrsaencryption",
            "2.16.840.1.101.3.4.2.3",
        ],
    ),
];

/// Names Node.js v20 accepts for pbkdf2 but that ruv-crypto does not implement (yet).
/// They get the same error code as an unknown name, with a message that says so.
const NODE_ONLY: &[&str] = &[
    "md5",
    "ssl3-md5",
    "rsa-md5",
    "md5withrsaencryption",
    "1.2.840.113549.2.5",
    "md5-sha1",
    "ripemd",
    "ripemd160",
    "ripemd-160",
    "rmd160",
    "rsa-ripemd160",
    "ripemd160withrsa",
    "1.3.36.3.2.1",
    "sha224",
    "sha-224",
    "sha2-224",
    "rsa-sha224",
    "sha224withrsaencryption",
    "2.16.840.1.101.3.4.2.4",
    "sha512-224",
    "sha-512/224",
    "sha2-512/224",
    "rsa-sha512/224",
    "sha512-224withrsaencryption",
    "2.16.840.1.101.3.4.2.5",
    "sha512-256",
    "sha-512/256",
    "sha2-512/256",
    "rsa-sha512/256",
    "sha512-256withrsaencryption",
    "2.16.840.1.101.3.4.2.6",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "rsa-sha3-224",
    "rsa-sha3-256",
    "rsa-sha3-384",
    "rsa-sha3-512",
    "id-rsassa-pkcs1-v1_5-with-sha3-224",
    "id-rsassa-pkcs1-v1_5-with-sha3-256",
    "id-rsassa-pkcs1-v1_5-with-sha3-384",
    "id-rsassa-pkcs1-v1_5-with-sha3-512",
    "2.16.840.1.101.3.4.2.7",
    "2.16.840.1.101.3.4.2.8",
    "2.16.840.1.101.3.4.2.9",
    "2.16.840.1.101.3.4.2.10",
    "blake2b512",
    "blake2b-512",
    "blake2s256",
    "blake2s-256",
    "sm3",
    "rsa-sm3",
    "sm3withrsaencryption",
];

impl Digest {
    /// All supported digests, in order of output size.
    pub const ALL: [Digest; 4] = [Digest::Sha1, Digest::Sha256, Digest::Sha384, Digest::Sha512];

    /// Parses a digest name as Node.js's `crypto.pbkdf2` does: ASCII-case-insensitive, with
    /// OpenSSL's aliases (`"sha256"`, `"SHA-256"`, `"sha2-256"`, `"RSA-SHA256"`,
    /// `"sha256WithRSAEncryption"`, the OID `"2.16.840.1.101.3.4.2.1"`). No trimming:
    /// `" sha256"` is rejected, as in Node.
    ///
    /// # Errors
    ///
    /// [`ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST`] with Node's message `Invalid digest: <name>`.
    /// For a name Node accepts but ruv-crypto does not implement (`md5`, `sha224`,
    /// `sha3-256`, …) the code is the same and the message adds why.
    pub fn from_node_name(name: &str) -> Result<Digest, Error> {
        for (digest, names) in ALIASES {
            if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Ok(*digest);
            }
        }
        let err = Error::new(crate::codes::ERR_CRYPTO_INVALID_DIGEST);
        if NODE_ONLY.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            Err(err.with_detail(format!(
                "Invalid digest: {name} (Node.js accepts it; ruv-crypto implements only \
                 sha1, sha256, sha384 and sha512)"
            )))
        } else {
            Err(err.with_detail(format!("Invalid digest: {name}")))
        }
    }

    /// The canonical lower-case name, as Node's `crypto.getHashes()` lists it (`"sha256"`).
    pub fn name(self) -> &'static str {
        match self {
            Digest::Sha1 => "sha1",
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha512 => "sha512",
        }
    }

    /// The digest's output size in bytes (20, 32, 48 or 64).
    pub fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }
}

impl FromStr for Digest {
    type Err = Error;

    /// Same as [`Digest::from_node_name`].
    fn from_str(s: &str) -> Result<Digest, Error> {
        Digest::from_node_name(s)
    }
}

impl fmt::Display for Digest {
    /// Writes [`Digest::name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_lower_case_and_disjoint() {
        let mut seen = std::collections::HashSet::new();
        for (_, names) in ALIASES {
            for n in *names {
                assert_eq!(*n, n.to_ascii_lowercase());
                assert!(seen.insert(*n), "duplicate {n}");
            }
        }
        for n in NODE_ONLY {
            assert_eq!(*n, n.to_ascii_lowercase());
            assert!(seen.insert(*n), "duplicate {n}");
        }
    }

    #[test]
    fn name_round_trips() {
        for d in Digest::ALL {
            assert_eq!(Digest::from_node_name(d.name()).unwrap(), d);
            assert_eq!(d.to_string(), d.name());
        }
    }
}
