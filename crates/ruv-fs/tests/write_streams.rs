//! Write streams: backpressure and drain, end, write after end, errors, destroy, positional
//! writes and append, descriptors and pipes; piping from read streams by hand and with
//! `pipeline`; the kinds and registration sites events are dispatched with.

mod common;

use common::{pattern, TempDir};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_fs::{self as fs, Fd, ReadStreamOptions, WriteStream, WriteStreamOptions};

/// A pipe: (read end, write end), both owned.
fn pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just returned by pipe(2) and are owned by nothing else.
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

/// What a write stream reported.
#[derive(Debug, Default)]
struct WriteLog {
    returns: Vec<bool>,
    drains: usize,
    events: Vec<String>,
    written: usize,
}

/// Logs a write stream's event (all but `Drain`, which is counted).
fn log_write_event(log: &mut WriteLog, ev: StreamEvent<'_>) {
    assert!(
        log.events.last().map(String::as_str) != Some("close"),
        "event after close: {ev:?}"
    );
    match ev {
        StreamEvent::Drain => log.drains += 1,
        StreamEvent::Error(e) => log.events.push(format!("error: {e}")),
        ev => log.events.push(ev.name().into()),
    }
}

fn watch(lp: &mut Loop<WriteLog>, ws: WriteStream) {
    ws.on_event(lp, |_, log, _, ev| log_write_event(log, ev))
        .unwrap();
}

#[test]
fn write_stream_backpressure_and_drain() {
    let t = TempDir::new("ws-bp");
    let f = t.join("out");
    let data = std::rc::Rc::new(pattern((1 << 20) + 17));
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let ws = fs::write_stream(&mut lp, &f, WriteStreamOptions::default()).unwrap();
    watch(&mut lp, ws);

    const CHUNK: usize = 4096;
    // Write until `write` says stop; then wait for drain; end after the last byte.
    fn write_some(lp: &mut Loop<WriteLog>, log: &mut WriteLog, ws: WriteStream, data: &[u8]) {
        while log.written < data.len() {
            let end = (log.written + CHUNK).min(data.len());
            let ok = ws.write(lp, &data[log.written..end]).unwrap();
            log.returns.push(ok);
            log.written = end;
            assert_eq!(ws.needs_drain(lp).unwrap(), !ok);
            if !ok {
                return;
            }
        }
        ws.end(lp).unwrap();
    }
    let d = data.clone();
    ws.on_event(&mut lp, move |lp, log: &mut WriteLog, ws, ev| {
        let drain = matches!(ev, StreamEvent::Drain);
        log_write_event(log, ev);
        if drain {
            assert_eq!(
                ws.buffered(lp).unwrap(),
                0,
                "drain comes with an empty buffer"
            );
            write_some(lp, log, ws, &d);
        }
    })
    .unwrap();
    let mut log = WriteLog::default();
    write_some(&mut lp, &mut log, ws, &data);
    // the file is not even open yet: everything so far is buffered
    assert_eq!(log.returns, [true, true, true, false]);
    assert_eq!(ws.buffered(&lp).unwrap(), fs::WRITE_HIGH_WATER_MARK);
    lp.run(RunMode::Default, &mut log).unwrap();

    // 16 KiB high-water mark, 4 KiB chunks: every drain cycle is 3 × true then false, and the
    // 17-byte tail goes out with true before end.
    let full_cycles = (1 << 20) / fs::WRITE_HIGH_WATER_MARK;
    assert_eq!(log.drains, full_cycles);
    let mut expect = Vec::new();
    for _ in 0..full_cycles {
        expect.extend([true, true, true, false]);
    }
    expect.push(true);
    assert_eq!(log.returns, expect);
    assert_eq!(log.events, ["finish", "close"]);
    assert!(std::fs::read(&f).unwrap() == *data, "content differs");
}

