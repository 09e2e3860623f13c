#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! One-shot calls: round trips in every format and with every option, the pool versions,
//! and Node's option checks.

mod common;

use common::{node_corpus, noise, text, PAIRS};
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_zlib::{process_sync, Mode, Options};

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("one byte", b"x".to_vec()),
        ("corpus", node_corpus()),
        ("text 300 KiB", text(300 << 10, 7)),
        ("noise 100 KiB", noise(100 << 10, 3)),
        ("zeros 1 MiB", vec![0; 1 << 20]),
    ]
}

#[test]
fn every_format_round_trips() {
    let opts = Options::default();
    for (name, input) in inputs() {
        for (c, d) in PAIRS {
            let packed = process_sync(c, &input, &opts).unwrap();
            let back = process_sync(d, &packed, &opts).unwrap();
            assert!(back == input, "{c:?} -> {d:?} of {name}");
            // Unzip reads what Deflate and Gzip make.
            if c != Mode::DeflateRaw {
                assert!(
                    process_sync(Mode::Unzip, &packed, &opts).unwrap() == input,
                    "unzip {name}"
                );
            }
        }
    }
}

#[test]
fn named_functions_are_their_modes() {
    let o = Options::default();
    let t = text(10_000, 1);
    assert_eq!(
        ruv_zlib::inflate_sync(ruv_zlib::deflate_sync(&t, &o).unwrap(), &o).unwrap(),
        t
    );
    assert_eq!(
        ruv_zlib::gunzip_sync(ruv_zlib::gzip_sync(&t, &o).unwrap(), &o).unwrap(),
        t
    );
    let raw = ruv_zlib::deflate_raw_sync(&t, &o).unwrap();
    assert_eq!(ruv_zlib::inflate_raw_sync(&raw, &o).unwrap(), t);
    assert_eq!(
        ruv_zlib::unzip_sync(ruv_zlib::gzip_sync(&t, &o).unwrap(), &o).unwrap(),
        t
    );
    // The headers are the formats': zlib 78 9c, gzip 1f 8b 08 (OS byte 3, Unix, as Node).
    let z = ruv_zlib::deflate_sync(&t, &o).unwrap();
    assert_eq!(z[..2], [0x78, 0x9c]);
    let g = ruv_zlib::gzip_sync(&t, &o).unwrap();
    assert_eq!(g[..4], [0x1f, 0x8b, 0x08, 0x00]);
    assert_eq!(g[9], 3);
}

