//! Read and write streams: chunking, pause/resume, ranges, backpressure and drain, end,
//! errors, destroy, descriptors and pipes, the event order, and `pipeline` file to file.

mod common;

use common::{pattern, TempDir};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_fs::{self as fs, Fd, ReadStream, ReadStreamOptions, WriteStream, WriteStreamOptions};
use std::path::Path;

/// What a read stream reported, in order.
#[derive(Debug, Default)]
struct ReadLog {
    chunks: Vec<usize>,
    data: Vec<u8>,
    events: Vec<String>,
}

/// Logs a read stream's event; every event but `Data` goes to `events`.
fn log_event(log: &mut ReadLog, ev: StreamEvent<'_>) {
    assert!(
        log.events.last().map(String::as_str) != Some("close"),
        "event after close: {ev:?}"
    );
    match ev {
        StreamEvent::Data(chunk) => {
            assert!(!chunk.is_empty(), "empty data event");
            log.chunks.push(chunk.len());
            log.data.extend_from_slice(chunk);
        }
        StreamEvent::Error(e) => log.events.push(format!("error: {e}")),
        ev => log.events.push(ev.name().into()),
    }
}

fn collect(lp: &mut Loop<ReadLog>, rs: ReadStream) {
    rs.on_event(lp, |_, log, _, ev| log_event(log, ev)).unwrap();
}

fn read_all(path: &Path, options: ReadStreamOptions) -> ReadLog {
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, path, options).unwrap();
    collect(&mut lp, rs);
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    log
}

#[test]
fn read_stream_of_a_file_larger_than_one_chunk() {
    let t = TempDir::new("rs-big");
    let f = t.join("big");
    let data = pattern((1 << 20) + 17);
    std::fs::write(&f, &data).unwrap();
    let log = read_all(&f, ReadStreamOptions::default());
    assert_eq!(log.events, ["end", "close"]);
    assert_eq!(log.data.len(), data.len());
    assert!(log.data == data, "content differs");
    // 16 full 64 KiB chunks, then the 17 bytes left
    assert_eq!(log.chunks.len(), 17);
    assert!(log.chunks[..16]
        .iter()
        .all(|&n| n == fs::READ_HIGH_WATER_MARK));
    assert_eq!(log.chunks[16], 17);
}

#[test]
fn read_stream_of_an_empty_file() {
    let t = TempDir::new("rs-empty");
    let f = t.join("empty");
    std::fs::write(&f, "").unwrap();
    let log = read_all(&f, ReadStreamOptions::default());
    assert!(log.chunks.is_empty());
    assert_eq!(log.events, ["end", "close"]);
}

#[test]
fn read_stream_ranges_and_small_high_water_mark() {
    let t = TempDir::new("rs-range");
    let f = t.join("f");
    std::fs::write(&f, "0123456789abcdefghij").unwrap();
    let log = read_all(
        &f,
        ReadStreamOptions::default()
            .start(10)
            .end(19)
            .high_water_mark(4),
    );
    assert_eq!(log.data, b"abcdefghij");
    assert_eq!(log.chunks, [4, 4, 2]);
    // end without start: from the current position (0), end inclusive
    let log = read_all(&f, ReadStreamOptions::default().end(4));
    assert_eq!(log.data, b"01234");
    // start past the end of the file: no data, just end
    let log = read_all(&f, ReadStreamOptions::default().start(100));
    assert!(log.data.is_empty());
    assert_eq!(log.events, ["end", "close"]);
    // start > end is refused at once, as Node does
    let mut lp: Loop<()> = Loop::new().unwrap();
    let e = fs::read_stream(&mut lp, &f, ReadStreamOptions::default().start(5).end(2)).unwrap_err();
    assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
    assert_eq!(
        e.to_string(),
        "ERR_OUT_OF_RANGE: The value of \"start\" is out of range. It must be <= \"end\" (here: 2). \
         Received 5"
    );
}

