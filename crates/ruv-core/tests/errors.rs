//! Misuse is an error value with libuv's code, never a panic: re-entrant run (EBUSY), stale
//! ids (EBADF), double close (EINVAL), start after close (EBADF), `again` on a never-started
//! timer (EINVAL), bad descriptors (EBADF), sends after close (EBADF).

use ruv_core::{
    Async, Check, Code, Idle, Interest, IoWatcher, Loop, Prepare, RunMode, Signal, Timer,
};
use ruv_testkit::{bounded, Trace};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

fn code<T: std::fmt::Debug>(r: ruv_core::Result<T>) -> Code {
    r.expect_err("expected an error").code()
}

#[test]
fn reentrant_run_is_ebusy() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 0, |lp, tr: &mut Trace, _| {
            for mode in [RunMode::Default, RunMode::Once, RunMode::NoWait] {
                let err = lp.run(mode, tr).unwrap_err();
                assert_eq!(err.code(), Code::EBUSY);
                assert_eq!(err.syscall(), Some("run"));
            }
            tr.push("timer");
        })
        .unwrap();
        let i = Idle::new(&mut lp).unwrap();
        i.start(&mut lp, |lp, tr: &mut Trace, me| {
            assert_eq!(code(lp.run(RunMode::NoWait, tr)), Code::EBUSY);
            tr.push("idle");
            me.close(lp).unwrap().then(|lp, tr: &mut Trace| {
                assert_eq!(code(lp.run(RunMode::NoWait, tr)), Code::EBUSY);
                tr.push("closed");
            });
        })
        .unwrap();
        let mut tr = Trace::new();
        // the outer run is unaffected
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["timer", "idle", "closed"]);
        // and the loop can be run again afterwards
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
    });
}

#[test]
fn stale_id_after_close_is_ebadf() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let old = Timer::new(&mut lp).unwrap();
        old.start(&mut lp, 1000, 0, |_, _, _| {}).unwrap();
        old.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut 0).unwrap());

        // the freed slot is reused: the old id must not reach the new handle
        let new = Timer::new(&mut lp).unwrap();
        assert_ne!(new.id(), old.id());
        new.start(&mut lp, 1, 0, |_, n, _| *n += 1).unwrap();

        assert_eq!(code(old.start(&mut lp, 0, 0, |_, _, _| {})), Code::EBADF);
        old.stop(&mut lp); // idempotent: a no-op on a stale id
        assert_eq!(code(old.again(&mut lp)), Code::EBADF);
        assert_eq!(code(old.restart(&mut lp, 0, 0)), Code::EBADF);
        assert_eq!(code(old.set_repeat(&mut lp, 1)), Code::EBADF);
        assert_eq!(code(old.repeat(&lp)), Code::EBADF);
        assert_eq!(code(old.due_in(&lp)), Code::EBADF);
        old.set_ref(&mut lp, false); // idempotent: a no-op on a stale id
        assert_eq!(code(old.has_ref(&lp)), Code::EBADF);
        assert_eq!(code(old.is_active(&lp)), Code::EBADF);
        assert_eq!(code(old.is_closing(&lp)), Code::EBADF);
        assert_eq!(code(old.close(&mut lp)), Code::EBADF);
        assert_eq!(
            code(old.close(&mut lp).map(|t| t.then(|_, _| {}))),
            Code::EBADF
        );

        // none of that touched the new timer
        assert_eq!(new.is_active(&lp), Ok(true));
        assert_eq!(new.has_ref(&lp), Ok(true));
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1);
    });
}

