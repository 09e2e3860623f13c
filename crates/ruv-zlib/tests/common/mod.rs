//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_zlib::{Mode, Options, ZlibStream};

/// Every mode, compressors paired with the decompressor that reads them.
pub const PAIRS: [(Mode, Mode); 3] = [
    (Mode::Deflate, Mode::Inflate),
    (Mode::Gzip, Mode::Gunzip),
    (Mode::DeflateRaw, Mode::InflateRaw),
];

/// The text corpus of Node's vectors (`vectors.js`): 2000 lines, 80670 bytes.
pub fn node_corpus() -> Vec<u8> {
    (0..2000)
        .map(|i| format!("line {i}: the quick brown fox {} jumps\n", i * 7919 % 1000))
        .collect::<String>()
        .into_bytes()
}

/// `n` bytes of text-like data: words from a small list, picked by xorshift32 from `seed`.
pub fn text(n: usize, seed: u32) -> Vec<u8> {
    const WORDS: [&str; 12] = [
        "zlib", "stream", "loop", "pool", "worker", "deflate", "the", "of", "and", "buffer",
        "callback", "node",
    ];
    let mut x = seed.max(1);
    let mut out = Vec::with_capacity(n + 16);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(WORDS[(x % 12) as usize].as_bytes());
        out.push(if x % 11 == 3 { b'\n' } else { b' ' });
    }
    out.truncate(n);
    out
}

/// `n` incompressible bytes (xorshift64).
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// Standard base64 (with padding), for the vectors file.
pub fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for group in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in group.iter().enumerate() {
            acc |= val(c) << (18 - 6 * i);
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..group.len()]);
    }
    out
}

/// Whether a program answers `--version`; prints why a test is skipped otherwise.
pub fn have(program: &str, test: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED {test}: `{program}` is not installed");
    }
    ok
}

/// Runs `program args` with `input` on stdin; returns stdout, panicking on failure.
pub fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer thread").expect("write stdin");
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What a stream reported, in order.
#[derive(Debug, Default)]
pub struct Log {
    pub data: Vec<u8>,
    pub chunks: Vec<usize>,
    pub drains: usize,
    pub finished: bool,
    pub ended: bool,
    pub error: Option<ruv_core::Error>,
    pub closed: bool,
    /// Every event's name, in order, with runs of `data` shown once.
    pub events: Vec<&'static str>,
}

/// A callback that records a stream's events into a [`Log`], checking Node's order:
/// nothing after `Close`, nothing but `Close` after `End` or `Error`, one `Error` at most.
pub fn record(_lp: &mut Loop<Log>, log: &mut Log, _s: ZlibStream, ev: StreamEvent<'_>) {
    assert!(!log.closed, "event after close: {ev:?}");
    if !matches!(ev, StreamEvent::Close) {
        assert!(
            !log.ended && log.error.is_none(),
            "event after the end: {ev:?}"
        );
    }
    if !(matches!(ev, StreamEvent::Data(_)) && log.events.last() == Some(&"data")) {
        log.events.push(ev.name());
    }
    match ev {
        StreamEvent::Data(d) => {
            assert!(!d.is_empty(), "empty data event");
            log.chunks.push(d.len());
            log.data.extend_from_slice(d);
        }
        StreamEvent::Drain => log.drains += 1,
        StreamEvent::Finish => log.finished = true,
        StreamEvent::End => log.ended = true,
        StreamEvent::Error(e) => log.error = Some(e),
        StreamEvent::Close => log.closed = true,
    }
}

/// A stream of `mode` whose events [`record`] logs.
pub fn recorded(lp: &mut Loop<Log>, mode: Mode, opts: &Options) -> ZlibStream {
    ZlibStream::new(lp, mode, opts)
        .unwrap()
        .on_event(lp, record)
        .unwrap()
}

/// Streams `input` through `mode`, written in pieces of `piece` bytes, all queued at once.
/// The stream always closes, last.
pub fn stream_all(mode: Mode, opts: &Options, input: &[u8], piece: usize) -> Log {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, mode, opts);
    for chunk in input.chunks(piece.max(1)) {
        s.write(&mut lp, chunk).unwrap();
    }
    s.end(&mut lp).unwrap();
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.closed, "{mode:?}: no close: {:?}", log.events);
    log
}
