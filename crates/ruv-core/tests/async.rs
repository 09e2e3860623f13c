//! Async handles: libuv's `async` (three callbacks despite many sends from a thread), send
//! coalescing, and "no send lost": a send after (or during) a callback always produces
//! another callback.

use ruv_core::{Async, AsyncSender, Code, Loop, Prepare, RunMode};
use ruv_testkit::{bounded, recv_within};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

// ---------------------------------------------------------------------------------------------
// async (test-async.c)
// ---------------------------------------------------------------------------------------------

struct AsyncTest {
    calls: Arc<AtomicUsize>,
    sender: AsyncSender,
    prepare_calls: u32,
    closes: u32,
    async_handle: Async,
    prepare: Option<Prepare>,
    thread: Option<(JoinHandle<()>, mpsc::Receiver<()>)>,
}

#[test]
fn async_three_callbacks_despite_many_sends() {
    bounded(|| {
        let mut lp: Loop<AsyncTest> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, st: &mut AsyncTest, me| {
            // counted before the close, so a sender that sees EBADF also sees 3
            let n = st.calls.fetch_add(1, SeqCst) + 1;
            if n == 3 {
                me.close(lp)
                    .unwrap()
                    .then(|_, st: &mut AsyncTest| st.closes += 1);
                st.prepare
                    .unwrap()
                    .close(lp)
                    .unwrap()
                    .then(|_, st: &mut AsyncTest| st.closes += 1);
            }
        })
        .unwrap();
        let prepare = Prepare::new(&mut lp).unwrap();
        prepare
            .start(&mut lp, |_, st: &mut AsyncTest, _| {
                st.prepare_calls += 1;
                if st.thread.is_some() {
                    return;
                }
                let sender = st.sender.clone();
                let calls = st.calls.clone();
                let (done_tx, done_rx) = mpsc::channel();
                let th = std::thread::spawn(move || {
                    let mut sends = 0u64;
                    loop {
                        if calls.load(SeqCst) >= 3 {
                            break;
                        }
                        match sender.send() {
                            Ok(()) => sends += 1,
                            Err(e) => {
                                // the handle was closed between our check and the send
                                assert_eq!(e.code(), Code::EBADF);
                                assert_eq!(calls.load(SeqCst), 3);
                                break;
                            }
                        }
                        std::thread::yield_now();
                    }
                    assert!(sends >= 3);
                    done_tx.send(()).unwrap();
                });
                st.thread = Some((th, done_rx));
            })
            .unwrap();
        let mut st = AsyncTest {
            calls: Arc::new(AtomicUsize::new(0)),
            sender: a.sender(&lp).unwrap(),
            prepare_calls: 0,
            closes: 0,
            async_handle: a,
            prepare: Some(prepare),
            thread: None,
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.calls.load(SeqCst), 3);
        assert!(st.prepare_calls >= 1);
        assert_eq!(st.closes, 2);
        let (th, done) = st.thread.take().unwrap();
        recv_within(&done, "the sending thread to finish");
        th.join().unwrap();
        assert_eq!(
            st.async_handle.is_active(&lp).unwrap_err().code(),
            Code::EBADF
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Coalescing
// ---------------------------------------------------------------------------------------------

#[test]
fn async_sends_before_delivery_coalesce() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |_, n, _| *n += 1).unwrap();
        let sender = a.sender(&lp).unwrap();
        for _ in 0..5 {
            sender.send().unwrap();
        }
        let mut n = 0;
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 1, "five sends before the loop got to them: one callback");
        assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
        assert_eq!(n, 1, "no further callback without a send");
        a.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
    });
}

#[test]
fn async_sends_from_thread_coalesce() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |_, n, _| *n += 1).unwrap();
        let sender = a.sender(&lp).unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        let th = std::thread::spawn(move || {
            for _ in 0..1000 {
                sender.send().unwrap();
            }
            done_tx.send(()).unwrap();
        });
        recv_within(&done_rx, "1000 sends");
        th.join().unwrap();
        let mut n = 0;
        // the sends are all in before the loop runs: exactly one callback
        assert!(lp.run(RunMode::Once, &mut n).unwrap());
        assert_eq!(n, 1);
        a.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
    });
}

