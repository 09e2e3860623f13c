//! Cancelling fs requests: a dedicated one-thread pool is kept busy by a job held on a
//! channel, so the fs request is certainly still queued when it is cancelled.

mod common;

use common::TempDir;
use ruv_core::{Code, Error, Loop, RunMode, WorkClass};
use ruv_fs::{self as fs, ReadStreamOptions, WriteStreamOptions};
use ruv_pool::{Pool, PoolConfig};
use std::sync::mpsc;

/// A loop on its own one-thread pool whose only worker is blocked until the returned sender
/// sends (or is dropped).
fn blocked_loop<S: 'static>() -> (Loop<S>, mpsc::Sender<()>, ruv_core::WorkReq) {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp = Loop::with_pool(pool).unwrap();
    let (started_tx, started) = mpsc::channel();
    let (release, gate) = mpsc::channel::<()>();
    let blocker = lp
        .queue_work(
            WorkClass::FastIo,
            move || {
                started_tx.send(()).unwrap();
                let _ = gate.recv();
            },
            |_, _, r| r.unwrap(),
        )
        .unwrap();
    started.recv().unwrap(); // the worker is now busy
    (lp, release, blocker)
}

#[test]
fn cancel_queued_stat_gets_ecanceled() {
    let t = TempDir::new("cancel-stat");
    let (mut lp, release, blocker) = blocked_loop::<Vec<Result<(), Error>>>();
    let req = fs::stat(&mut lp, t.path(), |_, out, r| out.push(r.map(|_| ()))).unwrap();
    lp.cancel(req).unwrap();
    // the callback never runs inline, and the job that is running cannot be cancelled
    assert_eq!(lp.cancel(blocker).unwrap_err().code(), Code::EBUSY);
    release.send(()).unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    let e = out.pop().unwrap().unwrap_err();
    assert_eq!(e.code(), Code::ECANCELED);
    assert_eq!(e.syscall(), Some("stat"));
    assert_eq!(e.to_string(), "ECANCELED: operation canceled, stat");
    // cancelling again after the callback ran: busy
    assert_eq!(lp.cancel(req).unwrap_err().code(), Code::EBUSY);
}

#[test]
fn cancel_one_of_several_queued_requests() {
    let t = TempDir::new("cancel-some");
    let f = t.join("f");
    std::fs::write(&f, "x").unwrap();
    let (mut lp, release, _) = blocked_loop::<Vec<(usize, Result<(), Code>)>>();
    let mut reqs = Vec::new();
    for i in 0..5 {
        reqs.push(
            fs::stat(&mut lp, &f, move |_, out, r| {
                out.push((i, r.map(|_| ()).map_err(|e| e.code())))
            })
            .unwrap(),
        );
    }
    lp.cancel(reqs[1]).unwrap();
    lp.cancel(reqs[3]).unwrap();
    release.send(()).unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    out.sort_by_key(|x| x.0);
    assert_eq!(
        out,
        [
            (0, Ok(())),
            (1, Err(Code::ECANCELED)),
            (2, Ok(())),
            (3, Err(Code::ECANCELED)),
            (4, Ok(()))
        ]
    );
}

#[test]
fn cancelled_write_file_never_touches_the_disk() {
    let t = TempDir::new("cancel-write");
    let f = t.join("f");
    let (mut lp, release, _) = blocked_loop::<Option<Result<(), Error>>>();
    let req = fs::write_file(&mut lp, &f, "data", |_, out, r| *out = Some(r)).unwrap();
    lp.cancel(req).unwrap();
    release.send(()).unwrap();
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(
        out.unwrap().unwrap_err().to_string(),
        "ECANCELED: operation canceled, open"
    );
    assert!(!f.exists());
}

#[test]
fn cancelled_read_file_calls_back_once_with_ecanceled() {
    let t = TempDir::new("cancel-read");
    let f = t.join("f");
    std::fs::write(&f, vec![1u8; fs::FILE_CHUNK * 2]).unwrap();
    let (mut lp, release, _) = blocked_loop::<Vec<Result<Vec<u8>, Error>>>();
    let req = fs::read_file(&mut lp, &f, |_, out, r| out.push(r)).unwrap();
    lp.cancel(req).unwrap();
    release.send(()).unwrap();
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    let e = out.pop().unwrap().unwrap_err();
    assert_eq!(e.code(), Code::ECANCELED);
    assert_eq!(e.to_string(), "ECANCELED: operation canceled, open");
}

#[test]
fn destroying_streams_cancels_their_queued_open() {
    let t = TempDir::new("cancel-streams");
    let (src, dst) = (t.join("src"), t.join("dst"));
    std::fs::write(&src, "x").unwrap();
    let (mut lp, release, _) = blocked_loop::<Vec<String>>();
    let rs = fs::read_stream(&mut lp, &src, ReadStreamOptions::default()).unwrap();
    rs.on_event(&mut lp, |_, log: &mut Vec<String>, _, ev| {
        log.push(format!("read {}", ev.name()))
    })
    .unwrap();
    let ws = fs::write_stream(&mut lp, &dst, WriteStreamOptions::default()).unwrap();
    ws.on_event(&mut lp, |_, log: &mut Vec<String>, _, ev| {
        log.push(format!("write {}", ev.name()))
    })
    .unwrap();
    ws.write(&mut lp, "never").unwrap();
    rs.destroy(&mut lp, None);
    ws.destroy(&mut lp, None);
    release.send(()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    // the cancelled opens complete (ECANCELED); no error and no data is reported, just each
    // stream's close (from the loop's closing phase, which runs close callbacks last closed
    // first, as libuv's does)
    log.sort();
    assert_eq!(log, ["read close", "write close"]);
    // the write stream's open ("w", which would create the file) never ran
    assert!(!dst.exists());
}