#[test]
fn stale_watcher_and_async_ids_are_ebadf() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let i = Idle::new(&mut lp).unwrap();
        let p = Prepare::new(&mut lp).unwrap();
        let c = Check::new(&mut lp).unwrap();
        let a = Async::new(&mut lp, |_, _, _| {}).unwrap();
        i.close(&mut lp).unwrap();
        p.close(&mut lp).unwrap();
        c.close(&mut lp).unwrap();
        a.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
        assert_eq!(code(i.start(&mut lp, |_, _, _| {})), Code::EBADF);
        i.stop(&mut lp); // idempotent: a no-op on a stale id
        assert_eq!(code(p.start(&mut lp, |_, _, _| {})), Code::EBADF);
        p.stop(&mut lp); // idempotent: a no-op on a stale id
        assert_eq!(code(c.start(&mut lp, |_, _, _| {})), Code::EBADF);
        c.stop(&mut lp); // idempotent: a no-op on a stale id
        assert_eq!(code(a.sender(&lp)), Code::EBADF);
        a.set_ref(&mut lp, true); // idempotent: a no-op on a stale id
    });
}

#[test]
fn double_close_is_einval() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.close(&mut lp).unwrap().then(|_, n| *n += 1);
        let err = t
            .close(&mut lp)
            .map(|t| t.then(|_, n| *n += 100))
            .unwrap_err();
        assert_eq!(err.code(), Code::EINVAL);
        assert_eq!(code(t.close(&mut lp)), Code::EINVAL);
        let c = Check::new(&mut lp).unwrap();
        c.close(&mut lp).unwrap();
        assert_eq!(code(c.close(&mut lp)), Code::EINVAL);
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1, "only the first close callback runs");
        // once closed, the id is stale
        assert_eq!(code(t.close(&mut lp)), Code::EBADF);
    });
}

#[test]
fn start_after_close_is_ebadf() {
    bounded(|| {
        let (sock, _peer) = UnixStream::pair().unwrap();
        let mut lp: Loop<()> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        let i = Idle::new(&mut lp).unwrap();
        let p = Prepare::new(&mut lp).unwrap();
        let c = Check::new(&mut lp).unwrap();
        let w = IoWatcher::new(&mut lp, sock.as_raw_fd()).unwrap();
        let s = Signal::new(&mut lp).unwrap();
        t.close(&mut lp).unwrap();
        i.close(&mut lp).unwrap();
        p.close(&mut lp).unwrap();
        c.close(&mut lp).unwrap();
        w.close(&mut lp).unwrap();
        s.close(&mut lp).unwrap();
        // closing (close callback not run yet) and closed alike
        for round in 0..2 {
            assert_eq!(code(t.start(&mut lp, 0, 0, |_, _, _| {})), Code::EBADF);
            assert_eq!(code(i.start(&mut lp, |_, _, _| {})), Code::EBADF);
            assert_eq!(code(p.start(&mut lp, |_, _, _| {})), Code::EBADF);
            assert_eq!(code(c.start(&mut lp, |_, _, _| {})), Code::EBADF);
            assert_eq!(
                code(w.start(&mut lp, Interest::READABLE, |_, _, _, _| {})),
                Code::EBADF
            );
            // SIGWINCH would be harmless, but a closing handle must be refused before any
            // process-wide handler is installed: use a signal no other test uses.
            assert_eq!(
                code(s.start(&mut lp, libc::SIGXCPU, |_, _, _, _| {})),
                Code::EBADF
            );
            if round == 0 {
                assert_eq!(t.is_closing(&lp), Ok(true));
                assert!(!lp.run(RunMode::NoWait, &mut ()).unwrap());
                assert_eq!(code(t.is_closing(&lp)), Code::EBADF);
            }
        }
    });
}

#[test]
fn timer_again_and_restart_on_never_started_timer_are_einval() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        assert_eq!(code(t.again(&mut lp)), Code::EINVAL);
        assert_eq!(code(t.restart(&mut lp, 1, 0)), Code::EINVAL);
        assert_eq!(t.is_active(&lp), Ok(false));
        // set_repeat alone does not count as a start
        t.set_repeat(&mut lp, 5).unwrap();
        assert_eq!(code(t.again(&mut lp)), Code::EINVAL);
        assert!(!lp.alive());
    });
}

