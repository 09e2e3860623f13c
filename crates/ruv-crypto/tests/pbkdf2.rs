//! pbkdf2_sync against outputs and errors recorded from Node.js v20 (tests/data/).

use ruv_core::Code;
use ruv_crypto::{pbkdf2_sync, Digest, Pbkdf2Params};
use serde_json::Value;

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn code_name(code: Code) -> &'static str {
    code.name()
}

/// Every vector of shared/conformance/vectors.json's pbkdf2 section.
#[test]
fn conformance_vectors() {
    let d = data("pbkdf2.json");
    let vectors = d["pbkdf2"].as_array().unwrap();
    assert_eq!(vectors.len(), 10);
    for v in vectors {
        let key = pbkdf2_sync(
            v["password"].as_str().unwrap().as_bytes(),
            v["salt"].as_str().unwrap().as_bytes(),
            v["iterations"].as_u64().unwrap(),
            v["keylen"].as_u64().unwrap(),
            v["digest"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(hex::encode(key), v["hex"].as_str().unwrap(), "{v}");
    }
}

/// Extra vectors from tests/data/node_cases.js: the pool experiment's hash, partial last
/// blocks, long passwords, binary inputs, aliases. Both implementations: `pbkdf2_sync`
/// (SIMD lanes for multi-block sha384/sha512 keys where the CPU has AVX-512) and
/// `derive_serial_into` (one block at a time).
#[test]
fn node_extra_vectors() {
    let d = data("node_cases.json");
    let vectors = d["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 19);
    for v in vectors {
        let password = hex::decode(v["password_hex"].as_str().unwrap()).unwrap();
        let salt = hex::decode(v["salt_hex"].as_str().unwrap()).unwrap();
        let (iterations, keylen) = (
            v["iterations"].as_u64().unwrap(),
            v["keylen"].as_u64().unwrap(),
        );
        let digest = v["digest"].as_str().unwrap();
        let key = pbkdf2_sync(&password, &salt, iterations, keylen, digest).unwrap();
        assert_eq!(hex::encode(key), v["hex"].as_str().unwrap(), "{v}");
        let params =
            Pbkdf2Params::validate(password.len(), salt.len(), iterations, keylen, digest).unwrap();
        let mut serial = vec![0; params.keylen()];
        params.derive_serial_into(&password, &salt, &mut serial);
        assert_eq!(
            hex::encode(serial),
            v["hex"].as_str().unwrap(),
            "serial {v}"
        );
    }
}

/// Node's code and message for each bad argument a u64 can carry.
#[test]
fn node_errors() {
    let d = data("node_cases.json");
    let errors = d["errors"].as_array().unwrap();
    assert!(errors.len() >= 20);
    for e in errors {
        let err = pbkdf2_sync(
            b"p",
            b"s",
            e["iterations"].as_u64().unwrap(),
            e["keylen"].as_u64().unwrap(),
            e["digest"].as_str().unwrap(),
        )
        .unwrap_err();
        let code = e["code"].as_str().unwrap();
        assert_eq!(code_name(err.code()), code, "{e}");
        assert_eq!(
            err.to_string(),
            format!("{code}: {}", e["message"].as_str().unwrap()),
            "{e}"
        );
    }
}

#[test]
fn keylen_zero_is_an_empty_key() {
    assert_eq!(
        pbkdf2_sync(b"p", b"s", 1, 0, "sha512").unwrap(),
        Vec::<u8>::new()
    );
    // Node still validates the digest for an empty key.
    let err = pbkdf2_sync(b"p", b"s", 1, 0, "md55").unwrap_err();
    assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST);
}

/// The maximum iteration count and key length pass validation (Node accepts them) without
/// hashing or allocating anything.
#[test]
fn limits_validate_without_work() {
    let p = Pbkdf2Params::validate(0, 0, 2147483647, 2147483647, "sha1").unwrap();
    assert_eq!(p.digest(), Digest::Sha1);
    assert_eq!((p.iterations(), p.keylen()), (2147483647, 2147483647));
    assert!(Pbkdf2Params::validate(0, 0, u64::MAX, 0, "sha1").is_err());
    let err = Pbkdf2Params::validate(0, 0, 1, u64::MAX, "sha1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ERR_OUT_OF_RANGE: The value of \"keylen\" is out of range. It must be >= 0 && \
         <= 2147483647. Received 18_446_744_073_709_551_615"
    );
}

/// Node: `pbkdf2Sync(Buffer.allocUnsafe(2**31), 's', 1, 1, 'sha1')` throws ERR_OUT_OF_RANGE
/// "pass is too large" (and "salt is too large" for the salt), after the iterations and
/// keylen checks but before the digest check. Lengths are checked, not contents, so a
/// length alone is enough here.
#[test]
fn oversized_password_and_salt() {
    let big = 1usize << 31;
    let err = Pbkdf2Params::validate(big, 0, 1, 1, "md55").unwrap_err();
    assert_eq!(err.to_string(), "ERR_OUT_OF_RANGE: pass is too large");
    let err = Pbkdf2Params::validate(big, big, 1, 1, "sha1").unwrap_err();
    assert_eq!(err.to_string(), "ERR_OUT_OF_RANGE: pass is too large");
    let err = Pbkdf2Params::validate(0, big, 1, 1, "sha1").unwrap_err();
    assert_eq!(err.to_string(), "ERR_OUT_OF_RANGE: salt is too large");
    let err = Pbkdf2Params::validate(big, 0, 0, 1, "sha1").unwrap_err();
    assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
    assert!(err.to_string().contains("\"iterations\""));
    assert!(Pbkdf2Params::validate(big - 1, big - 1, 1, 1, "sha1").is_ok());
}

/// Names checked against Node v20's `crypto.pbkdf2Sync(…, name)`.
#[test]
fn digest_names() {
    let ok = [
        ("sha1", Digest::Sha1),
        ("SHA1", Digest::Sha1),
        ("sha-1", Digest::Sha1),
        ("ssl3-sha1", Digest::Sha1),
        ("RSA-SHA1-2", Digest::Sha1),
        ("sha1WithRSAEncryption", Digest::Sha1),
        ("1.3.14.3.2.26", Digest::Sha1),
        ("Sha256", Digest::Sha256),
        ("SHA-256", Digest::Sha256),
        ("sHa2-256", Digest::Sha256),
        ("rsa-sha256", Digest::Sha256),
        ("2.16.840.1.101.3.4.2.1", Digest::Sha256),
        ("sha384", Digest::Sha384),
        ("SHA-384", Digest::Sha384),
        ("sha384WithRSAEncryption", Digest::Sha384),
        ("SHA512", Digest::Sha512),
        ("sha-512", Digest::Sha512),
        ("SHA2-512", Digest::Sha512),
        ("RSA-SHA512", Digest::Sha512),
    ];
    for (name, digest) in ok {
        assert_eq!(Digest::from_node_name(name).unwrap(), digest, "{name}");
    }
    // Node rejects these with ERR_CRYPTO_INVALID_DIGEST.
    for name in [
        "md55",
        "",
        " sha256",
        "sha256 ",
        "sha512/256",
        "sha2",
        "sha",
        "DSA-SHA1",
        "ſha1",
    ] {
        let err = Digest::from_node_name(name).unwrap_err();
        assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST);
        assert_eq!(
            err.to_string(),
            format!("ERR_CRYPTO_INVALID_DIGEST: Invalid digest: {name}")
        );
    }
    // Node accepts these; ruv-crypto does not implement them and says so.
    for name in [
        "md5",
        "SHA224",
        "sha512-256",
        "sha3-256",
        "RIPEMD160",
        "sm3",
    ] {
        let err = Digest::from_node_name(name).unwrap_err();
        assert_eq!(err.code(), ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST);
        let msg = err.to_string();
        assert!(msg.starts_with(&format!(
            "ERR_CRYPTO_INVALID_DIGEST: Invalid digest: {name} ("
        )));
        assert!(msg.contains("ruv-crypto implements only"), "{msg}");
    }
}
