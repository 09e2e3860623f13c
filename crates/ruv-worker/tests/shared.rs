//! Shared memory: `SharedBuffer` (Node's `SharedArrayBuffer`) and its `Atomics.wait`,
//! `notify` and `waitAsync`. Threads are plain std threads; "until enqueued" is read from
//! `waiters`, never slept for.

use ruv_core::{Clock, Code, Loop, ManualClock, RunMode};
use ruv_worker::shared::{SharedBuffer, WaitResult, MAX_BYTE_LEN};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

fn until_waiters(buf: &SharedBuffer, index: usize, n: usize) {
    while buf.waiters(index) != n {
        std::thread::yield_now();
    }
}

#[test]
fn a_shared_buffer_is_send_sync_and_clones_share_memory() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<SharedBuffer>();
    let a = SharedBuffer::new(16).unwrap();
    let b = a.clone();
    assert!(a.ptr_eq(&b));
    assert!(!a.ptr_eq(&SharedBuffer::new(16).unwrap()));
    b.store_u8(3, 7).unwrap();
    assert_eq!(a.load_u8(3).unwrap(), 7);
}

#[test]
fn a_write_in_one_thread_is_read_in_another_after_a_wait_notify_handshake() {
    let buf = SharedBuffer::new(64).unwrap();
    let theirs = buf.clone();
    let reader = std::thread::spawn(move || {
        let r = theirs.wait(0, 0, None).unwrap();
        let mut got = [0; 11];
        theirs.read(5, &mut got).unwrap();
        (r, got)
    });
    until_waiters(&buf, 0, 1);
    buf.write(5, b"hello world").unwrap();
    buf.as_i32()[0].store(1, Ordering::SeqCst);
    assert_eq!(buf.notify(0, None).unwrap(), 1);
    let (r, got) = reader.join().unwrap();
    assert_eq!(r, WaitResult::Ok);
    assert_eq!(&got, b"hello world");
}

#[test]
fn bytes_start_zeroed_and_byte_len_is_what_was_asked() {
    let buf = SharedBuffer::new(7).unwrap();
    assert_eq!(buf.byte_len(), 7);
    assert_eq!(buf.to_vec(), [0; 7]);
    // whole words only, as `new Int32Array(sab)` over the first 4 bytes
    assert_eq!(buf.as_i32().len(), 1);
    assert_eq!(SharedBuffer::new(0).unwrap().to_vec(), Vec::<u8>::new());
}