#[test]
fn empty_input_compresses_to_node_bytes() {
    // What Node v20 prints for deflateSync(''), deflateRawSync(''), gzipSync('').
    let o = Options::default();
    assert_eq!(
        ruv_zlib::deflate_sync(b"", &o).unwrap(),
        [0x78, 0x9c, 0x03, 0, 0, 0, 0, 1]
    );
    assert_eq!(ruv_zlib::deflate_raw_sync(b"", &o).unwrap(), [0x03, 0x00]);
    assert_eq!(
        ruv_zlib::gzip_sync(b"", &o).unwrap(),
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn every_level_strategy_mem_level_and_window_round_trips() {
    let input = text(64 << 10, 11);
    let mut sizes = Vec::new();
    for level in -1..=9 {
        for strategy in 0..=4 {
            let o = Options {
                level,
                strategy,
                ..Options::default()
            };
            let z = ruv_zlib::deflate_sync(&input, &o).unwrap();
            assert_eq!(
                ruv_zlib::inflate_sync(&z, &o).unwrap(),
                input,
                "level {level} strategy {strategy}"
            );
            if strategy == 0 {
                sizes.push(z.len());
            }
        }
    }
    // Options are applied: level 0 stores, level 9 beats level 1.
    assert!(sizes[1] > input.len(), "level 0 stores");
    assert!(sizes[10] < sizes[2], "level 9 < level 1");
    let huff = ruv_zlib::deflate_sync(
        &input,
        &Options {
            strategy: 2,
            ..Options::default()
        },
    );
    assert!(
        huff.unwrap().len() > sizes[0],
        "Huffman only compresses worse"
    );
    for mem_level in 1..=9 {
        let o = Options {
            mem_level,
            ..Options::default()
        };
        let z = ruv_zlib::gzip_sync(&input, &o).unwrap();
        assert_eq!(
            ruv_zlib::gunzip_sync(&z, &o).unwrap(),
            input,
            "mem_level {mem_level}"
        );
    }
    for window_bits in 8..=15 {
        let o = Options {
            window_bits,
            ..Options::default()
        };
        for (c, d) in PAIRS {
            if c == Mode::Gzip && window_bits == 8 {
                continue;
            }
            let z = process_sync(c, &input, &o).unwrap();
            // Compressors make 8 into 9: read such streams with 9 (or more).
            let od = Options {
                window_bits: window_bits.max(9),
                ..o.clone()
            };
            assert_eq!(
                process_sync(d, &z, &od).unwrap(),
                input,
                "{c:?} window_bits {window_bits}"
            );
        }
    }
    // As in Node: `inflateSync(deflateSync(x, {windowBits: 8}), {windowBits: 8})` fails.
    let o8 = Options {
        window_bits: 8,
        ..Options::default()
    };
    let err = ruv_zlib::inflate_sync(ruv_zlib::deflate_sync(&input, &o8).unwrap(), &o8);
    assert!(err
        .unwrap_err()
        .to_string()
        .ends_with(": invalid window size"));
}

#[test]
fn window_bits_are_applied() {
    // A zlib header states the window: CINFO = window_bits - 8; 8 is made 9 (zlib's rule,
    // and Node's `1895...` for windowBits 8).
    let input = text(10_000, 5);
    for (wb, cmf) in [(8, 0x18), (9, 0x18), (12, 0x48), (15, 0x78)] {
        let z = ruv_zlib::deflate_sync(
            &input,
            &Options {
                window_bits: wb,
                ..Options::default()
            },
        );
        assert_eq!(z.unwrap()[0], cmf, "window_bits {wb}");
    }
    // Inflating with a smaller window than the stream's fails as in Node.
    let z = ruv_zlib::deflate_sync(&input, &Options::default()).unwrap();
    let err = ruv_zlib::inflate_sync(
        &z,
        &Options {
            window_bits: 9,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
    assert!(err.to_string().ends_with(": invalid window size"), "{err}");
    // 0: from the header (Inflate, Gunzip, Unzip).
    let o0 = Options {
        window_bits: 0,
        ..Options::default()
    };
    assert_eq!(ruv_zlib::inflate_sync(&z, &o0).unwrap(), input);
    let g = ruv_zlib::gzip_sync(&input, &Options::default()).unwrap();
    assert_eq!(ruv_zlib::gunzip_sync(&g, &o0).unwrap(), input);
    assert_eq!(ruv_zlib::unzip_sync(&g, &o0).unwrap(), input);
}

#[test]
fn gzip_members_and_trailing_bytes_like_node() {
    let o = Options::default();
    let a = ruv_zlib::gzip_sync(b"hello ", &o).unwrap();
    let b = ruv_zlib::gzip_sync(b"world", &o).unwrap();
    let ab = [a.clone(), b.clone()].concat();
    assert_eq!(ruv_zlib::gunzip_sync(&ab, &o).unwrap(), b"hello world");
    assert_eq!(ruv_zlib::unzip_sync(&ab, &o).unwrap(), b"hello world");
    // Zero padding after a member ends the input, whatever follows it.
    let padded = [a.clone(), vec![0; 10], b"junk".to_vec()].concat();
    assert_eq!(ruv_zlib::gunzip_sync(&padded, &o).unwrap(), b"hello ");
    // Anything else must be a member.
    let err = ruv_zlib::gunzip_sync([a.clone(), b"garbage".to_vec()].concat(), &o).unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
    assert!(
        err.to_string().ends_with(": incorrect header check"),
        "{err}"
    );
    let err = ruv_zlib::gunzip_sync([a.clone(), vec![0x1f, 0x8b]].concat(), &o).unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::Z_BUF_ERROR);
    // zlib and raw streams: what follows is ignored.
    let z = ruv_zlib::deflate_sync(b"a", &o).unwrap();
    let zz = [z.clone(), ruv_zlib::deflate_sync(b"b", &o).unwrap()].concat();
    assert_eq!(ruv_zlib::inflate_sync(&zz, &o).unwrap(), b"a");
    assert_eq!(ruv_zlib::unzip_sync([z, a].concat(), &o).unwrap(), b"a");
    let r = [
        ruv_zlib::deflate_raw_sync(b"hello", &o).unwrap(),
        b"junk".to_vec(),
    ]
    .concat();
    assert_eq!(ruv_zlib::inflate_raw_sync(&r, &o).unwrap(), b"hello");
}

#[test]
fn max_output_length_is_exact_like_node() {
    let o = |n| Options {
        max_output_length: Some(n),
        ..Options::default()
    };
    let z = ruv_zlib::deflate_sync(b"xxxxx", &Options::default()).unwrap();
    assert_eq!(ruv_zlib::inflate_sync(&z, &o(5)).unwrap(), b"xxxxx");
    let err = ruv_zlib::inflate_sync(&z, &o(4)).unwrap_err();
    assert_eq!(err.code(), Code::ERR_BUFFER_TOO_LARGE);
    assert_eq!(
        err.to_string(),
        "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 4 bytes"
    );
    // It bounds compressors' output too (Node: deflateSync('xxxxx', {maxOutputLength: 5})).
    let err = ruv_zlib::deflate_sync(b"xxxxx", &o(5)).unwrap_err();
    assert_eq!(err.code(), Code::ERR_BUFFER_TOO_LARGE);
    assert_eq!(
        ruv_zlib::deflate_sync(b"xxxxx", &o(z.len() as u64)).unwrap(),
        z
    );
    let empty = ruv_zlib::deflate_sync(b"", &Options::default()).unwrap();
    assert_eq!(ruv_zlib::inflate_sync(empty, &o(1)).unwrap(), b"");
}

/// Node v20's messages, from `node -e` (see docs/zlib.md).
#[test]
fn options_are_checked_like_node() {
    let d = Options::default;
    let cases: Vec<(Mode, Options, &str)> = vec![
        (
            Mode::Deflate,
            Options { level: 10, ..d() },
            r#"The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 10"#,
        ),
        (
            Mode::Deflate,
            Options { level: -2, ..d() },
            r#"The value of "options.level" is out of range. It must be >= -1 and <= 9. Received -2"#,
        ),
        (
            Mode::Inflate,
            Options { level: 10, ..d() },
            r#"The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 10"#,
        ),
        (
            Mode::Deflate,
            Options {
                window_bits: 7,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 7"#,
        ),
        (
            Mode::Deflate,
            Options {
                window_bits: 16,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 16"#,
        ),
        (
            Mode::Deflate,
            Options {
                window_bits: 0,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 0"#,
        ),
        (
            Mode::Inflate,
            Options {
                window_bits: 7,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 7"#,
        ),
        (
            Mode::InflateRaw,
            Options {
                window_bits: 0,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 0"#,
        ),
        (
            Mode::Gzip,
            Options {
                window_bits: 8,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 9 and <= 15. Received 8"#,
        ),
        (
            Mode::Deflate,
            Options {
                mem_level: 0,
                ..d()
            },
            r#"The value of "options.memLevel" is out of range. It must be >= 1 and <= 9. Received 0"#,
        ),
        (
            Mode::Inflate,
            Options {
                mem_level: 10,
                ..d()
            },
            r#"The value of "options.memLevel" is out of range. It must be >= 1 and <= 9. Received 10"#,
        ),
        (
            Mode::Deflate,
            Options { strategy: 5, ..d() },
            r#"The value of "options.strategy" is out of range. It must be >= 0 and <= 4. Received 5"#,
        ),
        (
            Mode::Deflate,
            Options {
                strategy: -1,
                ..d()
            },
            r#"The value of "options.strategy" is out of range. It must be >= 0 and <= 4. Received -1"#,
        ),
        (
            Mode::Deflate,
            Options {
                chunk_size: 63,
                ..d()
            },
            r#"The value of "options.chunkSize" is out of range. It must be >= 64. Received 63"#,
        ),
        (
            Mode::Deflate,
            Options {
                max_output_length: Some(0),
                ..d()
            },
            r#"The value of "options.maxOutputLength" is out of range. It must be >= 1 and <= 4294967296. Received 0"#,
        ),
        (
            Mode::Deflate,
            Options {
                max_output_length: Some((1 << 32) + 1),
                ..d()
            },
            r#"The value of "options.maxOutputLength" is out of range. It must be >= 1 and <= 4294967296. Received 4_294_967_297"#,
        ),
        (
            Mode::Deflate,
            Options {
                chunk_size: (1 << 32) + 1,
                ..d()
            },
            r#"The value of "size" is out of range. It must be >= 0 && <= 4294967296. Received 4_294_967_297"#,
        ),
        // Node's order: windowBits, level, memLevel, strategy, chunkSize, maxOutputLength.
        (
            Mode::Deflate,
            Options {
                window_bits: 99,
                level: 99,
                chunk_size: 1,
                ..d()
            },
            r#"The value of "options.windowBits" is out of range. It must be >= 8 and <= 15. Received 99"#,
        ),
        (
            Mode::Deflate,
            Options {
                level: 99,
                mem_level: 99,
                strategy: 99,
                ..d()
            },
            r#"The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 99"#,
        ),
        (
            Mode::Deflate,
            Options {
                mem_level: 99,
                strategy: 99,
                ..d()
            },
            r#"The value of "options.memLevel" is out of range. It must be >= 1 and <= 9. Received 99"#,
        ),
        (
            Mode::Deflate,
            Options {
                chunk_size: 1,
                max_output_length: Some(0),
                ..d()
            },
            r#"The value of "options.chunkSize" is out of range. It must be >= 64. Received 1"#,
        ),
    ];
    for (mode, opts, msg) in cases {
        let err = process_sync(mode, b"x", &opts).unwrap_err();
        assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE, "{mode:?} {opts:?}");
        assert_eq!(
            err.to_string(),
            format!("ERR_OUT_OF_RANGE: {msg}"),
            "{mode:?} {opts:?}"
        );
        assert_eq!(opts.validate(mode), Err(err));
    }
    // Accepted edges (Node accepts them too).
    for (mode, opts) in [
        (
            Mode::Deflate,
            Options {
                window_bits: 8,
                chunk_size: 64,
                ..d()
            },
        ),
        (
            Mode::DeflateRaw,
            Options {
                window_bits: 8,
                ..d()
            },
        ),
        (
            Mode::Gunzip,
            Options {
                window_bits: 8,
                ..d()
            },
        ),
        (
            Mode::Unzip,
            Options {
                window_bits: 0,
                ..d()
            },
        ),
        (
            Mode::Deflate,
            Options {
                max_output_length: Some(1 << 32),
                level: 9,
                mem_level: 9,
                strategy: 4,
                ..d()
            },
        ),
    ] {
        assert_eq!(opts.validate(mode), Ok(()), "{mode:?} {opts:?}");
    }
}

#[test]
fn pool_calls_match_sync_calls_and_check_options_first() {
    type Results = Vec<(Mode, Result<Vec<u8>, Error>)>;
    let mut lp: Loop<Results> = Loop::new().unwrap();
    let input = text(100_000, 9);
    let o = Options::default();
    let z = ruv_zlib::deflate_sync(&input, &o).unwrap();
    let g = ruv_zlib::gzip_sync(&input, &o).unwrap();
    let r = ruv_zlib::deflate_raw_sync(&input, &o).unwrap();
    let push = |m| move |_: &mut Loop<Results>, out: &mut Results, res| out.push((m, res));
    ruv_zlib::deflate(&mut lp, input.clone(), &o, push(Mode::Deflate)).unwrap();
    ruv_zlib::inflate(&mut lp, z.clone(), &o, push(Mode::Inflate)).unwrap();
    ruv_zlib::gzip(&mut lp, input.as_slice(), &o, push(Mode::Gzip)).unwrap();
    ruv_zlib::gunzip(&mut lp, g.clone(), &o, push(Mode::Gunzip)).unwrap();
    ruv_zlib::deflate_raw(&mut lp, input.clone(), &o, push(Mode::DeflateRaw)).unwrap();
    ruv_zlib::inflate_raw(&mut lp, r, &o, push(Mode::InflateRaw)).unwrap();
    ruv_zlib::unzip(&mut lp, g, &o, push(Mode::Unzip)).unwrap();
    // A bad option fails at once and queues nothing.
    let bad = Options {
        level: 42,
        ..Options::default()
    };
    let err = ruv_zlib::deflate(&mut lp, input.clone(), &bad, |_, _, _| -> () {
        panic!("called")
    });
    assert_eq!(err.unwrap_err().code(), Code::ERR_OUT_OF_RANGE);
    // Errors arrive through the callback.
    ruv_zlib::inflate(&mut lp, b"corrupt".to_vec(), &o, push(Mode::Inflate)).unwrap();
    let mut results = Results::new();
    lp.run(RunMode::Default, &mut results).unwrap();
    assert_eq!(results.len(), 8);
    for (mode, res) in results {
        match res {
            Ok(out) if mode.is_compress() => {
                assert_eq!(
                    out,
                    process_sync(mode, &input, &o).unwrap(),
                    "{mode:?} like sync"
                );
            }
            Ok(out) => assert_eq!(out, input, "{mode:?}"),
            Err(e) => {
                assert_eq!(e.code(), ruv_zlib::codes::Z_DATA_ERROR);
                assert!(e.to_string().ends_with("incorrect header check"));
            }
        }
    }
}

#[test]
fn pool_call_can_be_cancelled() {
    // A one-thread pool kept busy, so the zlib job stays queued.
    let pool = ruv_core::Pool::new(ruv_pool::PoolConfig::new(1)).unwrap();
    let mut lp: Loop<Vec<Result<Vec<u8>, Error>>> = Loop::with_pool(pool).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = std::sync::mpsc::channel::<()>();
    lp.queue_work(
        ruv_core::WorkClass::Cpu,
        move || {
            started_tx.send(()).unwrap();
            rx.recv().unwrap();
        },
        |_, _, _| {},
    )
    .unwrap();
    started.recv().unwrap();
    let req = ruv_zlib::gzip(
        &mut lp,
        b"abc".to_vec(),
        &Options::default(),
        |_, out, res| out.push(res),
    )
    .unwrap();
    lp.cancel(req).unwrap();
    tx.send(()).unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap_err().code(), Code::ECANCELED);
}
