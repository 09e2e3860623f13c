//! Read streams: chunking, pause/resume, ranges, end, errors (handled, unhandled, returned
//! by the callback), destroy, descriptors and pipes, the event order. Write streams and
//! piping: `write_streams.rs`.

mod common;

use common::{pattern, TempDir};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, RunMode};
use ruv_fs::{self as fs, Fd, ReadStream, ReadStreamOptions};
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