#[test]
fn read_stream_pause_queues_no_read_until_resume() {
    let t = TempDir::new("rs-pause");
    let f = t.join("f");
    let data = pattern(5 * 1000);
    std::fs::write(&f, &data).unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(
        &mut lp,
        &f,
        ReadStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    collect(&mut lp, rs);
    let path = f.clone();
    // replace the event callback: pause after the first and the third chunk, and check from
    // an unrelated request's callback that no read job is in flight meanwhile
    rs.on_event(&mut lp, move |lp, log: &mut ReadLog, rs, ev| {
        let data = matches!(ev, StreamEvent::Data(_));
        log_event(log, ev);
        if data && (log.chunks.len() == 1 || log.chunks.len() == 3) {
            rs.pause(lp);
            assert!(rs.is_paused(lp).unwrap());
            let at = log.chunks.len();
            fs::stat(lp, &path, move |lp, log, st| {
                st.unwrap();
                // only this stat was in flight, and it is done: no read job was queued
                assert_eq!(lp.active_requests(), 0);
                assert_eq!(log.chunks.len(), at, "no data while paused");
                log.events.push(format!("resume after {at}"));
                rs.resume(lp);
                assert!(!rs.is_paused(lp).unwrap());
            })
            .unwrap();
        }
    })
    .unwrap();
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log.events,
        ["resume after 1", "resume after 3", "end", "close"]
    );
    assert_eq!(log.chunks, [1000; 5]);
    assert!(log.data == data);
}

#[test]
fn read_stream_paused_with_nothing_in_flight_lets_the_loop_end() {
    let t = TempDir::new("rs-paused-exit");
    let f = t.join("f");
    std::fs::write(&f, pattern(3000)).unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(
        &mut lp,
        &f,
        ReadStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    rs.on_event(&mut lp, |lp, log: &mut ReadLog, rs, ev| {
        let data = matches!(ev, StreamEvent::Data(_));
        log_event(log, ev);
        if data {
            rs.pause(lp);
        }
    })
    .unwrap();
    let mut log = ReadLog::default();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.chunks, [1000]);
    assert_eq!(rs.bytes_read(&lp).unwrap(), 1000);
    // resuming later goes on where it stopped
    collect(&mut lp, rs);
    rs.resume(&mut lp);
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.chunks, [1000; 3]);
    assert_eq!(log.events, ["end", "close"]);
    assert_eq!(
        rs.bytes_read(&lp).unwrap_err().code(),
        Code::EBADF,
        "stale after close"
    );
    // the idempotent operations are no-ops on the stale id
    rs.pause(&mut lp);
    rs.resume(&mut lp);
    rs.destroy(&mut lp, None);
    assert!(!lp.alive());
}

#[test]
fn read_stream_errors() {
    let t = TempDir::new("rs-err");
    let missing = t.join("nope");
    let log = read_all(&missing, ReadStreamOptions::default());
    assert!(log.chunks.is_empty());
    assert_eq!(
        log.events,
        [
            format!(
                "error: ENOENT: no such file or directory, open '{}'",
                missing.display()
            ),
            "close".into()
        ]
    );
    // a directory opens, then the first read fails
    let log = read_all(t.path(), ReadStreamOptions::default());
    assert_eq!(
        log.events,
        [
            "error: EISDIR: illegal operation on a directory, read",
            "close"
        ]
    );
}

