//! fd readiness (IoWatcher on a UnixStream pair: readable, writable, hang-up, edge-triggered
//! re-arm, stop) and signal delivery to handles.
//!
//! Signals are process-wide: SIGUSR1 is used by `signal_delivered_to_every_watching_handle`
//! only and SIGUSR2 by `signal_without_active_handle_is_dropped` only.

use ruv_core::{Interest, IoWatcher, Loop, Prepare, Ready, RunMode, Signal};
use ruv_testkit::{bounded, recv_within, Trace};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;

fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

fn describe(r: Ready) -> String {
    let mut s = String::new();
    for (on, name) in [
        (r.is_readable(), "r"),
        (r.is_writable(), "w"),
        (r.is_hup(), "h"),
        (r.is_error(), "e"),
    ] {
        if on {
            s.push_str(name);
        }
    }
    s
}

struct Io {
    trace: Trace,
    sock: UnixStream,
    got: Vec<u8>,
}

#[test]
fn io_readable_when_peer_writes() {
    bounded(|| {
        let (a, mut b) = pair();
        let mut lp: Loop<Io> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::READABLE, |lp, st: &mut Io, me, ready| {
            assert!(ready.is_readable());
            assert!(!ready.is_hup());
            st.trace.push("readable");
            // edge-triggered: read until EAGAIN
            let mut buf = [0u8; 64];
            loop {
                match st.sock.read(&mut buf) {
                    Ok(0) => panic!("unexpected EOF"),
                    Ok(n) => st.got.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("read: {e}"),
                }
            }
            me.close(lp).unwrap();
        })
        .unwrap();
        b.write_all(b"hello").unwrap();
        let mut st = Io {
            trace: Trace::new(),
            sock: a,
            got: Vec::new(),
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["readable"]);
        assert_eq!(st.got, b"hello");
    });
}

#[test]
fn io_readable_wakes_a_blocked_loop() {
    bounded(|| {
        let (a, b) = pair();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::READABLE, |lp, tr: &mut Trace, me, r| {
            tr.push(describe(r));
            me.close(lp).unwrap();
        })
        .unwrap();
        // the write happens while the loop is (or is about to be) blocked in poll
        let th = std::thread::spawn(move || {
            let mut b = b;
            b.write_all(b"x").unwrap();
            b
        });
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["r"]);
        drop(th.join().unwrap());
    });
}

#[test]
fn io_writable_at_once() {
    bounded(|| {
        let (a, _b) = pair();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::WRITABLE, |lp, tr: &mut Trace, me, r| {
            tr.push(describe(r));
            me.close(lp).unwrap();
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["w"]);
    });
}

#[test]
fn io_both_interests_report_both() {
    bounded(|| {
        let (a, mut b) = pair();
        b.write_all(b"x").unwrap();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::BOTH, |lp, tr: &mut Trace, me, r| {
            tr.push(describe(r));
            me.close(lp).unwrap();
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["rw"]);
    });
}

#[test]
fn io_hup_when_peer_closes() {
    bounded(|| {
        let (a, b) = pair();
        let mut lp: Loop<Io> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::READABLE, |lp, st: &mut Io, me, r| {
            st.trace.push(describe(r));
            // at EOF, read returns 0
            let mut buf = [0u8; 8];
            assert_eq!(st.sock.read(&mut buf).unwrap(), 0);
            me.close(lp).unwrap();
        })
        .unwrap();
        drop(b);
        let mut st = Io {
            trace: Trace::new(),
            sock: a,
            got: Vec::new(),
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["rh"]);
    });
}

#[test]
fn io_edge_triggered_until_rearmed() {
    // ruv's documented contract: the callback runs when the fd becomes ready; data left
    // unread does not call it again until the watcher is started again (which re-checks).
    bounded(|| {
        let (a, mut b) = pair();
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        let cb = |_: &mut Loop<u32>, n: &mut u32, _: IoWatcher, r: Ready| {
            assert!(r.is_readable());
            *n += 1;
        };
        w.start(&mut lp, Interest::READABLE, cb).unwrap();
        b.write_all(b"unread").unwrap();
        let mut n = 0;
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 1);
        for _ in 0..3 {
            assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        }
        assert_eq!(n, 1, "no new edge, no new callback");
        // re-arm: the data is still there, so it reports again
        w.start(&mut lp, Interest::READABLE, cb).unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 2);
        // new data is a new edge
        b.write_all(b"more").unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 3);
        w.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
    });
}

