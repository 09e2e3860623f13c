//! Dev-only helpers for ruv's tests.
//!
//! * [`Trace`]: an ordered log of events (`Vec<String>`) with assertion helpers, meant to be the
//!   loop state `S` (or a field of it) so that callbacks push into it through `&mut S`.
//! * [`bounded`] / [`bounded_for`]: run a test body on its own thread and fail the test, rather
//!   than hang it, if the body does not finish in time.
//! * [`recv_within`], [`wait_until`], [`Latch`]: bounded waiting on other threads, so that no
//!   test ever blocks without a deadline and none uses a sleep as synchronisation.
//! * [`open_fds`]: how many file descriptors the process has open (for leak checks).
//!
//! ```
//! use ruv_testkit::Trace;
//! let mut t = Trace::new();
//! t.push("timer");
//! t.push(format!("check {}", 1));
//! t.assert_eq(&["timer", "check 1"]);
//! t.assert_before("timer", "check 1");
//! assert_eq!(t.count("timer"), 1);
//! ```

#![forbid(unsafe_code)]
use std::fmt;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any bounded wait in a test may take before the test fails. Generous on purpose:
/// it is a hang detector, never a speed threshold.
pub const LIMIT: Duration = Duration::from_secs(20);

/// An ordered log of events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<String>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Trace {
        Trace::default()
    }

    /// Appends an event.
    pub fn push(&mut self, event: impl Into<String>) {
        self.events.push(event.into());
    }

    /// The events so far, oldest first.
    pub fn events(&self) -> &[String] {
        &self.events
    }

    /// How many events were recorded.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// How many times `event` was recorded.
    pub fn count(&self, event: &str) -> usize {
        self.events.iter().filter(|e| *e == event).count()
    }

    /// How many recorded events start with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> usize {
        self.events.iter().filter(|e| e.starts_with(prefix)).count()
    }

    /// Whether `event` was recorded.
    pub fn contains(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }

    /// The index of the first `event`, if any.
    pub fn position(&self, event: &str) -> Option<usize> {
        self.events.iter().position(|e| e == event)
    }

    /// Takes the events out, leaving the trace empty.
    pub fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.events)
    }

    /// Asserts the whole trace, with a readable diff on failure.
    #[track_caller]
    pub fn assert_eq(&self, expected: &[&str]) {
        if self.events != expected {
            panic!(
                "trace mismatch\n  expected: {expected:?}\n  actual:   {:?}",
                self.events
            );
        }
    }

    /// Asserts that the first `a` comes before the first `b` (both must be present).
    #[track_caller]
    pub fn assert_before(&self, a: &str, b: &str) {
        match (self.position(a), self.position(b)) {
            (Some(i), Some(j)) if i < j => {}
            (pa, pb) => panic!(
                "expected {a:?} (at {pa:?}) before {b:?} (at {pb:?}) in trace {:?}",
                self.events
            ),
        }
    }

    /// Asserts that `event` was recorded exactly `n` times.
    #[track_caller]
    pub fn assert_count(&self, event: &str, n: usize) {
        let got = self.count(event);
        if got != n {
            panic!(
                "expected {event:?} {n} time(s), got {got} in trace {:?}",
                self.events
            );
        }
    }
}

impl PartialEq<[&str]> for Trace {
    fn eq(&self, other: &[&str]) -> bool {
        self.events == other
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.events)
    }
}

/// Runs `body` on a fresh thread and waits for it at most [`LIMIT`]; see [`bounded_for`].
#[track_caller]
pub fn bounded<F: FnOnce() + Send + 'static>(body: F) {
    bounded_for(LIMIT, body)
}

/// Runs `body` on a fresh thread and waits for it at most `limit`.
///
/// A panic in `body` is re-raised here with its original payload (so `#[should_panic]` and
/// assertion messages work). If `body` does not finish in time the test fails with a "hang"
/// message; the stuck thread is left behind (the test binary exits anyway).
#[track_caller]
pub fn bounded_for<F: FnOnce() + Send + 'static>(limit: Duration, body: F) {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let name = std::thread::current()
        .name()
        .map(|n| format!("{n}-body"))
        .unwrap_or_else(|| "bounded-body".into());
    let handle = std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            // Dropped on return and on unwind alike: either way the waiter wakes up.
            let _done = done_tx;
            body();
        })
        .expect("spawn the test body thread");
    match done_rx.recv_timeout(limit) {
        Ok(()) | Err(RecvTimeoutError::Disconnected) => {
            if let Err(payload) = handle.join() {
                std::panic::resume_unwind(payload);
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("test body did not finish within {limit:?}: it hangs");
        }
    }
}

