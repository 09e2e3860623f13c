//! Streams: multi-chunk round trips, backpressure, pause, flush, errors, destroy, life
//! cycle, the event order.

mod common;

use common::{record, recorded, stream_all, text, Log, PAIRS};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_zlib::{process_sync, Mode, Options, ZlibStream, HIGH_WATER_MARK};

#[test]
fn multi_chunk_streams_round_trip_in_every_format() {
    let input = text(700_000, 21);
    let o = Options::default();
    for (c, d) in PAIRS {
        for piece in [1000, 64 << 10, 1 << 20] {
            let packed = stream_all(c, &o, &input, piece);
            assert!(
                packed.ended && packed.error.is_none(),
                "{c:?}: {:?}",
                packed.error
            );
            // What the stream makes, the one-shot call reads, and the other way round.
            assert!(
                process_sync(d, &packed.data, &o).unwrap() == input,
                "{c:?} piece {piece}"
            );
            let oneshot = process_sync(c, &input, &o).unwrap();
            for dpiece in [1, 777, 64 << 10] {
                if dpiece == 1 && oneshot.len() > 50_000 {
                    continue; // keep the one-byte writes bounded
                }
                let back = stream_all(d, &o, &oneshot, dpiece);
                assert!(back.ended, "{d:?} piece {dpiece}: {:?}", back.error);
                assert!(back.data == input, "{d:?} piece {dpiece}");
            }
            if c != Mode::DeflateRaw {
                let back = stream_all(Mode::Unzip, &o, &packed.data, 5000);
                assert!(back.data == input && back.ended, "unzip of {c:?}");
            }
        }
    }
}

#[test]
fn unzip_sniffs_the_header_across_one_byte_writes() {
    let input = text(5000, 4);
    for c in [Mode::Gzip, Mode::Deflate] {
        let packed = process_sync(c, &input, &Options::default()).unwrap();
        let log = stream_all(Mode::Unzip, &Options::default(), &packed, 1);
        assert!(log.ended && log.data == input, "{c:?}: {:?}", log.error);
    }
    // A lone `1f` and then the end: Node's Z_BUF_ERROR.
    let log = stream_all(Mode::Unzip, &Options::default(), &[0x1f], 1);
    assert_eq!(log.error.unwrap().code(), ruv_zlib::codes::Z_BUF_ERROR);
}

#[test]
fn empty_streams_like_node() {
    // Compressors make the empty stream; decompressors of nothing fail with Z_BUF_ERROR
    // "unexpected end of file", as Node's streams do.
    for (c, d) in PAIRS {
        let log = stream_all(c, &Options::default(), b"", 1);
        assert!(log.ended);
        assert_eq!(log.data, process_sync(c, b"", &Options::default()).unwrap());
        let log = stream_all(d, &Options::default(), b"", 1);
        assert_eq!(log.events, ["error", "close"]);
        let err = log.error.expect("error");
        assert_eq!(err.code(), ruv_zlib::codes::Z_BUF_ERROR);
        assert!(err.to_string().ends_with(": unexpected end of file"));
        assert!(!log.ended);
    }
}

#[test]
fn truncated_stream_delivers_its_data_then_z_buf_error() {
    let gz = ruv_zlib::gzip_sync(b"hello world", &Options::default()).unwrap();
    let log = stream_all(Mode::Gunzip, &Options::default(), &gz[..gz.len() - 4], 1000);
    assert_eq!(log.data, b"hello world");
    assert_eq!(log.error.unwrap().code(), ruv_zlib::codes::Z_BUF_ERROR);
}

