#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Argument errors of random_bytes, random_fill, scrypt and timing_safe_equal: codes and
//! messages as Node v20.20.2 gives them (each message below was printed by `node -e`,
//! one process per scrypt case, since Node's scrypt message can pick up a stale OpenSSL
//! error from an earlier call in the same process).

use ruv_core::{Code, Loop};
use ruv_crypto::{
    random_bytes, random_bytes_sync, random_fill, random_fill_sync, scrypt, scrypt_sync,
    timing_safe_equal, ScryptOptions,
};

fn msg(e: ruv_core::Error) -> String {
    e.to_string()
}

const MEM: &str = "ERR_CRYPTO_INVALID_SCRYPT_PARAMS: Invalid scrypt params: \
                   error:030000AC:digital envelope routines::memory limit exceeded";
const INVALID: &str = "ERR_CRYPTO_INVALID_SCRYPT_PARAMS: Invalid scrypt params";

#[test]
fn random_bytes_size() {
    for (size, received) in [
        (1u64 << 31, "2147483648"),
        (1 << 32, "4294967296"),
        ((1 << 32) + 1, "4_294_967_297"),
    ] {
        let want = format!(
            "ERR_OUT_OF_RANGE: The value of \"size\" is out of range. \
             It must be >= 0 && <= 2147483647. Received {received}"
        );
        assert_eq!(msg(random_bytes_sync(size).unwrap_err()), want);
        let mut lp: Loop<()> = Loop::new().unwrap();
        let e =
            random_bytes(&mut lp, size, |_, _, _| -> () { panic!("never called") }).unwrap_err();
        assert_eq!(msg(e), want);
        assert!(!lp.alive(), "nothing queued");
    }
}

#[test]
fn random_fill_bounds() {
    let mut buf = [0u8; 10];
    let cases: [(u64, Option<u64>, &str); 6] = [
        (11, None, "The value of \"offset\" is out of range. It must be >= 0 && <= 10. Received 11"),
        (11, Some(0), "The value of \"offset\" is out of range. It must be >= 0 && <= 10. Received 11"),
        (1 << 31, None, "The value of \"offset\" is out of range. It must be >= 0 && <= 10. Received 2147483648"),
        (5, Some(6), "The value of \"size + offset\" is out of range. It must be <= 10. Received 11"),
        (0, Some(1 << 31), "The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received 2147483648"),
        (0, Some((1 << 32) + 1), "The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received 4_294_967_297"),
    ];
    for (offset, size, want) in cases {
        let e = random_fill_sync(&mut buf, offset, size).unwrap_err();
        assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
        assert_eq!(msg(e), format!("ERR_OUT_OF_RANGE: {want}"));
        let mut lp: Loop<()> = Loop::new().unwrap();
        let e = random_fill(&mut lp, vec![0; 10], offset, size, |_, _, _| -> () {
            panic!("never called")
        })
        .unwrap_err();
        assert_eq!(msg(e), format!("ERR_OUT_OF_RANGE: {want}"));
        assert!(!lp.alive());
    }
    assert_eq!(buf, [0; 10], "nothing written by a failed call");
    // The edges Node accepts.
    random_fill_sync(&mut buf, 10, None).unwrap();
    random_fill_sync(&mut buf, 10, Some(0)).unwrap();
    random_fill_sync(&mut buf, 0, Some(10)).unwrap();
}

fn opts(n: u64, r: u64, p: u64, maxmem: u64) -> ScryptOptions {
    ScryptOptions {
        cost: n,
        block_size: r,
        parallelization: p,
        maxmem,
    }
}