#[test]
fn write_stream_copy_from_read_stream_with_pause_resume() {
    // The piping pattern (examples/cat.rs): pause the reader when the writer says stop,
    // resume it on drain. The writer's high-water mark (1000) is below a full chunk, so each
    // full chunk's write says stop, whatever the timing of the jobs: 16 full chunks give 16
    // pauses and 16 drains; the 17-byte tail is below the mark.
    let t = TempDir::new("ws-pipe");
    let (src, dst) = (t.join("src"), t.join("dst"));
    let data = pattern((1 << 20) + 17);
    std::fs::write(&src, &data).unwrap();
    #[derive(Default)]
    struct St {
        pauses: usize,
        drains: usize,
        done: bool,
    }
    let mut lp: Loop<St> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(
        &mut lp,
        &dst,
        WriteStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    rs.on_event(&mut lp, move |lp, st: &mut St, rs, ev| match ev {
        StreamEvent::Data(chunk) => {
            let room = ws.write(lp, chunk).unwrap();
            if !room {
                st.pauses += 1;
                rs.pause(lp);
            }
        }
        StreamEvent::End => ws.end(lp).unwrap(),
        StreamEvent::Error(e) => panic!("{e}"),
        _ => {}
    })
    .unwrap();
    ws.on_event(&mut lp, move |lp, st: &mut St, _, ev| match ev {
        StreamEvent::Drain => {
            st.drains += 1;
            rs.resume(lp);
        }
        StreamEvent::Finish => st.done = true,
        StreamEvent::Error(e) => panic!("{e}"),
        _ => {}
    })
    .unwrap();
    let mut st = St::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert!(st.done);
    assert_eq!((st.pauses, st.drains), (16, 16));
    assert!(std::fs::read(&dst).unwrap() == data);
}

#[test]
fn write_after_end_is_an_error() {
    let t = TempDir::new("ws-wae");
    let f = t.join("f");
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let ws = fs::write_stream(&mut lp, &f, WriteStreamOptions::default()).unwrap();
    watch(&mut lp, ws);
    assert!(ws.write(&mut lp, "abc").unwrap());
    ws.end(&mut lp).unwrap();
    let e = ws.write(&mut lp, "more").unwrap_err();
    assert_eq!(e.to_string(), "ERR_STREAM_WRITE_AFTER_END: write after end");
    assert_eq!(
        ws.end(&mut lp).unwrap_err().code(),
        Code::ERR_STREAM_WRITE_AFTER_END
    );
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["finish", "close"]);
    assert_eq!(std::fs::read(&f).unwrap(), b"abc");
    assert_eq!(
        ws.write(&mut lp, "x").unwrap_err().code(),
        Code::EBADF,
        "stale after close"
    );
}

#[test]
fn write_stream_open_error() {
    let t = TempDir::new("ws-err");
    let f = t.join("missing/dir/f");
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let ws = fs::write_stream(&mut lp, &f, WriteStreamOptions::default()).unwrap();
    watch(&mut lp, ws);
    ws.write(&mut lp, "data").unwrap();
    ws.end(&mut lp).unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    // the pending end never finishes: the error, then close
    let msg = format!("ENOENT: no such file or directory, open '{}'", f.display());
    assert_eq!(log.events, [format!("error: {msg}"), "close".into()]);
}

#[test]
fn write_stream_positional_start_and_append() {
    let t = TempDir::new("ws-pos");
    let f = t.join("f");
    std::fs::write(&f, "0123456789").unwrap();
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let opts = WriteStreamOptions::default().start(3).flags("r+").unwrap();
    let ws = fs::write_stream(&mut lp, &f, opts).unwrap();
    watch(&mut lp, ws);
    ws.write(&mut lp, "ab").unwrap();
    ws.write(&mut lp, "c").unwrap();
    ws.end(&mut lp).unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"012abc6789");
    // "a": appends
    let ws = fs::write_stream(
        &mut lp,
        &f,
        WriteStreamOptions::default().flags("a").unwrap(),
    )
    .unwrap();
    watch(&mut lp, ws);
    ws.write(&mut lp, "!").unwrap();
    ws.end(&mut lp).unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["finish", "close"]);
    assert_eq!(std::fs::read(&f).unwrap(), b"012abc6789!");
}