#[test]
fn io_stopped_watcher_gets_no_callback() {
    bounded(|| {
        let (a, mut b) = pair();
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::READABLE, |_, n, _, _| *n += 1)
            .unwrap();
        w.stop(&mut lp);
        assert!(!lp.alive());
        b.write_all(b"x").unwrap();
        // keep the loop iterating with something else
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |_, _, _| {}).unwrap();
        let mut n = 0;
        for _ in 0..3 {
            assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        }
        assert_eq!(n, 0);
        // started again, it sees the data that is there
        w.start(&mut lp, Interest::READABLE, |_, n, _, _| *n += 1)
            .unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 1);
    });
}

#[derive(Default)]
struct Pairwise {
    trace: Trace,
}

#[test]
fn io_watcher_closed_by_earlier_io_callback_gets_no_callback() {
    bounded(|| {
        let (a, _pa) = pair();
        let (c, _pc) = pair();
        let mut lp: Loop<Pairwise> = Loop::new().unwrap();
        let wa = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        let wc = IoWatcher::new(&mut lp, c.as_raw_fd()).unwrap();
        // Both are writable at once, so both events come in the same poll; whichever runs
        // first closes the other, which then must not run.
        let mut st = Pairwise::default();
        wa.start(
            &mut lp,
            Interest::WRITABLE,
            move |lp, st: &mut Pairwise, me, _| {
                st.trace.push("io");
                wc.close(lp).unwrap();
                me.close(lp).unwrap();
            },
        )
        .unwrap();
        wc.start(
            &mut lp,
            Interest::WRITABLE,
            move |lp, st: &mut Pairwise, me, _| {
                st.trace.push("io");
                wa.close(lp).unwrap();
                me.close(lp).unwrap();
            },
        )
        .unwrap();
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["io"]);
    });
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

#[test]
fn signal_delivered_to_every_watching_handle() {
    // SIGUSR1: this test only.
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let first = Signal::new(&mut lp).unwrap();
        let second = Signal::new(&mut lp).unwrap();
        let stopped = Signal::new(&mut lp).unwrap();
        first
            .start(&mut lp, libc::SIGUSR1, |_, tr: &mut Trace, _, sig| {
                assert_eq!(sig, libc::SIGUSR1);
                tr.push("first");
            })
            .unwrap();
        second
            .start(&mut lp, libc::SIGUSR1, |_, tr: &mut Trace, _, sig| {
                assert_eq!(sig, libc::SIGUSR1);
                tr.push("second");
            })
            .unwrap();
        stopped
            .start(&mut lp, libc::SIGUSR1, |_, tr: &mut Trace, _, _| {
                tr.push("stopped")
            })
            .unwrap();
        stopped.stop(&mut lp);
        assert_eq!(first.signum(&lp), Ok(libc::SIGUSR1));

        // raised on this thread before the loop runs: recorded, then delivered by poll
        signal_hook::low_level::raise(libc::SIGUSR1).unwrap();
        let mut tr = Trace::new();
        assert!(lp.run(RunMode::Once, &mut tr).unwrap());
        tr.assert_eq(&["first", "second"]);

        // sent to the process by another thread while the loop blocks in poll
        tr.take();
        first.close(&mut lp).unwrap();
        second
            .start(&mut lp, libc::SIGUSR1, |lp, tr: &mut Trace, me, sig| {
                tr.push(format!("second {}", sig == libc::SIGUSR1));
                me.close(lp).unwrap();
            })
            .unwrap();
        let (ready_tx, ready_rx) = mpsc::channel::<()>();
        let th = std::thread::spawn(move || {
            recv_within(&ready_rx, "the loop to be set up");
            // SAFETY: kill with our own pid and a signal that has a handler installed.
            assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) }, 0);
        });
        ready_tx.send(()).unwrap();
        stopped.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["second true"]);
        th.join().unwrap();
    });
}

#[test]
fn signal_without_active_handle_is_dropped() {
    // SIGUSR2: this test only.
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let s = Signal::new(&mut lp).unwrap();
        s.start(&mut lp, libc::SIGUSR2, |_, n, _, _| *n += 1)
            .unwrap();
        s.stop(&mut lp);
        assert!(
            !lp.alive(),
            "a stopped signal handle does not keep the loop alive"
        );
        // keep the loop iterating while nobody watches SIGUSR2
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |_, _, _| {}).unwrap();
        let mut n = 0;
        signal_hook::low_level::raise(libc::SIGUSR2).unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 0);
        // watching again does not resurrect the signal that nobody watched
        s.start(&mut lp, libc::SIGUSR2, |_, n, _, _| *n += 1)
            .unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 0);
        // a new one is delivered
        signal_hook::low_level::raise(libc::SIGUSR2).unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 1);
        // unref'd, it still gets signals while the loop runs for another reason
        s.set_ref(&mut lp, false);
        signal_hook::low_level::raise(libc::SIGUSR2).unwrap();
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 2);
        p.close(&mut lp).unwrap();
        s.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
    });
}
