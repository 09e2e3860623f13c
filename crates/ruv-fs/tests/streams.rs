//! Read and write streams: chunking, pause/resume, ranges, backpressure and drain, end,
//! errors, destroy, descriptors and pipes.

mod common;

use common::{pattern, TempDir};
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

fn collect(lp: &mut Loop<ReadLog>, rs: ReadStream) {
    rs.on_data(lp, |_, log, _, chunk| {
        log.chunks.push(chunk.len());
        log.data.extend_from_slice(&chunk);
    })
    .unwrap()
    .on_end(lp, |_, log, _| log.events.push("end".into()))
    .unwrap()
    .on_error(lp, |_, log, _, e| log.events.push(format!("error: {e}")))
    .unwrap()
    .on_close(lp, |_, log, _| log.events.push("close".into()))
    .unwrap();
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
    // replace the data callback: pause after the first and the third chunk, and check from an
    // unrelated request's callback that no read job is in flight meanwhile
    rs.on_data(&mut lp, move |lp, log, rs, chunk| {
        log.chunks.push(chunk.len());
        log.data.extend_from_slice(&chunk);
        if log.chunks.len() == 1 || log.chunks.len() == 3 {
            rs.pause(lp).unwrap();
            assert!(rs.is_paused(lp).unwrap());
            let at = log.chunks.len();
            fs::stat(lp, &path, move |lp, log, st| {
                st.unwrap();
                // only this stat was in flight, and it is done: no read job was queued
                assert_eq!(lp.active_requests(), 0);
                assert_eq!(log.chunks.len(), at, "no data while paused");
                log.events.push(format!("resume after {at}"));
                rs.resume(lp).unwrap();
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
    collect(&mut lp, rs);
    rs.on_data(&mut lp, |lp, log, rs, chunk| {
        log.chunks.push(chunk.len());
        rs.pause(lp).unwrap();
    })
    .unwrap();
    let mut log = ReadLog::default();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.chunks, [1000]);
    assert_eq!(rs.bytes_read(&lp).unwrap(), 1000);
    // resuming later goes on where it stopped
    rs.on_data(&mut lp, |_, log, _, chunk| log.chunks.push(chunk.len()))
        .unwrap();
    rs.resume(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.chunks, [1000; 3]);
    assert_eq!(log.events, ["end", "close"]);
    assert_eq!(
        rs.pause(&mut lp).unwrap_err().code(),
        Code::EBADF,
        "stale after close"
    );
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
fn read_stream_error_without_handler_panics() {
    let t = TempDir::new("rs-panic");
    let missing = t.join("nope");
    let mut lp: Loop<()> = Loop::new().unwrap();
    fs::read_stream(&mut lp, &missing, ReadStreamOptions::default()).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.run(RunMode::Default, &mut ())
    }));
    let payload = r.unwrap_err();
    let text = payload.downcast_ref::<String>().unwrap();
    assert!(
        text.contains("ENOENT: no such file or directory, open"),
        "{text}"
    );
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
    collect(&mut lp, rs);
    rs.on_data(&mut lp, |lp, log, rs, chunk| {
        log.chunks.push(chunk.len());
        rs.destroy(lp).unwrap();
        rs.destroy(lp).unwrap(); // twice is fine
    })
    .unwrap();
    let mut log = ReadLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.chunks, [1000]);
    assert_eq!(log.events, ["close"]);
}

#[test]
fn read_stream_destroyed_before_open_completes() {
    let t = TempDir::new("rs-destroy-early");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let mut lp: Loop<ReadLog> = Loop::new().unwrap();
    let rs = fs::read_stream(&mut lp, &f, ReadStreamOptions::default()).unwrap();
    collect(&mut lp, rs);
    rs.destroy(&mut lp).unwrap();
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

fn watch(lp: &mut Loop<WriteLog>, ws: WriteStream) {
    ws.on_error(lp, |_, log, _, e| log.events.push(format!("error: {e}")))
        .unwrap()
        .on_finish(lp, |_, log, _| log.events.push("finish".into()))
        .unwrap()
        .on_close(lp, |_, log, _| log.events.push("close".into()))
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
        ws.end(lp, |_, log, r| {
            r.unwrap();
            log.events.push("end cb".into());
        })
        .unwrap();
    }
    let d = data.clone();
    ws.on_drain(&mut lp, move |lp, log, ws| {
        log.drains += 1;
        assert_eq!(
            ws.buffered(lp).unwrap(),
            0,
            "drain comes with an empty buffer"
        );
        write_some(lp, log, ws, &d);
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
    assert_eq!(log.events, ["end cb", "finish", "close"]);
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
    rs.on_data(&mut lp, move |lp, st: &mut St, rs, chunk| {
        if !ws.write(lp, chunk).unwrap() {
            st.pauses += 1;
            rs.pause(lp).unwrap();
        }
    })
    .unwrap()
    .on_end(&mut lp, move |lp, _, _| {
        ws.end(lp, |_, st, r| {
            r.unwrap();
            st.done = true;
        })
        .unwrap();
    })
    .unwrap()
    .on_error(&mut lp, |_, _, _, e| panic!("{e}"))
    .unwrap();
    ws.on_drain(&mut lp, move |lp, st, _| {
        st.drains += 1;
        rs.resume(lp).unwrap();
    })
    .unwrap()
    .on_error(&mut lp, |_, _, _, e| panic!("{e}"))
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
    ws.end(&mut lp, |_, log, r| {
        r.unwrap();
        log.events.push("end cb".into());
    })
    .unwrap();
    let e = ws.write(&mut lp, "more").unwrap_err();
    assert_eq!(e.to_string(), "ERR_STREAM_WRITE_AFTER_END: write after end");
    assert!(ws.end(&mut lp, |_, _, _| {}).is_err());
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["end cb", "finish", "close"]);
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
    ws.end(&mut lp, |_, log, r| {
        log.events.push(format!("end cb: {}", r.unwrap_err()))
    })
    .unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    let msg = format!("ENOENT: no such file or directory, open '{}'", f.display());
    assert_eq!(
        log.events,
        [
            format!("error: {msg}"),
            format!("end cb: {msg}"),
            "close".into()
        ]
    );
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
    ws.end(&mut lp, |_, _, r| r.unwrap()).unwrap();
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
    ws.end(&mut lp, |_, _, r| r.unwrap()).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"012abc6789!");
}

#[test]
fn write_stream_destroy_drops_data_and_fails_end() {
    let t = TempDir::new("ws-destroy");
    let f = t.join("f");
    let mut lp: Loop<WriteLog> = Loop::new().unwrap();
    let ws = fs::write_stream(&mut lp, &f, WriteStreamOptions::default()).unwrap();
    watch(&mut lp, ws);
    ws.on_open(&mut lp, |_, log, _, _| log.events.push("open".into()))
        .unwrap();
    // the open job is queued or running: writes wait for it, and destroy drops them
    assert!(ws.write(&mut lp, "never written").unwrap());
    ws.end(&mut lp, |_, log, r| {
        log.events
            .push(format!("end cb: {}", r.unwrap_err().code().name()))
    })
    .unwrap();
    ws.destroy(&mut lp).unwrap();
    assert_eq!(ws.buffered(&lp).unwrap(), 0);
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["end cb: ERR_STREAM_DESTROYED", "close"]);
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
    ws.end(&mut lp, |_, _, r: Result<(), Error>| r.unwrap())
        .unwrap();
    let mut log = WriteLog::default();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.events, ["finish", "close"]);
    drop(w); // ours to close
    let mut got = String::new();
    std::fs::File::from(r).read_to_string(&mut got).unwrap();
    assert_eq!(got, "through a pipe");
}