/// Receives one message within [`LIMIT`], or fails the test naming `what`.
#[track_caller]
pub fn recv_within<T>(rx: &Receiver<T>, what: &str) -> T {
    match rx.recv_timeout(LIMIT) {
        Ok(v) => v,
        Err(RecvTimeoutError::Timeout) => panic!("timed out after {LIMIT:?} waiting for {what}"),
        Err(RecvTimeoutError::Disconnected) => {
            panic!("the sender of {what} went away without sending it")
        }
    }
}

/// Polls `cond` until it is true (returns `true`) or `limit` has passed (returns `false`).
/// The polling backs off from yielding to short naps; the condition, not the naps, is the
/// synchronisation.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    let mut spins = 0u32;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        if spins < 100 {
            spins += 1;
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// A one-shot gate: threads [`wait`](Latch::wait) until someone [`open`](Latch::open)s it.
/// Cloning shares the gate. Waits are bounded, so a test that fails before opening the gate
/// cannot leave a worker blocked forever.
#[derive(Clone, Debug, Default)]
pub struct Latch {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Latch {
    /// A closed gate.
    pub fn new() -> Latch {
        Latch::default()
    }

    /// Opens the gate and wakes every waiter.
    pub fn open(&self) {
        let (lock, cond) = &*self.inner;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cond.notify_all();
    }

    /// Whether the gate is open.
    pub fn is_open(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the gate opens (`true`) or [`LIMIT`] passes (`false`).
    pub fn wait(&self) -> bool {
        let (lock, cond) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = cond
            .wait_timeout_while(guard, LIMIT, |open| !*open)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

/// The number of file descriptors this process has open (Linux: `/proc/self/fd`; other Unix:
/// `/dev/fd`). The descriptor used to read the directory is not counted.
///
/// Other threads open and close descriptors too: compare counts only in a test binary whose
/// tests do not run concurrently with other fd users.
pub fn open_fds() -> usize {
    let dir = if std::path::Path::new("/proc/self/fd").exists() {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    let n = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .count();
    // read_dir's own descriptor is listed while it is open
    n.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_helpers() {
        let mut t = Trace::new();
        t.push("a");
        t.push("b");
        t.push("a");
        assert_eq!(t.count("a"), 2);
        assert_eq!(t.count_prefix("b"), 1);
        t.assert_before("a", "b");
        t.assert_count("b", 1);
        assert!(t == *["a", "b", "a"].as_slice());
        assert_eq!(t.take(), ["a", "b", "a"]);
        assert!(t.is_empty());
    }

    #[test]
    #[should_panic(expected = "trace mismatch")]
    fn trace_mismatch_panics() {
        let mut t = Trace::new();
        t.push("x");
        t.assert_eq(&["y"]);
    }

    #[test]
    fn bounded_passes_panics_through() {
        let r = std::panic::catch_unwind(|| bounded(|| panic!("inner boom")));
        let payload = r.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"inner boom"));
    }

    #[test]
    fn bounded_detects_a_hang() {
        let r = std::panic::catch_unwind(|| {
            bounded_for(Duration::from_millis(50), || {
                let l = Latch::new();
                l.wait();
            })
        });
        assert!(r.is_err());
    }

    #[test]
    fn latch_and_wait_until() {
        let l = Latch::new();
        let l2 = l.clone();
        let t = std::thread::spawn(move || l2.wait());
        l.open();
        assert!(t.join().unwrap());
        assert!(wait_until(LIMIT, || l.is_open()));
        assert!(!wait_until(Duration::from_millis(1), || false));
    }

    #[test]
    fn open_fds_sees_a_new_descriptor() {
        // other tests in this binary do not open descriptors
        let before = open_fds();
        let f = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(open_fds(), before + 1);
        drop(f);
        assert_eq!(open_fds(), before);
    }
}