#[test]
fn timer_again_and_restart_on_closing_timer_are_ebadf() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 1, 1, |_, n, _| *n += 1).unwrap();
        t.close(&mut lp).unwrap().then(|_, n| *n += 100);
        // a closing timer must not be re-armed (it would keep a freed slot "active")
        assert_eq!(code(t.again(&mut lp)), Code::EBADF);
        assert_eq!(code(t.restart(&mut lp, 1, 1)), Code::EBADF);
        assert_eq!(t.is_active(&lp), Ok(false));
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 100, "close callback only; the timer never fired");
        assert!(!lp.alive());
    });
}

#[test]
fn io_watcher_on_closed_fd_is_ebadf() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        assert_eq!(code(IoWatcher::new(&mut lp, -1)), Code::EBADF);
        // A descriptor number at the soft RLIMIT_NOFILE can never be open. (Closing a real fd
        // and reusing its number would race with other tests opening descriptors.)
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we pass.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
        let closed = lim.rlim_cur.min(i32::MAX as libc::rlim_t) as i32;
        let err = IoWatcher::new(&mut lp, closed).unwrap_err();
        assert_eq!(err.code(), Code::EBADF);
        assert!(!lp.alive());
    });
}

#[test]
fn io_watcher_on_regular_file_is_an_error_value() {
    bounded(|| {
        let file = std::fs::File::open("/proc/self/exe")
            .or_else(|_| std::fs::File::open("/etc/hostname"))
            .unwrap();
        let mut lp: Loop<()> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, file.as_raw_fd()).unwrap();
        // epoll cannot watch regular files
        let err = w
            .start(&mut lp, Interest::READABLE, |_, _, _, _| {})
            .unwrap_err();
        assert_eq!(err.code(), Code::EPERM);
        assert_eq!(w.is_active(&lp), Ok(false));
        assert!(!lp.alive());
        w.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
    });
}

#[test]
fn two_watchers_on_one_fd_is_an_error_value() {
    bounded(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        let mut lp: Loop<()> = Loop::new().unwrap();
        let w1 = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        let w2 = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w1.start(&mut lp, Interest::READABLE, |_, _, _, _| {})
            .unwrap();
        assert_eq!(
            code(w2.start(&mut lp, Interest::READABLE, |_, _, _, _| {})),
            Code::EEXIST
        );
        assert_eq!(w2.is_active(&lp), Ok(false));
        // after the first one stops, the second can take the fd
        w1.stop(&mut lp);
        w2.start(&mut lp, Interest::READABLE, |_, _, _, _| {})
            .unwrap();
        w2.close(&mut lp).unwrap();
        w1.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
    });
}

#[test]
fn async_send_after_close_is_ebadf() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |_, n, _| *n += 1).unwrap();
        let sender = a.sender(&lp).unwrap();
        a.close(&mut lp).unwrap();
        let err = sender.send().unwrap_err();
        assert_eq!(err.code(), Code::EBADF);
        assert_eq!(err.syscall(), Some("async_send"));
        assert_eq!(code(a.sender(&lp)), Code::EBADF);
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 0);
        assert_eq!(code(sender.send()), Code::EBADF);
    });
}

#[test]
fn async_send_after_loop_dropped_is_ebadf() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |_, _, _| {}).unwrap();
        let sender = a.sender(&lp).unwrap();
        sender.send().unwrap();
        drop(lp);
        assert_eq!(code(sender.send()), Code::EBADF);
        // and from another thread
        let s2 = sender.clone();
        let r = std::thread::spawn(move || s2.send()).join().unwrap();
        assert_eq!(code(r), Code::EBADF);
    });
}

#[test]
fn signal_that_cannot_be_watched_is_einval() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let s = Signal::new(&mut lp).unwrap();
        for sig in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, libc::SIGILL] {
            assert_eq!(
                code(s.start(&mut lp, sig, |_, _, _, _| {})),
                Code::EINVAL,
                "signal {sig}"
            );
        }
        assert_eq!(s.is_active(&lp), Ok(false));
        assert_eq!(s.signum(&lp), Ok(0));
        assert!(!lp.alive());
    });
}