#[test]
fn corrupt_stream_is_an_error_event_and_the_stream_is_gone() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, Mode::Gunzip, &Options::default());
    s.write(&mut lp, b"this is not gzip".to_vec()).unwrap();
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["error", "close"]);
    let err = log.error.take().unwrap();
    assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
    assert!(err.to_string().ends_with(": incorrect header check"));
    assert_eq!(
        s.write(&mut lp, b"more".to_vec()).unwrap_err().code(),
        Code::EBADF
    );
    assert_eq!(s.end(&mut lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn backpressure_write_returns_false_then_drain_once() {
    struct St {
        s: Option<ZlibStream>,
        out: Vec<u8>,
        drains: usize,
        pending: Vec<Vec<u8>>,
        writes_refused: usize,
        ended: bool,
    }
    let input = text(400_000, 8);
    let pieces: Vec<Vec<u8>> = input.chunks(10_000).rev().map(<[u8]>::to_vec).collect();
    let mut lp: Loop<St> = Loop::new().unwrap();

    // Writes until `write` says stop; on drain, writes more; ends when out of pieces.
    fn feed(lp: &mut Loop<St>, st: &mut St) {
        let s = st.s.unwrap();
        while let Some(p) = st.pending.pop() {
            let before = s.writable_length(lp).unwrap();
            let ok = s.write(lp, p.clone()).unwrap();
            assert_eq!(ok, before + p.len() < HIGH_WATER_MARK);
            if !ok {
                st.writes_refused += 1;
                return;
            }
        }
        s.end(lp).unwrap();
    }

    let s = ZlibStream::new(&mut lp, Mode::Deflate, &Options::default()).unwrap();
    s.on_event(&mut lp, |lp, st: &mut St, s, ev| match ev {
        StreamEvent::Data(d) => st.out.extend_from_slice(d),
        StreamEvent::Drain => {
            assert_eq!(
                s.writable_length(lp).unwrap(),
                0,
                "drain means nothing waits"
            );
            st.drains += 1;
            feed(lp, st);
        }
        StreamEvent::End => st.ended = true,
        StreamEvent::Finish | StreamEvent::Close => {}
        StreamEvent::Error(e) => panic!("{e}"),
    })
    .unwrap();
    let mut st = St {
        s: Some(s),
        out: Vec::new(),
        drains: 0,
        pending: pieces,
        writes_refused: 0,
        ended: false,
    };
    feed(&mut lp, &mut st);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert!(st.ended);
    // Two 10 KB writes reach the 16 KiB mark: every second write is refused, then drained.
    assert_eq!(st.writes_refused, 20);
    assert_eq!(st.drains, 20);
    assert_eq!(
        ruv_zlib::inflate_sync(&st.out, &Options::default()).unwrap(),
        input
    );
}

#[test]
fn flush_makes_everything_so_far_decompressible() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, Mode::Deflate, &Options::default());
    s.write(&mut lp, b"hello".to_vec()).unwrap();
    s.flush(&mut lp).unwrap();
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    // Node prints 789c, then ca48cdc9c907000000ffff for the same calls.
    assert_eq!(log.data[..2], [0x78, 0x9c]);
    assert!(log.data.ends_with(&[0, 0, 0xff, 0xff]));
    let p = recorded(&mut lp, Mode::Inflate, &Options::default());
    p.write(&mut lp, log.data.clone()).unwrap();
    let mut plog = Log::default();
    lp.run(RunMode::Default, &mut plog).unwrap();
    assert_eq!(plog.data, b"hello");
    p.destroy(&mut lp, None);
    lp.run(RunMode::Default, &mut plog).unwrap();
    assert_eq!(plog.events, ["data", "close"]);
    s.end(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.ended);
    assert_eq!(
        ruv_zlib::inflate_sync(&log.data, &Options::default()).unwrap(),
        b"hello"
    );
    assert_eq!(
        s.bytes_written(&lp).unwrap_err().code(),
        Code::EBADF,
        "gone after End"
    );
}