#[test]
fn write_stream_destroy_drops_data_and_fails_end() {
    let t = TempDir::new("ws-destroy");
    let f = t.join("f");
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let ws = fs::write_stream(&mut lp, &f, WriteStreamOptions::default()).unwrap();
    watch(&mut lp, ws);
    ws.on_open(&mut lp, |_, log: &mut WriteLog, _, _| {
        log.events.push("open".into())
    })
    .unwrap();
    // the open job is queued or running: writes wait for it, and destroy drops them
    assert!(ws.write(&mut lp, "never written").unwrap());
    ws.end(&mut lp).unwrap();
    ws.destroy(&mut lp, None);
    assert_eq!(ws.buffered(&lp).unwrap(), 0);
    // after destroy: Node's ERR_STREAM_DESTROYED for write and end
    let e = ws.write(&mut lp, "x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR_STREAM_DESTROYED: Cannot call write after a stream was destroyed"
    );
    assert_eq!(
        ws.end(&mut lp).unwrap_err().code(),
        Code::ERR_STREAM_DESTROYED
    );
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    // the pending end never finishes, and no open is reported: just close
    assert_eq!(log.events, ["close"]);
    // the open may have run before destroy (then the file exists, empty) or been cancelled
    assert!(std::fs::read(&f).map_or(true, |d| d.is_empty()));
}

#[test]
fn write_stream_on_a_given_fd() {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    let (r, w) = pipe();
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let fd = Fd::from_raw(w.as_raw_fd());
    let ws = fs::write_stream(
        &mut lp,
        "",
        WriteStreamOptions::default().fd(fd).auto_close(false),
    )
    .unwrap();
    watch(&mut lp, ws);
    ws.write(&mut lp, "through ").unwrap();
    ws.write(&mut lp, "a pipe").unwrap();
    ws.end(&mut lp).unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["finish", "close"]);
    drop(w); // ours to close
    let mut got = String::new();
    std::fs::File::from(r).read_to_string(&mut got).unwrap();
    assert_eq!(got, "through a pipe");
}

#[test]
fn pipeline_copies_a_file_with_backpressure_and_calls_back_once() {
    let t = TempDir::new("pipeline");
    let (src, dst) = (t.join("src"), t.join("dst"));
    let data = pattern((1 << 20) + 17);
    std::fs::write(&src, &data).unwrap();
    let mut lp: Loop<Vec<Result<(), Error>>> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    let ws = fs::write_stream(
        &mut lp,
        &dst,
        WriteStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    ruv_core::stream::pipeline(&mut lp, rs, ws, |_, results: &mut Vec<_>, res| {
        results.push(res)
    })
    .unwrap();
    let mut results = Vec::new();
    lp.run(RunMode::Default, &mut results).unwrap();
    assert_eq!(results.len(), 1);
    results[0].as_ref().unwrap();
    assert!(std::fs::read(&dst).unwrap() == data, "content differs");
    assert_eq!(rs.fd(&lp).unwrap_err().code(), Code::EBADF, "closed");
    assert_eq!(ws.fd(&lp).unwrap_err().code(), Code::EBADF, "closed");
}

#[test]
fn stream_events_are_dispatched_with_their_kind_and_the_programs_registration_site() {
    let t = TempDir::new("kinds");
    let (src, dst) = (t.join("src"), t.join("dst"));
    std::fs::write(&src, "abc").unwrap();
    type Seen = Vec<(&'static str, &'static str)>;
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    fn seen(lp: &Loop<Seen>, log: &mut Seen) {
        let info = lp.current_callback().expect("a callback is running");
        log.push((info.kind, info.site.file()));
    }
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    rs.on_open(&mut lp, |lp, log: &mut Seen, _, _| seen(lp, log))
        .unwrap()
        .on_event(&mut lp, |lp, log: &mut Seen, _, _| seen(lp, log))
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let kinds: Vec<_> = log.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [
            "fs.read.open",
            "fs.read.data",
            "fs.read.end",
            "fs.read.close"
        ]
    );
    assert!(
        log.iter()
            .all(|(_, f)| f.ends_with("tests/write_streams.rs")),
        "sites: {log:?}"
    );
    let ws = fs::write_stream(
        &mut lp,
        &dst,
        WriteStreamOptions::default().high_water_mark(1),
    )
    .unwrap()
    .on_event(&mut lp, |lp, log: &mut Seen, _, _| seen(lp, log))
    .unwrap();
    assert!(!ws.write(&mut lp, "x").unwrap());
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    ws.end(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    let kinds: Vec<_> = log.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        ["fs.write.drain", "fs.write.finish", "fs.write.close"]
    );
    assert!(log
        .iter()
        .all(|(_, f)| f.ends_with("tests/write_streams.rs")));
}