#[test]
fn byte_access_and_the_i32_view_see_the_same_memory() {
    let buf = SharedBuffer::new(8).unwrap();
    buf.as_i32()[1].store(i32::from_ne_bytes([1, 2, 3, 4]), Ordering::SeqCst);
    assert_eq!(
        (4..8).map(|i| buf.load_u8(i).unwrap()).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    buf.store_u8(5, 9).unwrap();
    assert_eq!(
        buf.as_i32()[1].load(Ordering::SeqCst),
        i32::from_ne_bytes([1, 9, 3, 4])
    );
}

#[test]
fn an_unaligned_write_changes_only_its_span() {
    let buf = SharedBuffer::new(13).unwrap();
    buf.write(0, &[0xAA; 13]).unwrap();
    buf.write(3, &[1, 2, 3, 4, 5, 6]).unwrap();
    let mut want = [0xAA; 13];
    want[3..9].copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    assert_eq!(buf.to_vec(), want);
    let mut mid = [0; 5];
    buf.read(2, &mut mid).unwrap();
    assert_eq!(mid, [0xAA, 1, 2, 3, 4]);
    buf.write(12, &[7]).unwrap();
    assert_eq!(buf.load_u8(12).unwrap(), 7);
    buf.write(13, &[]).unwrap();
}

#[test]
fn concurrent_byte_stores_to_one_word_lose_nothing() {
    let buf = SharedBuffer::new(4).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let b = buf.clone();
            std::thread::spawn(move || {
                for v in 0..=255u8 {
                    b.store_u8(i, v).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(buf.to_vec(), [255; 4]);
}

#[test]
fn wait_returns_not_equal_when_the_value_differs() {
    let buf = SharedBuffer::new(8).unwrap();
    buf.as_i32()[1].store(5, Ordering::SeqCst);
    assert_eq!(buf.wait(1, 4, None).unwrap(), WaitResult::NotEqual);
    assert_eq!(buf.waiters(1), 0);
}

#[test]
fn wait_with_a_timeout_returns_timed_out_and_leaves_no_waiter() {
    let buf = SharedBuffer::new(4).unwrap();
    let r = buf.wait(0, 0, Some(Duration::from_millis(2))).unwrap();
    assert_eq!(r, WaitResult::TimedOut);
    assert_eq!(r.to_string(), "timed-out");
    assert_eq!(buf.waiters(0), 0);
    assert_eq!(
        buf.wait(0, 0, Some(Duration::ZERO)).unwrap(),
        WaitResult::TimedOut
    );
}

#[test]
fn notify_wakes_exactly_count_waiters_oldest_first() {
    let buf = SharedBuffer::new(4).unwrap();
    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::new();
    for i in 0..5 {
        let (b, tx) = (buf.clone(), tx.clone());
        threads.push(std::thread::spawn(move || {
            let r = b.wait(0, 0, None).unwrap();
            tx.send(i).unwrap();
            r
        }));
        until_waiters(&buf, 0, i + 1); // enqueued in this order
    }
    let woken = |n: usize| (0..n).map(|_| rx.recv().unwrap()).collect::<BTreeSet<_>>();
    assert_eq!(buf.notify(0, Some(2)).unwrap(), 2);
    assert_eq!(woken(2), BTreeSet::from([0, 1]));
    assert_eq!(buf.waiters(0), 3);
    assert_eq!(buf.notify(0, Some(0)).unwrap(), 0);
    assert_eq!(buf.notify(0, Some(1)).unwrap(), 1);
    assert_eq!(woken(1), BTreeSet::from([2]));
    assert_eq!(buf.notify(0, None).unwrap(), 2);
    assert_eq!(woken(2), BTreeSet::from([3, 4]));
    for t in threads {
        assert_eq!(t.join().unwrap(), WaitResult::Ok);
    }
    assert_eq!(buf.waiters(0), 0);
}

#[test]
fn notify_wakes_only_waiters_of_its_buffer_and_index() {
    let a = SharedBuffer::new(8).unwrap();
    let b = SharedBuffer::new(8).unwrap();
    assert_eq!(a.notify(0, None).unwrap(), 0);
    let theirs = a.clone();
    let t = std::thread::spawn(move || theirs.wait(0, 0, None).unwrap());
    until_waiters(&a, 0, 1);
    assert_eq!(b.notify(0, None).unwrap(), 0);
    assert_eq!(a.notify(1, None).unwrap(), 0);
    assert_eq!(a.waiters(0), 1);
    assert_eq!(a.notify(0, None).unwrap(), 1);
    assert_eq!(t.join().unwrap(), WaitResult::Ok);
}

#[test]
fn out_of_range_indexes_are_typed_errors() {
    let buf = SharedBuffer::new(6).unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let errs = [
        buf.wait(1, 0, None).unwrap_err(),
        buf.notify(1, None).unwrap_err(),
        buf.wait_async(&mut lp, 1, 0, None, |_, _, _| ())
            .unwrap_err(),
        buf.load_u8(6).unwrap_err(),
        buf.store_u8(6, 0).unwrap_err(),
        buf.read(4, &mut [0; 3]).unwrap_err(),
        buf.write(usize::MAX, &[0; 2]).unwrap_err(),
    ];
    for e in &errs {
        assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
    }
    assert_eq!(
        errs[0].to_string(),
        "ERR_OUT_OF_RANGE: The value of \"index\" is out of range. It must be >= 0 && < 1. \
         Received 1"
    );
    assert_eq!(
        errs[5].to_string(),
        "ERR_OUT_OF_RANGE: The value of \"offset\" is out of range. It must be >= 0 && <= 3. \
         Received 4"
    );
    assert_eq!(buf.to_vec(), [0; 6]);
    assert!(!lp.alive());
}

#[test]
fn a_buffer_too_large_for_memory_is_an_error_not_an_abort() {
    let e = SharedBuffer::new(MAX_BYTE_LEN).unwrap_err();
    assert_eq!(e.code(), Code::ENOMEM);
    assert!(e.to_string().starts_with("ENOMEM: "), "{e}");
    let e = SharedBuffer::new(usize::MAX).unwrap_err();
    assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
}

type Log = Vec<WaitResult>;

#[test]
fn wait_async_runs_its_callback_once_with_ok_on_notify() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let w = buf
        .wait_async(&mut lp, 0, 0, None, |_, log: &mut Log, r| log.push(r))
        .unwrap();
    assert!(w.is_async());
    w.set_ref(&mut lp, true);
    assert_eq!(buf.waiters(0), 1);
    let theirs = buf.clone();
    let notifier = std::thread::spawn(move || theirs.notify(0, None).unwrap());
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [WaitResult::Ok]);
    assert_eq!(notifier.join().unwrap(), 1);
    assert_eq!(buf.waiters(0), 0);
}

#[test]
fn wait_async_runs_its_callback_once_with_timed_out_on_its_timer() {
    let clock = ManualClock::new();
    let mut lp: Loop<Log> = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    let buf = SharedBuffer::new(4).unwrap();
    let w = buf
        .wait_async(
            &mut lp,
            0,
            0,
            Some(Duration::from_millis(50)),
            |_, log: &mut Log, r| log.push(r),
        )
        .unwrap();
    w.set_ref(&mut lp, true);
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [WaitResult::TimedOut]);
    assert_eq!(clock.now_ms(), 50);
    assert_eq!(buf.waiters(0), 0);
    assert_eq!(buf.notify(0, None).unwrap(), 0);
}

#[test]
fn a_notify_before_the_timer_fires_wins_and_the_callback_runs_once() {
    let clock = ManualClock::new();
    let mut lp: Loop<Log> = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    let buf = SharedBuffer::new(4).unwrap();
    let w = buf
        .wait_async(
            &mut lp,
            0,
            0,
            Some(Duration::from_millis(5)),
            |_, log: &mut Log, r| log.push(r),
        )
        .unwrap();
    w.set_ref(&mut lp, true);
    assert_eq!(buf.notify(0, None).unwrap(), 1);
    clock.advance(10); // the timer is due too when the loop next runs
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [WaitResult::Ok]);
}