#[test]
fn write_after_end_and_end_twice() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, Mode::Gzip, &Options::default());
    s.write(&mut lp, "abc").unwrap();
    s.end(&mut lp).unwrap();
    s.end(&mut lp).unwrap(); // a no-op until the stream is done
    let err = s.write(&mut lp, "more").unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::ERR_STREAM_WRITE_AFTER_END);
    assert!(err.to_string().ends_with(": write after end"));
    assert_eq!(
        s.flush(&mut lp).unwrap_err().code(),
        ruv_zlib::codes::ERR_STREAM_WRITE_AFTER_END
    );
    assert_eq!(s.mode(&lp).unwrap(), Mode::Gzip);
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.ended);
    // Node's order (`node -e` with the same calls): the header's 'data', 'finish' (all
    // input processed), the last 'data', 'end', 'close'.
    assert_eq!(log.events, ["data", "finish", "data", "end", "close"]);
    assert_eq!(
        ruv_zlib::gunzip_sync(&log.data, &Options::default()).unwrap(),
        b"abc"
    );
    assert_eq!(s.write(&mut lp, "x").unwrap_err().code(), Code::EBADF);
    assert_eq!(s.end(&mut lp).unwrap_err().code(), Code::EBADF);
    // The idempotent operations are no-ops on the stale id: nothing more happens.
    s.destroy(&mut lp, None);
    s.pause(&mut lp);
    s.resume(&mut lp);
    assert!(!lp.alive());
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["data", "finish", "data", "end", "close"]);
}

#[test]
fn destroy_drops_queued_work_and_silences_the_stream() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, Mode::Gzip, &Options::default());
    for _ in 0..5 {
        s.write(&mut lp, text(100_000, 2)).unwrap();
    }
    assert_eq!(s.writable_length(&lp).unwrap(), 500_000);
    s.end(&mut lp).unwrap();
    s.destroy(&mut lp, None);
    s.destroy(&mut lp, None); // twice is a no-op
    assert_eq!(s.writable_length(&lp).unwrap(), 0);
    let e = s.write(&mut lp, "x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR_STREAM_DESTROYED: Cannot call write after a stream was destroyed"
    );
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(
        log.chunks.is_empty() && !log.ended && log.error.is_none(),
        "{log:?}"
    );
    assert_eq!(log.events, ["close"], "only close after destroy");
    // Destroying from inside the callback, on the first data, also silences it.
    let s = ZlibStream::new(&mut lp, Mode::Gunzip, &Options::default())
        .unwrap()
        .on_event(&mut lp, |lp, log: &mut Log, s, ev| {
            record(lp, log, s, ev);
            s.destroy(lp, None);
        })
        .unwrap();
    let gz = ruv_zlib::gzip_sync(text(3 << 20, 5), &Options::default()).unwrap();
    for piece in gz.chunks(100_000) {
        s.write(&mut lp, piece).unwrap();
    }
    s.end(&mut lp).unwrap();
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.chunks.len(), 1);
    assert!(!log.ended);
    assert_eq!(log.events, ["data", "close"]);
}

#[test]
fn bytes_written_counts_input_and_streams_are_independent() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let a = recorded(&mut lp, Mode::Deflate, &Options::default());
    let b = ZlibStream::new(
        &mut lp,
        Mode::Deflate,
        &Options {
            level: 0,
            ..Options::default()
        },
    )
    .unwrap()
    .on_event(&mut lp, |_, _, _, _| {})
    .unwrap();
    assert_ne!(a, b);
    a.write(&mut lp, vec![7; 12345]).unwrap();
    b.write(&mut lp, vec![7; 10]).unwrap();
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(a.bytes_written(&lp).unwrap(), 12345);
    assert_eq!(b.bytes_written(&lp).unwrap(), 10);
    assert_eq!(a.writable_length(&lp).unwrap(), 0);
    // A stream nobody writes to does not keep the loop alive.
    assert!(!lp.alive());
}

#[test]
fn stream_options_are_checked() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let bad = Options {
        strategy: 9,
        ..Options::default()
    };
    let err = ZlibStream::new(&mut lp, Mode::Deflate, &bad).unwrap_err();
    assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
}

