//! Resource hygiene: loops, handles and senders give back every file descriptor they opened.
//!
//! One test only, in its own binary: counting the process's descriptors is meaningless while
//! other tests open and close theirs concurrently. A leak raises the count; the checks allow
//! it to fall (a CI run saw one descriptor of the warm-up's pool start-up closed later).

use ruv_core::{Async, Interest, IoWatcher, Loop, RunMode, Signal, Timer, WorkClass};
use ruv_testkit::{open_fds, wait_until, LIMIT};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

#[test]
fn loops_and_handles_do_not_leak_descriptors() {
    // warm-up: whatever the first use initialises once per process (the global pool, ...)
    {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        lp.queue_work(WorkClass::Cpu, || 1, |_, n, r| *n += r.unwrap())
            .unwrap();
        lp.run(RunMode::Default, &mut 0).unwrap();
    }
    let base = open_fds();

    // a loop: its poller and waker
    for _ in 0..50 {
        let lp: Loop<()> = Loop::new().unwrap();
        assert!(open_fds() > base);
        drop(lp);
    }
    let now = open_fds();
    assert!(now <= base, "Loop::new + drop: {now} open, {base} before");

    // handles of every kind, closed and run to completion, then the loop dropped
    {
        let (a, b) = UnixStream::pair().unwrap();
        let with_sockets = open_fds();
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 0, |_, n, _| *n += 1).unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::WRITABLE, |lp, n, me, _| {
            *n += 1;
            me.close(lp).unwrap();
        })
        .unwrap();
        let asy = Async::new(&mut lp, |lp, n, me| {
            *n += 1;
            me.close(lp).unwrap();
        })
        .unwrap();
        asy.sender(&lp).unwrap().send().unwrap();
        // SIGURG: used by this test only; never raised
        let sig = Signal::new(&mut lp).unwrap();
        sig.start(&mut lp, libc::SIGURG, |_, _, _, _| {}).unwrap();
        sig.close(&mut lp).unwrap();
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 3);
        drop(lp);
        let now = open_fds();
        assert!(
            now <= with_sockets,
            "handles + drop: {now} open, {with_sockets} before"
        );
        // the watcher never owned its fd: both sockets are still open and usable
        assert!(a.peer_addr().is_ok() && b.peer_addr().is_ok());
    }
    assert!(open_fds() <= base);

    // a sender that outlives its loop keeps only what it shares, and gives it back
    {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let asy = Async::new(&mut lp, |_, _, _| {}).unwrap();
        let sender = asy.sender(&lp).unwrap();
        drop(lp);
        assert!(sender.send().is_err());
        drop(sender);
    }
    let now = open_fds();
    assert!(
        now <= base,
        "AsyncSender outliving its loop: {now} open, {base} before"
    );

    // a loop dropped with work in flight
    {
        let mut lp: Loop<()> = Loop::new().unwrap();
        for _ in 0..8 {
            lp.queue_work(WorkClass::Cpu, || (), |_, _, _| {}).unwrap();
        }
        drop(lp);
    }
    // the queued jobs hold the loop's waker until they have run and dropped their result
    assert!(
        wait_until(LIMIT, || open_fds() <= base),
        "loop dropped with work in flight: {} descriptors, {base} before",
        open_fds()
    );
}