#[test]
fn wait_async_on_a_different_value_answers_later_not_inline() {
    let buf = SharedBuffer::new(4).unwrap();
    buf.as_i32()[0].store(3, Ordering::SeqCst);
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let inline = Rc::new(Cell::new(true));
    let seen = inline.clone();
    let w = buf
        .wait_async(&mut lp, 0, 0, None, move |_, log: &mut Log, r| {
            assert!(!seen.get(), "ran inside wait_async");
            log.push(r);
        })
        .unwrap();
    inline.set(false);
    assert!(!w.is_async());
    let z = buf
        .wait_async(
            &mut lp,
            0,
            3,
            Some(Duration::ZERO),
            |_, log: &mut Log, r| log.push(r),
        )
        .unwrap();
    assert!(!z.is_async());
    assert_eq!(buf.waiters(0), 0);
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [WaitResult::NotEqual, WaitResult::TimedOut]);
}

#[test]
fn a_pending_wait_async_does_not_keep_the_loop_alive_as_in_node() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let long = Some(Duration::from_secs(3600));
    let push = |_: &mut Loop<Log>, log: &mut Log, r| log.push(r);
    buf.wait_async(&mut lp, 0, 0, None, push).unwrap();
    buf.wait_async(&mut lp, 0, 0, long, push).unwrap();
    assert!(!lp.alive());
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert!(log.is_empty());
    assert_eq!(buf.waiters(0), 2);
}

#[test]
fn dropping_a_loop_removes_its_pending_async_waiters() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    buf.wait_async(&mut lp, 0, 0, None, |_, log: &mut Log, r| log.push(r))
        .unwrap();
    assert_eq!(buf.waiters(0), 1);
    drop(lp);
    assert_eq!(buf.waiters(0), 0);
    assert_eq!(buf.notify(0, None).unwrap(), 0);
}

#[test]
fn notify_counts_async_and_blocking_waiters_in_one_fifo() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let w = buf
        .wait_async(&mut lp, 0, 0, None, |_, log: &mut Log, r| log.push(r))
        .unwrap();
    w.set_ref(&mut lp, true);
    let theirs = buf.clone();
    let blocked = std::thread::spawn(move || theirs.wait(0, 0, None).unwrap());
    until_waiters(&buf, 0, 2);
    assert_eq!(buf.notify(0, Some(1)).unwrap(), 1); // the older: the async one
    assert_eq!(buf.waiters(0), 1);
    let mut log = Log::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [WaitResult::Ok]);
    assert_eq!(buf.notify(0, Some(1)).unwrap(), 1);
    assert_eq!(blocked.join().unwrap(), WaitResult::Ok);
}

#[test]
fn a_callback_error_from_wait_async_is_the_loops_uncaught_error() {
    let buf = SharedBuffer::new(4).unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let w = buf
        .wait_async(&mut lp, 0, 0, None, |_, _, _| {
            Err(ruv_core::Error::new(Code::EINVAL))
        })
        .unwrap();
    w.set_ref(&mut lp, true);
    assert_eq!(buf.notify(0, None).unwrap(), 1);
    let e = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(e.code(), Code::EINVAL);
    // its handles were closed before the callback ran: nothing keeps the loop alive
    assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
}