#[test]
fn async_handles_do_not_coalesce_with_each_other() {
    bounded(|| {
        let mut lp: Loop<Vec<&'static str>> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, log: &mut Vec<&str>, me| {
            log.push("a");
            me.close(lp).unwrap();
        })
        .unwrap();
        let b = Async::new(&mut lp, |lp, log: &mut Vec<&str>, me| {
            log.push("b");
            me.close(lp).unwrap();
        })
        .unwrap();
        a.sender(&lp).unwrap().send().unwrap();
        b.sender(&lp).unwrap().send().unwrap();
        let mut log = Vec::new();
        assert!(!lp.run(RunMode::Default, &mut log).unwrap());
        log.sort();
        assert_eq!(log, ["a", "b"]);
    });
}

// ---------------------------------------------------------------------------------------------
// No send lost
// ---------------------------------------------------------------------------------------------

struct Lost {
    last: Arc<AtomicU64>,
    seen: u64,
    calls: u64,
}

#[test]
fn async_no_send_lost_after_last_send() {
    // A thread publishes 1..=N and sends after each; the loop only stops once it has seen N.
    // If the wake-up for the last send were lost, run() would block forever (and `bounded`
    // would fail the test).
    const N: u64 = 20_000;
    bounded(|| {
        let mut lp: Loop<Lost> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, st: &mut Lost, me| {
            st.calls += 1;
            let v = st.last.load(SeqCst);
            assert!(v >= st.seen, "values only grow");
            st.seen = v;
            if v == N {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        let last = Arc::new(AtomicU64::new(0));
        let publish = last.clone();
        let th = std::thread::spawn(move || {
            for i in 1..=N {
                publish.store(i, SeqCst);
                sender.send().unwrap();
            }
        });
        let mut st = Lost {
            last,
            seen: 0,
            calls: 0,
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        th.join().unwrap();
        assert_eq!(st.seen, N);
        assert!(st.calls >= 1 && st.calls <= N);
    });
}

#[test]
fn async_send_from_own_callback_runs_again() {
    bounded(|| {
        let mut lp: Loop<(u32, Option<AsyncSender>)> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, st: &mut (u32, Option<AsyncSender>), me| {
            st.0 += 1;
            if st.0 < 3 {
                st.1.as_ref().unwrap().send().unwrap();
            } else {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        sender.send().unwrap();
        let mut st = (0, Some(sender));
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.0, 3);
    });
}

struct During {
    calls: u32,
    started: mpsc::Sender<()>,
    sent: mpsc::Receiver<()>,
}

#[test]
fn async_send_during_callback_from_thread_is_not_lost() {
    // The thread sends while the callback is running (the callback waits until the send is
    // done): that send must produce a second callback.
    bounded(|| {
        let (started_tx, started_rx) = mpsc::channel();
        let (sent_tx, sent_rx) = mpsc::channel();
        let mut lp: Loop<During> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, st: &mut During, me| {
            st.calls += 1;
            if st.calls == 1 {
                st.started.send(()).unwrap();
                recv_within(&st.sent, "the send made during the callback");
            } else {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        let th = std::thread::spawn(move || {
            sender.send().unwrap();
            recv_within(&started_rx, "the first callback to start");
            sender.send().unwrap();
            sent_tx.send(()).unwrap();
        });
        let mut st = During {
            calls: 0,
            started: started_tx,
            sent: sent_rx,
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.calls, 2);
        th.join().unwrap();
    });
}

#[test]
fn async_keeps_loop_alive_until_closed() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, n, me| {
            *n += 1;
            me.close(lp).unwrap();
        })
        .unwrap();
        assert!(lp.alive());
        assert_eq!(
            lp.backend_timeout(),
            None,
            "an async alone waits for a send"
        );
        let sender = a.sender(&lp).unwrap();
        let th = std::thread::spawn(move || sender.send().unwrap());
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1);
        th.join().unwrap();
    });
}