#[test]
fn pause_holds_output_and_stops_processing_until_resume() {
    let input = text(300_000, 3);
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default())
        .unwrap()
        .on_event(&mut lp, |lp, log: &mut Log, s, ev| {
            let first = matches!(ev, StreamEvent::Data(_)) && log.chunks.is_empty();
            record(lp, log, s, ev);
            if first {
                s.pause(lp);
            }
        })
        .unwrap();
    for piece in input.chunks(20_000) {
        s.write(&mut lp, piece).unwrap();
    }
    s.end(&mut lp).unwrap();
    let mut log = Log::default();
    // Paused on the first output: no job starts, so the loop has nothing left to wait for.
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.chunks.len(), 1);
    assert!(s.is_paused(&lp).unwrap());
    assert!(
        s.writable_length(&lp).unwrap() > 0,
        "input waits while paused"
    );
    assert!(!log.ended);
    s.resume(&mut lp);
    assert!(!s.is_paused(&lp).unwrap());
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.ended && log.closed);
    assert!(ruv_zlib::gunzip_sync(&log.data, &Options::default()).unwrap() == input);
}

#[test]
fn nothing_flows_until_the_event_callback_is_set() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Deflate, &Options::default()).unwrap();
    s.write(&mut lp, "queued before anyone listens").unwrap();
    s.end(&mut lp).unwrap();
    let mut log = Log::default();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(s.bytes_written(&lp).unwrap(), 0, "no job ran");
    s.on_event(&mut lp, record).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.ended && log.closed);
    assert_eq!(
        ruv_zlib::inflate_sync(&log.data, &Options::default()).unwrap(),
        b"queued before anyone listens"
    );
}

#[test]
fn an_error_nobody_listens_to_is_the_loops_uncaught_error() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Gunzip, &Options::default()).unwrap();
    s.resume(&mut lp); // flowing, with no event callback
    s.write(&mut lp, "not gzip").unwrap();
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(err.code(), ruv_zlib::codes::Z_DATA_ERROR);
    // The loop is consistent: running on frees the failed stream.
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(s.bytes_written(&lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn an_error_returned_by_the_event_callback_reaches_run() {
    let mut lp: Loop<usize> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Deflate, &Options::default())
        .unwrap()
        .on_event(&mut lp, |_, n: &mut usize, _, ev| {
            *n += 1;
            match ev {
                StreamEvent::Data(_) => Err(Error::new(Code::EINVAL).with_detail("refused")),
                _ => Ok(()),
            }
        })
        .unwrap();
    s.write(&mut lp, "x").unwrap();
    s.end(&mut lp).unwrap();
    let mut n = 0;
    let err = lp.run(RunMode::Default, &mut n).unwrap_err();
    assert_eq!(err.to_string(), "EINVAL: refused");
    // Running again goes on where it stopped (each `Data` refuses again), to the end.
    let mut runs = 1;
    while lp.run(RunMode::Default, &mut n).is_err() {
        runs += 1;
        assert!(runs < 10, "the stream never ended");
    }
    assert_eq!(s.mode(&lp).unwrap_err().code(), Code::EBADF, "closed");
}

#[test]
fn destroy_with_an_error_emits_error_then_close() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let s = recorded(&mut lp, Mode::Gzip, &Options::default());
    s.write(&mut lp, text(100_000, 1)).unwrap();
    s.destroy(&mut lp, Some(Error::new(Code::ECONNRESET)));
    s.destroy(&mut lp, Some(Error::new(Code::EINVAL))); // a no-op: one error at most
    let e = s.end(&mut lp).unwrap_err();
    assert_eq!(e.code(), Code::ERR_STREAM_DESTROYED);
    let mut log = Log::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["error", "close"]);
    assert_eq!(log.error.unwrap().code(), Code::ECONNRESET);
    assert!(log.chunks.is_empty());
}

#[test]
fn events_are_dispatched_with_their_kind_and_the_programs_registration_site() {
    type Seen = Vec<(&'static str, &'static str)>;
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default())
        .unwrap()
        .on_event(&mut lp, |lp, log: &mut Seen, _, _| {
            let info = lp.current_callback().expect("a callback is running");
            log.push((info.kind, info.site.file()));
        })
        .unwrap();
    s.write(&mut lp, "abc").unwrap();
    s.end(&mut lp).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let kinds: Vec<_> = log.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [
            "zlib.data",
            "zlib.finish",
            "zlib.data",
            "zlib.end",
            "zlib.close"
        ]
    );
    assert!(
        log.iter().all(|(_, f)| f.ends_with("tests/streams.rs")),
        "sites: {log:?}"
    );
}