#[test]
fn scrypt_params_as_node() {
    const SAFE: u64 = (1 << 53) - 1;
    let cases: [(u64, ScryptOptions, &str); 20] = [
        (64, opts(3, 8, 1, 0), INVALID),
        (64, opts(1, 8, 1, 0), INVALID),
        (64, opts(3, 8, 1, 1), INVALID),
        (64, opts(32768, 8, 1, 0), MEM),
        (64, opts(16384, 8, 1, 16 << 20), MEM),
        (64, opts(16384, 8, 1, 16780287), MEM),
        (64, opts(65536, 1, 1, 1 << 40), MEM),
        (64, opts(16, 1, 1 << 30, SAFE), MEM),
        (64, opts(16, 1 << 15, 1 << 15, SAFE), MEM),
        (64, opts(16, 1 << 15, (1 << 15) - 1, SAFE), MEM),
        (64, opts(1 << 31, 1, 1, SAFE), MEM),
        (64, opts(16, 1 << 31, 1, SAFE), MEM),
        (64, opts(16, 8, 1 << 31, SAFE), MEM),
        (1 << 31, opts(3, 8, 1, 0), "ERR_OUT_OF_RANGE: The value of \"keylen\" is out of range. It must be >= 0 && <= 2147483647. Received 2147483648"),
        (64, opts(1 << 32, 8, 1, 0), "ERR_OUT_OF_RANGE: The value of \"N\" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296"),
        (64, opts(0, 1 << 32, 1, 0), "ERR_OUT_OF_RANGE: The value of \"r\" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296"),
        (64, opts(0, 0, 1 << 32, 0), "ERR_OUT_OF_RANGE: The value of \"p\" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296"),
        (64, opts(0, 0, 0, 1 << 53), "ERR_OUT_OF_RANGE: The value of \"maxmem\" is out of range. It must be >= 0 && <= 9007199254740991. Received 9_007_199_254_740_992"),
        (64, opts(3, 1 << 32, 1, 0), "ERR_OUT_OF_RANGE: The value of \"r\" is out of range. It must be >= 0 && <= 4294967295. Received 4294967296"),
        (1 << 31, opts(1 << 32, 8, 1, 0), "ERR_OUT_OF_RANGE: The value of \"keylen\" is out of range. It must be >= 0 && <= 2147483647. Received 2147483648"),
    ];
    for (keylen, o, want) in cases {
        let e = scrypt_sync(b"a", b"b", keylen, &o).unwrap_err();
        assert_eq!(msg(e), want, "{keylen} {o:?}");
        let mut lp: Loop<()> = Loop::new().unwrap();
        let e = scrypt(&mut lp, b"a", b"b", keylen, &o, |_, _, _| -> () {
            panic!("never called")
        })
        .unwrap_err();
        assert_eq!(msg(e), want, "{keylen} {o:?}");
        assert!(!lp.alive());
    }
}

#[test]
fn scrypt_accepted_as_node() {
    // Zeros mean the defaults; the memory bound is OpenSSL's 128 * r * (N + 2 + p), inclusive.
    let ok = [
        (64, opts(0, 0, 0, 0)),
        (64, opts(16384, 8, 1, 16780288)),
        (0, opts(16384, 8, 1, 0)),
        (64, opts(16, 1, 1, 0)),
    ];
    for (keylen, o) in ok {
        assert_eq!(
            scrypt_sync(b"a", b"b", keylen, &o).unwrap().len() as u64,
            keylen
        );
    }
    assert_eq!(
        scrypt_sync(b"a", b"b", 16, &opts(0, 0, 0, 0)).unwrap(),
        scrypt_sync(b"a", b"b", 16, &ScryptOptions::default()).unwrap()
    );
}

#[test]
fn timing_safe_equal_lengths() {
    let e = timing_safe_equal(&[0], &[0, 0]).unwrap_err();
    assert_eq!(
        e.code(),
        ruv_crypto::codes::ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH
    );
    assert_eq!(
        msg(e),
        "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH: Input buffers must have the same byte length"
    );
    assert!(timing_safe_equal(&[], &[]).unwrap());
    let a = vec![0xa5u8; 4096];
    let mut b = a.clone();
    assert!(timing_safe_equal(&a, &b).unwrap());
    for i in [0, 1, 2047, 4095] {
        b[i] ^= 0x80;
        assert!(!timing_safe_equal(&a, &b).unwrap(), "byte {i}");
        b[i] ^= 0x80;
    }
}
