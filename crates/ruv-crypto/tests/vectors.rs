//! Every scrypt, hash and HMAC vector of the conformance set (computed by Node v20.20.2,
//! copied to `tests/data/vectors.json`), sync and through a loop.

use ruv_core::{Loop, RunMode};
use ruv_crypto::{hash, hash_sync, hmac, hmac_sync, scrypt, scrypt_sync, Digest, ScryptOptions};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/vectors.json")).unwrap()
}

/// The conformance set's text corpus (`vectors.json`'s `text_corpus`, in Rust).
fn corpus() -> Vec<u8> {
    (0..2000u32)
        .map(|i| format!("line {i}: the quick brown fox {} jumps\n", i * 7919 % 1000))
        .collect::<String>()
        .into_bytes()
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

fn u64_of(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap()
}

#[test]
fn corpus_is_the_one_node_hashed() {
    assert_eq!(corpus().len(), 80670);
}

#[test]
fn every_scrypt_vector() {
    let v = vectors();
    let cases = v["scrypt"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let mut lp: Loop<Vec<(usize, Vec<u8>)>> = Loop::new().unwrap();
    for (i, c) in cases.iter().enumerate() {
        let opts = ScryptOptions {
            cost: u64_of(c, "N"),
            block_size: u64_of(c, "r"),
            parallelization: u64_of(c, "p"),
            maxmem: 64 << 20, // as vectors.js
        };
        let (pw, salt) = (
            str_of(c, "password").as_bytes(),
            str_of(c, "salt").as_bytes(),
        );
        let keylen = u64_of(c, "keylen");
        let key = scrypt_sync(pw, salt, keylen, &opts).unwrap();
        assert_eq!(hex::encode(&key), str_of(c, "hex"), "case {i}");
        scrypt(&mut lp, pw, salt, keylen, &opts, move |_, out, res| {
            out.push((i, res.unwrap()))
        })
        .unwrap();
    }
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), cases.len());
    for (i, key) in out {
        assert_eq!(hex::encode(key), str_of(&cases[i], "hex"), "loop case {i}");
    }
    // The default options are Node's: the third vector uses N=16384, r=8, p=1.
    let c = &cases[2];
    let key = scrypt_sync(b"secret", b"salt", 32, &ScryptOptions::default()).unwrap();
    assert_eq!(hex::encode(key), str_of(c, "hex"));
}

#[test]
fn every_hash_vector() {
    let v = vectors();
    let cases = v["hashes"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    let text = corpus();
    let mut lp: Loop<Vec<(usize, Vec<u8>)>> = Loop::new().unwrap();
    for (i, c) in cases.iter().enumerate() {
        let digest: Digest = str_of(c, "algorithm").parse().unwrap();
        let input = if c["input_is_text_corpus"].as_bool().unwrap() {
            text.clone()
        } else {
            str_of(c, "input").as_bytes().to_vec()
        };
        assert_eq!(input.len() as u64, u64_of(c, "input_len"));
        assert_eq!(
            hex::encode(hash_sync(digest, &input)),
            str_of(c, "hex"),
            "case {i}"
        );
        hash(&mut lp, digest, input, move |_, out, res| {
            out.push((i, res.unwrap()))
        })
        .unwrap();
    }
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), cases.len());
    for (i, d) in out {
        assert_eq!(hex::encode(d), str_of(&cases[i], "hex"), "loop case {i}");
    }
}

#[test]
fn every_hmac_vector() {
    let v = vectors();
    let cases = v["hmac"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let mut lp: Loop<Vec<(usize, Vec<u8>)>> = Loop::new().unwrap();
    for (i, c) in cases.iter().enumerate() {
        let digest: Digest = str_of(c, "algorithm").parse().unwrap();
        let (key, input) = (str_of(c, "key").as_bytes(), str_of(c, "input").as_bytes());
        assert_eq!(
            hex::encode(hmac_sync(digest, key, input)),
            str_of(c, "hex"),
            "case {i}"
        );
        hmac(&mut lp, digest, key, input.to_vec(), move |_, out, res| {
            out.push((i, res.unwrap()))
        })
        .unwrap();
    }
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), cases.len());
    for (i, d) in out {
        assert_eq!(hex::encode(d), str_of(&cases[i], "hex"), "loop case {i}");
    }
}

/// HMAC keys longer than the hash's block are hashed first (RFC 2104), as OpenSSL does;
/// node -e "crypto.createHmac('sha1', 'k'.repeat(200)).update('x').digest('hex')" and 'sha384'.
#[test]
fn hmac_with_long_keys_and_sha1_sha384() {
    let key = vec![b'k'; 200];
    let cases = [
        (Digest::Sha1, NODE_HMAC_SHA1_LONG_KEY),
        (Digest::Sha384, NODE_HMAC_SHA384_LONG_KEY),
    ];
    for (d, want) in cases {
        assert_eq!(hex::encode(hmac_sync(d, &key, b"x")), want, "{d}");
    }
}

const NODE_HMAC_SHA1_LONG_KEY: &str = "e2e4a90d1cee5e796e99915a47e0c725cf932393";
const NODE_HMAC_SHA384_LONG_KEY: &str = "5fd490dde9e045e0b0609d39a2caa73baf65675eb7709e98ccbd1eba6925ea4f6bfa364ea7796b1e80be941a2637ffd8";
