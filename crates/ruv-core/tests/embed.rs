//! Embedding the loop in a foreign poller through `backend_fd` + `backend_timeout`, as libuv's
//! `embed` test does: wait on the fd, then run one NOWAIT iteration.

use ruv_core::{Async, Loop, RunMode, Timer};
use ruv_testkit::bounded;

/// `poll(2)` on the loop's backend fd for `timeout` ms (`None`: no limit). Returns whether it
/// is readable.
fn wait_backend<S>(lp: &Loop<S>, timeout: Option<u64>) -> bool {
    let mut pfd = libc::pollfd {
        fd: lp.backend_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.map_or(-1, |t| t.min(i32::MAX as u64) as i32);
    loop {
        // SAFETY: one valid pollfd, nfds = 1.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n >= 0 {
            return n == 1 && pfd.revents & libc::POLLIN != 0;
        }
        let err = std::io::Error::last_os_error();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted, "poll: {err}");
    }
}

#[test]
fn embed_async_from_thread_via_backend_fd() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, n, me| {
            *n += 1;
            me.close(lp).unwrap();
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        let th = std::thread::spawn(move || sender.send().unwrap());
        let mut n = 0;
        while lp.alive() {
            wait_backend(&lp, lp.backend_timeout());
            lp.run(RunMode::NoWait, &mut n).unwrap();
        }
        assert_eq!(n, 1);
        th.join().unwrap();
    });
}

#[test]
fn embed_timer_via_backend_timeout() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let start = lp.now();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 10, 0, |_, n, _| *n += 1).unwrap();
        // the timer's 10 ms, less what a loaded machine let pass since it was armed
        let wait = lp.backend_timeout();
        assert!(wait.is_some_and(|ms| (5..=10).contains(&ms)), "{wait:?}");
        let mut n = 0;
        while lp.alive() {
            wait_backend(&lp, lp.backend_timeout());
            lp.run(RunMode::NoWait, &mut n).unwrap();
        }
        assert_eq!(n, 1);
        assert!(lp.now() - start >= 10);
    });
}

#[test]
fn embed_backend_fd_quiet_once_events_are_handled() {
    // The embedder waits on the fd whenever backend_timeout says "until an event". Once a
    // NOWAIT run has handled everything, the fd must not stay readable: the embedder would
    // spin, calling NOWAIT over and over with nothing to do.
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |_, n, _| *n += 1).unwrap();
        let sender = a.sender(&lp).unwrap();
        assert_eq!(lp.backend_timeout(), None);
        assert!(!wait_backend(&lp, Some(0)), "nothing happened yet");
        for round in 1..=3 {
            sender.send().unwrap();
            assert!(wait_backend(&lp, Some(0)), "a send makes the fd readable");
            let mut n = 0;
            assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
            assert_eq!(n, 1, "round {round}");
            assert!(
                !wait_backend(&lp, Some(0)),
                "round {round}: the fd stays readable after the send was handled"
            );
        }
        a.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut 0).unwrap());
    });
}