#[test]
fn read_stream_error_without_handler_is_the_loops_uncaught_error() {
    // Node throws for an 'error' nobody listens to; ruv's loop returns it from `run`.
    let t = TempDir::new("rs-uncaught");
    let missing = t.join("nope");
    let mut lp: Loop<()> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &missing, ReadStreamOptions::default()).unwrap();
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert!(
        err.to_string()
            .contains("ENOENT: no such file or directory, open"),
        "{err}"
    );
    // the loop is consistent: running on closes the failed stream
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(rs.fd(&lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn read_stream_callback_error_reaches_run_and_the_stream_resumes() {
    let t = TempDir::new("rs-cb-err");
    let f = t.join("f");
    std::fs::write(&f, pattern(3000)).unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    fs::read_stream(
        &mut lp,
        &f,
        ReadStreamOptions::default().high_water_mark(1000),
    )
    .unwrap()
    .on_event(&mut lp, |_, log: &mut ReadLog, _, ev| {
        let data = matches!(ev, StreamEvent::Data(_));
        log_event(log, ev);
        if data {
            return Err(Error::new(Code::EINVAL).with_detail("no thanks"));
        }
        Ok(())
    })
    .unwrap();
    let mut log = ReadLog::default();
    let mut errors = 0;
    while let Err(e) = lp.run(RunMode::Default, &mut log) {
        assert_eq!(e.to_string(), "EINVAL: no thanks");
        errors += 1;
        assert!(errors <= 3, "more errors than chunks");
    }
    assert_eq!(errors, 3);
    assert_eq!(log.chunks, [1000; 3]);
    assert_eq!(log.events, ["end", "close"]);
}

#[test]
fn read_stream_destroy_stops_data_and_closes() {
    let t = TempDir::new("rs-destroy");
    let f = t.join("f");
    std::fs::write(&f, pattern(10_000)).unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(
        &mut lp,
        &f,
        ReadStreamOptions::default().high_water_mark(1000),
    )
    .unwrap();
    rs.on_event(&mut lp, |lp, log: &mut ReadLog, rs, ev| {
        log_event(log, ev);
        rs.destroy(lp, None);
        rs.destroy(lp, None); // twice is fine
    })
    .unwrap();
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.chunks, [1000]);
    assert_eq!(log.events, ["close"]);
}

#[test]
fn read_stream_destroy_with_an_error_emits_error_then_close() {
    let t = TempDir::new("rs-destroy-err");
    let f = t.join("f");
    std::fs::write(&f, pattern(10_000)).unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &f, ReadStreamOptions::default()).unwrap();
    collect(&mut lp, rs);
    rs.destroy(&mut lp, Some(Error::new(Code::ECONNRESET)));
    rs.destroy(&mut lp, Some(Error::new(Code::EINVAL))); // a no-op: one error at most
    assert_eq!(
        rs.on_event(&mut lp, |_, _, _, _| {}).unwrap_err().code(),
        Code::ERR_STREAM_DESTROYED
    );
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.chunks.is_empty());
    assert_eq!(log.events.len(), 2, "{:?}", log.events);
    assert!(
        log.events[0].starts_with("error: ECONNRESET"),
        "{:?}",
        log.events
    );
    assert_eq!(log.events[1], "close");
}

#[test]
fn read_stream_destroyed_before_open_completes() {
    let t = TempDir::new("rs-destroy-early");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &f, ReadStreamOptions::default()).unwrap();
    collect(&mut lp, rs);
    rs.destroy(&mut lp, None);
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.chunks.is_empty());
    assert_eq!(log.events, ["close"]);
}

#[test]
fn read_stream_on_a_given_fd() {
    let t = TempDir::new("rs-fd");
    let f = t.join("f");
    std::fs::write(&f, "0123456789").unwrap();
    let file = std::fs::File::open(&f).unwrap();
    let fd = Fd::from_raw(std::os::fd::AsRawFd::as_raw_fd(&file));
    let log = read_all(
        Path::new(""),
        ReadStreamOptions::default()
            .fd(fd)
            .auto_close(false)
            .start(4),
    );
    assert_eq!(log.data, b"456789");
    assert_eq!(log.events, ["end", "close"]);
    // not closed by the stream: still usable
    assert_eq!(
        std::fs::read_to_string(format!("/proc/self/fd/{}", fd.raw())).unwrap(),
        "0123456789"
    );
    drop(file);
}

/// A pipe: (read end, write end), both owned.
fn pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    }
}

#[test]
fn read_stream_from_a_pipe() {
    use std::io::Write;
    use std::os::fd::IntoRawFd;
    let (r, w) = pipe();
    let data = pattern(300_000);
    let expect = data.clone();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::File::from(w);
        w.write_all(&data).unwrap();
    });
    // positionless reads (`start: None`) work on pipes; the stream closes the read end
    let fd = Fd::from_raw(r.into_raw_fd());
    let log = read_all(Path::new(""), ReadStreamOptions::default().fd(fd));
    writer.join().unwrap();
    assert!(log.data == expect);
    assert!(log
        .chunks
        .iter()
        .all(|&n| n > 0 && n <= fs::READ_HIGH_WATER_MARK));
    assert_eq!(log.events, ["end", "close"]);
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
