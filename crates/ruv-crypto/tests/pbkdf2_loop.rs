//! `ruv_crypto::pbkdf2` on a ruv-core loop: results come back through the loop, from the
//! worker pool, and bad arguments fail synchronously without queueing anything.

use ruv_core::{Code, Loop, RunMode};
use ruv_crypto::{pbkdf2, pbkdf2_sync};

/// password, salt, iterations, keylen, digest
type Call = (&'static [u8], &'static [u8], u64, u64, &'static str);

#[derive(Default)]
struct State {
    done: Vec<(usize, Vec<u8>, std::thread::ThreadId)>,
}

#[test]
fn three_calls_complete_on_the_loop() {
    let loop_thread = std::thread::current().id();
    let mut lp: Loop<State> = Loop::new().unwrap();
    let calls: [Call; 3] = [
        (b"secret", b"salt", 10_000, 64, "sha512"),
        (b"password", b"salt", 4096, 20, "sha1"),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsalt",
            2000,
            100,
            "SHA-256",
        ),
    ];
    for (i, &(password, salt, iterations, keylen, digest)) in calls.iter().enumerate() {
        pbkdf2(
            &mut lp,
            password,
            salt,
            iterations,
            keylen,
            digest,
            move |_lp, st: &mut State, res| {
                st.done.push((i, res.unwrap(), std::thread::current().id()));
            },
        )
        .unwrap();
    }
    let mut st = State::default();
    assert!(lp.alive(), "queued work keeps the loop alive");
    assert!(st.done.is_empty());
    let alive = lp.run(RunMode::Default, &mut st).unwrap();
    assert!(!alive);
    assert_eq!(st.done.len(), 3);
    let mut seen: Vec<usize> = st.done.iter().map(|d| d.0).collect();
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2]);
    for (i, key, thread) in &st.done {
        let (password, salt, iterations, keylen, digest) = calls[*i];
        assert_eq!(
            *key,
            pbkdf2_sync(password, salt, iterations, keylen, digest).unwrap()
        );
        assert_eq!(*thread, loop_thread, "callback runs on the loop thread");
    }
    // The vector from the conformance set, via the loop.
    let want = "4b007901b765489abead49d926f721d065a429c1";
    let got = st.done.iter().find(|d| d.0 == 1).unwrap();
    assert_eq!(hex::encode(&got.1), want);
}

#[test]
fn bad_arguments_fail_synchronously_and_queue_nothing() {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let cases: [(u64, u64, &str, Code); 3] = [
        (0, 16, "sha1", Code::ERR_OUT_OF_RANGE),
        (1, 1 << 31, "sha1", Code::ERR_OUT_OF_RANGE),
        (1, 16, "md55", ruv_crypto::codes::ERR_CRYPTO_INVALID_DIGEST),
    ];
    for (iterations, keylen, digest, code) in cases {
        let err = pbkdf2(
            &mut lp,
            b"p",
            b"s",
            iterations,
            keylen,
            digest,
            |_, calls, _| {
                *calls += 1;
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), code);
    }
    assert!(!lp.alive(), "nothing was queued");
    let mut calls = 0;
    lp.run(RunMode::Default, &mut calls).unwrap();
    assert_eq!(calls, 0, "the callback of a rejected call never runs");
}

#[test]
fn keylen_zero_and_cancel() {
    let mut lp: Loop<Vec<Result<Vec<u8>, Code>>> = Loop::new().unwrap();
    pbkdf2(&mut lp, b"p", b"s", 1, 0, "sha256", |_, out, res| {
        out.push(res.map_err(|e| e.code()));
    })
    .unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out, [Ok(Vec::new())]);

    // Cancel what may still be queued: either it was cancelled (ECANCELED reaches the
    // callback) or it already ran (EBUSY from cancel, the key reaches the callback).
    let mut out = Vec::new();
    let reqs: Vec<_> = (0..8)
        .map(|_| {
            pbkdf2(&mut lp, b"p", b"s", 20_000, 64, "sha512", |_, out, res| {
                out.push(res.map_err(|e| e.code()));
            })
            .unwrap()
        })
        .collect();
    let cancelled = reqs.iter().filter(|r| lp.cancel(**r).is_ok()).count();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), 8);
    assert_eq!(
        out.iter().filter(|r| **r == Err(Code::ECANCELED)).count(),
        cancelled
    );
    let key = pbkdf2_sync(b"p", b"s", 20_000, 64, "sha512").unwrap();
    assert!(out.iter().all(|r| r.as_ref().map_or(true, |k| *k == key)));
}
