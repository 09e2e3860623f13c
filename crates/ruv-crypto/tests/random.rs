//! random_bytes / random_fill: lengths, offsets, fresh bytes per call, through a loop, and
//! cancellation of a request still queued behind a busy pool.

use std::sync::mpsc;

use ruv_core::{Code, Loop, RunMode, WorkClass};
use ruv_crypto::{random_bytes, random_bytes_sync, random_fill, random_fill_sync, OS_RANDOM_MAX};

/// Sizes around the OS / generator boundary and around ChaCha's 64-byte blocks.
const SIZES: [u64; 12] = [0, 1, 31, 32, 63, 64, 255, 256, 257, 1000, 65536, 1 << 21];

#[test]
fn lengths() {
    for size in SIZES {
        assert_eq!(random_bytes_sync(size).unwrap().len() as u64, size);
    }
    assert_eq!(OS_RANDOM_MAX, 256);
}

#[test]
fn two_calls_differ() {
    for size in [16u64, 32, 257, 65536] {
        let a = random_bytes_sync(size).unwrap();
        let b = random_bytes_sync(size).unwrap();
        assert_ne!(a, b, "size {size}");
    }
    // Two fills of the same buffer shape differ too.
    let (mut a, mut b) = ([0u8; 4096], [0u8; 4096]);
    random_fill_sync(&mut a, 0, None).unwrap();
    random_fill_sync(&mut b, 0, None).unwrap();
    assert_ne!(a, b);
}

/// Not a statistical test: only that big outputs are not stuck (every byte value shows up
/// in 1 MiB; the chance that one does not is about 256 * e^-4096).
#[test]
fn large_output_uses_every_byte_value() {
    let bytes = random_bytes_sync(1 << 20).unwrap();
    let mut seen = [false; 256];
    for b in bytes {
        seen[b as usize] = true;
    }
    assert!(seen.iter().all(|&s| s));
}

#[test]
fn fill_touches_only_its_range() {
    for (len, offset, size) in [
        (100usize, 0u64, Some(100u64)),
        (100, 10, Some(20)),
        (100, 99, None),
        (100, 100, None),
        (5000, 300, Some(4000)),
        (5000, 1, None),
    ] {
        let mut buf = vec![0u8; len];
        random_fill_sync(&mut buf, offset, size).unwrap();
        let start = offset as usize;
        let end = size.map_or(len, |s| start + s as usize);
        assert!(
            buf[..start].iter().all(|&b| b == 0),
            "{len} {offset} {size:?}"
        );
        assert!(
            buf[end..].iter().all(|&b| b == 0),
            "{len} {offset} {size:?}"
        );
        if end - start >= 16 {
            assert!(
                buf[start..end].iter().any(|&b| b != 0),
                "{len} {offset} {size:?}"
            );
        }
    }
}

#[derive(Default)]
struct State {
    bytes: Vec<(u64, Vec<u8>, std::thread::ThreadId)>,
    filled: Vec<Vec<u8>>,
}

#[test]
fn loop_versions_deliver() {
    let loop_thread = std::thread::current().id();
    let mut lp: Loop<State> = Loop::new().unwrap();
    for size in SIZES {
        random_bytes(&mut lp, size, move |_, st: &mut State, res| {
            st.bytes
                .push((size, res.unwrap(), std::thread::current().id()));
        })
        .unwrap();
    }
    random_fill(&mut lp, vec![0u8; 600], 100, Some(400), |_, st, res| {
        st.filled.push(res.unwrap())
    })
    .unwrap();
    random_fill(&mut lp, vec![0u8; 64], 0, None, |_, st, res| {
        st.filled.push(res.unwrap())
    })
    .unwrap();
    let mut st = State::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.bytes.len(), SIZES.len());
    for (size, bytes, thread) in &st.bytes {
        assert_eq!(bytes.len() as u64, *size);
        assert_eq!(*thread, loop_thread);
    }
    let mut lens: Vec<usize> = st.filled.iter().map(Vec::len).collect();
    lens.sort_unstable();
    assert_eq!(lens, [64, 600]);
    let big = st.filled.iter().find(|b| b.len() == 600).unwrap();
    assert!(big[..100].iter().chain(&big[500..]).all(|&b| b == 0));
    assert!(big[100..500].iter().any(|&b| b != 0));
}

/// A one-thread pool held by a job that waits on a channel: random_bytes, random_fill,
/// scrypt, hash and hmac queued behind it and cancelled get ECANCELED, and never run.
#[test]
fn cancel_queued_requests_on_a_saturated_pool() {
    let pool = ruv_pool::Pool::new(ruv_pool::PoolConfig::new(1)).unwrap();
    let mut lp: Loop<Vec<(&'static str, Code)>> = Loop::with_pool(pool).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    lp.queue_work(
        WorkClass::Cpu,
        move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
        },
        |_, _, res| res.unwrap(),
    )
    .unwrap();
    // Run the loop once without blocking so the gate job reaches the pool, then wait for the
    // worker to be inside it.
    lp.run(RunMode::NoWait, &mut Vec::new()).unwrap();
    started.recv().unwrap();

    let push = |name: &'static str| {
        move |_: &mut Loop<_>, out: &mut Vec<(&'static str, Code)>, res: Result<Vec<u8>, _>| {
            let e: ruv_core::Error = res.unwrap_err();
            out.push((name, e.code()));
        }
    };
    let reqs = [
        random_bytes(&mut lp, 32, push("random_bytes")).unwrap(),
        random_bytes(&mut lp, 65536, push("random_bytes 64k")).unwrap(),
        random_fill(&mut lp, vec![0; 100], 0, None, push("random_fill")).unwrap(),
        ruv_crypto::scrypt(
            &mut lp,
            b"pw",
            b"salt",
            32,
            &ruv_crypto::ScryptOptions::default(),
            push("scrypt"),
        )
        .unwrap(),
        ruv_crypto::hash(
            &mut lp,
            ruv_crypto::Digest::Sha256,
            vec![1; 10],
            push("hash"),
        )
        .unwrap(),
        ruv_crypto::hmac(
            &mut lp,
            ruv_crypto::Digest::Sha1,
            b"k",
            vec![1; 10],
            push("hmac"),
        )
        .unwrap(),
    ];
    // Let them reach the pool's queue too (behind the gate job), then cancel them there.
    lp.run(RunMode::NoWait, &mut Vec::new()).unwrap();
    for req in reqs {
        lp.cancel(req).unwrap();
    }
    release.send(()).unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    out.sort_by_key(|o| o.0);
    let mut want: Vec<(&str, Code)> = [
        "hash",
        "hmac",
        "random_bytes",
        "random_bytes 64k",
        "random_fill",
        "scrypt",
    ]
    .into_iter()
    .map(|n| (n, Code::ECANCELED))
    .collect();
    want.sort_by_key(|o| o.0);
    assert_eq!(out, want);
}
