//! Unit tests that need the crate's interrupt (what a worker's `terminate` sets).

use super::{SharedBuffer, WaitResult};
use crate::interrupt::{self, Interrupt};
use std::sync::mpsc;
use std::sync::Arc;

/// Spawns a thread with an installed interrupt running `f`; returns the interrupt and the
/// thread.
fn on_interruptible_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> (Arc<Interrupt>, std::thread::JoinHandle<T>) {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        let it = Interrupt::for_current_thread();
        interrupt::install(it.clone());
        tx.send(it).unwrap();
        f()
    });
    (rx.recv().unwrap(), t)
}

fn until_waiters(buf: &SharedBuffer, index: usize, n: usize) {
    while buf.waiters(index) != n {
        std::thread::yield_now();
    }
}

#[test]
fn terminate_ends_a_blocking_wait_with_interrupted_and_dequeues_it() {
    let buf = SharedBuffer::new(4).unwrap();
    let theirs = buf.clone();
    let (it, t) = on_interruptible_thread(move || theirs.wait(0, 0, None));
    until_waiters(&buf, 0, 1);
    it.request();
    assert_eq!(t.join().unwrap().unwrap(), WaitResult::Interrupted);
    assert_eq!(buf.waiters(0), 0);
    assert_eq!(buf.notify(0, None).unwrap(), 0);
}

#[test]
fn terminate_ends_a_wait_with_a_timeout_too() {
    let buf = SharedBuffer::new(4).unwrap();
    let theirs = buf.clone();
    let long = std::time::Duration::from_secs(3600);
    let (it, t) = on_interruptible_thread(move || theirs.wait(0, 0, Some(long)));
    until_waiters(&buf, 0, 1);
    it.request();
    assert_eq!(t.join().unwrap().unwrap(), WaitResult::Interrupted);
    assert_eq!(buf.waiters(0), 0);
}

#[test]
fn a_wait_on_an_already_terminated_worker_returns_interrupted_at_once() {
    let buf = SharedBuffer::new(4).unwrap();
    let theirs = buf.clone();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (it, t) = on_interruptible_thread(move || {
        go_rx.recv().unwrap();
        theirs.wait(0, 0, None)
    });
    it.request();
    go_tx.send(()).unwrap();
    assert_eq!(t.join().unwrap().unwrap(), WaitResult::Interrupted);
    assert_eq!(buf.waiters(0), 0);
}

#[test]
fn interrupting_one_waiter_leaves_the_others_queued_in_order() {
    let buf = SharedBuffer::new(4).unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let mut threads = Vec::new();
    let mut interrupts = Vec::new();
    for i in 0..3 {
        let theirs = buf.clone();
        let done = done_tx.clone();
        let (it, t) = on_interruptible_thread(move || {
            let r = theirs.wait(0, 0, None).unwrap();
            done.send(i).unwrap();
            r
        });
        until_waiters(&buf, 0, i + 1);
        interrupts.push(it);
        threads.push(t);
    }
    interrupts[0].request();
    assert_eq!(done_rx.recv().unwrap(), 0);
    until_waiters(&buf, 0, 2);
    assert_eq!(buf.notify(0, Some(1)).unwrap(), 1);
    assert_eq!(done_rx.recv().unwrap(), 1);
    assert_eq!(buf.notify(0, Some(1)).unwrap(), 1);
    assert_eq!(done_rx.recv().unwrap(), 2);
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        results,
        [WaitResult::Interrupted, WaitResult::Ok, WaitResult::Ok]
    );
}

#[test]
fn a_thread_without_a_worker_interrupt_waits_normally() {
    assert!(interrupt::current().is_none());
    let buf = SharedBuffer::new(4).unwrap();
    let r = buf.wait(0, 0, Some(std::time::Duration::from_millis(1)));
    assert_eq!(r.unwrap(), WaitResult::TimedOut);
}
