//! The poll phase: waiting in the poller (or watching the inbox for a short while), then
//! the I/O, signal, async and pool-completion callbacks for what arrived.

use crate::event_loop::{Loop, SIGNAL_TOKEN, WAKE_TOKEN};
use crate::wake::Msg;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// The poll timeout is clamped to this many ms (about 24.8 days, epoll's `int` limit).
const MAX_POLL_TIMEOUT_MS: u64 = i32::MAX as u64;

impl<S> Loop<S> {
    /// The poll phase: wait for I/O (at most `timeout` ms), then run I/O, signal, async and
    /// pool-completion callbacks.
    pub(crate) fn poll_io(&mut self, timeout: Option<u64>, nowait: bool, s: &mut S) {
        self.flush_work();
        // what the last poll phase got from other threads; this one's drains set it anew
        let recent_messages = std::mem::take(&mut self.inbox_active);
        let timeout = match timeout {
            // Something already sent us a message: do not sleep.
            Some(t) if t > 0 && self.inbox.is_pending() => Some(0),
            None if self.inbox.is_pending() => Some(0),
            // Readiness left over from a panicked poll phase: dispatch it without waiting.
            _ if !self.io.ready.is_empty() => Some(0),
            t => t,
        };
        // NOWAIT always asks the poller: it is how an embedder runs the loop after its own
        // wait on `backend_fd` said the fd is readable, and only the poller consumes what made
        // it readable (e.g. the wake-up of an async send). Skipping it would leave the fd
        // readable with nothing to do, and the embedder would spin.
        if timeout == Some(0) && self.io.sources == 0 && !nowait && self.io.ready.is_empty() {
            // Nothing fd-based can be ready: skip the syscall, read the inbox directly.
            if self.inbox.is_pending() {
                self.drain_inbox(s, true);
            }
            return;
        }
        let blocking = timeout != Some(0);
        let clamp = |ms: u64| Duration::from_millis(ms.min(MAX_POLL_TIMEOUT_MS));
        if !blocking {
            self.poll_and_dispatch(Some(Duration::ZERO), false, s);
            return;
        }
        if let (Some(clock), Some(ms)) = (self.clock.manual().cloned(), timeout) {
            // A manual clock never sleeps: what is ready now runs; if nothing is, time jumps
            // to the nearest timer's deadline.
            if !self.poll_and_dispatch(Some(Duration::ZERO), false, s) {
                clock.advance(ms);
                self.update_time();
            }
            return;
        }
        if self.spin_for_completions(timeout, recent_messages, s) {
            return;
        }
        let deadline = timeout.map(|ms| Instant::now() + clamp(ms));
        loop {
            let dur = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if self.poll_and_dispatch(dur, true, s) || self.halted() {
                return;
            }
            // The wait ended with nothing to run: a wake-up left over from messages that an
            // earlier poll phase drained without asking the poller (the fast path above), or
            // EINTR. That is not an event: wait again for the rest of the timeout, as libuv's
            // uv__io_poll does, instead of spending a loop iteration on it.
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return;
            }
        }
    }

    /// Before blocking with pool work in flight, or right after a poll phase that delivered
    /// messages from other threads (a message port's traffic, async sends), and with no fd
    /// registered, watch the inbox for a short while (yielding the CPU between looks): a
    /// completion or message that lands within [`SPIN_BEFORE_BLOCK`] is picked up without the
    /// eventfd wake-up and the two context switches that sleeping costs. Returns whether it
    /// dispatched anything. A loop that got nothing from other threads in its last poll phase
    /// does not spin, so an idle loop never does.
    ///
    /// Only when nothing fd-based can become ready, so no I/O event waits on the spin; the
    /// time spent here counts as busy, not idle, in the metrics (it is CPU time).
    fn spin_for_completions(
        &mut self,
        timeout: Option<u64>,
        recent_messages: bool,
        s: &mut S,
    ) -> bool {
        let expecting = recent_messages || !self.work.reqs.is_empty();
        if self.spin_budget.is_zero()
            || !expecting
            || self.io.sources != 0
            || timeout.is_some_and(|ms| ms == 0)
        {
            return false;
        }
        let start = Instant::now();
        let mut looks = 0u32;
        loop {
            if self.inbox.is_pending() {
                return self.drain_inbox(s, true) > 0;
            }
            if start.elapsed() >= self.spin_budget {
                return false;
            }
            // The first few µs in the CPU's pause loop: a sched_yield on a machine whose
            // vCPUs other work keeps busy hands the CPU away for a whole time slice (worker
            // ping-pong with two busy loops: 15-21 µs yielding at once, 2.5-5 µs this way);
            // then yield, so a pool thread sharing this CPU gets to finish its job.
            looks += 1;
            if looks < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// How long the loop watches for pool completions before it blocks in poll, when pool work
    /// is in flight and no fd is registered (default [`SPIN_BEFORE_BLOCK`]; zero turns it
    /// off). Trades a little CPU for latency: a round trip to the pool that completes within
    /// the budget costs no wake-up of the loop thread.
    pub fn set_spin_before_block(&mut self, budget: Duration) {
        self.spin_budget = budget;
    }

    /// One wait in the poller (at most `dur`), then the callbacks for what it reported.
    /// Returns whether there was anything to dispatch (fd events or inbox messages).
    fn poll_and_dispatch(&mut self, dur: Option<Duration>, blocking: bool, s: &mut S) -> bool {
        let mut events = self
            .io
            .events
            .take()
            .expect("events buffer is present between polls");
        let wait_start = if blocking {
            if self.publisher.is_some() {
                self.release_unwatched_beacon();
            }
            Some(self.metrics.enter_wait())
        } else {
            None
        };
        let res = self.io.poll.poll(&mut events, dur);
        if let Some(start) = wait_start {
            self.metrics.leave_wait(start);
        }
        // As libuv's uv__io_poll: time passed in the poller (or the thread was descheduled),
        // so the callbacks that follow (I/O, check, close) must see a fresh loop time; a timer
        // they start is due relative to now, not to the time before the wait.
        self.update_time();
        if let Err(e) = res {
            // EINTR: a signal arrived; the caller polls again.
            debug_assert_eq!(
                e.kind(),
                std::io::ErrorKind::Interrupted,
                "poll failed: {e}"
            );
        }
        let mut ready = std::mem::take(&mut self.io.ready);
        ready.extend(
            events
                .iter()
                .map(|ev| (ev.token(), crate::io::ready_bits(ev))),
        );
        self.io.events = Some(events);
        let mut woke = false;
        let mut fd_events = 0u64;
        let mut next = 0;
        let res = panic::catch_unwind(AssertUnwindSafe(|| {
            while next < ready.len() {
                let (token, bits) = ready[next];
                next += 1;
                match token {
                    WAKE_TOKEN => woke = true,
                    SIGNAL_TOKEN => {
                        fd_events += 1;
                        self.metrics.add_events(1, !blocking);
                        self.deliver_signals(s);
                    }
                    token => {
                        fd_events += 1;
                        self.metrics.add_events(1, !blocking);
                        self.io_event(s, token, bits);
                    }
                }
            }
        }));
        ready.drain(..next);
        self.io.ready = ready;
        if let Err(payload) = res {
            // what was not dispatched stays in `self.io.ready` for the next poll phase
            panic::resume_unwind(payload);
        }
        let mut messages = 0;
        if woke || self.inbox.is_pending() {
            messages = self.drain_inbox(s, !blocking);
        }
        fd_events > 0 || messages > 0
    }

    /// Runs every async delivery and pool completion sent to this loop so far; returns how
    /// many messages there were.
    fn drain_inbox(&mut self, s: &mut S, waiting: bool) -> usize {
        let mut buf = std::mem::take(&mut self.inbox_buf);
        self.inbox.take_all(&mut buf);
        let count = buf.len();
        self.inbox_active |= count > 0;
        self.metrics.add_events(count as u64, waiting);
        let mut iter = buf.drain(..);
        while let Some(msg) = iter.next() {
            let res = panic::catch_unwind(AssertUnwindSafe(|| match msg {
                Msg::Async(id) => self.deliver_async(s, id),
                Msg::Done(req, result) => self.complete_work(s, req, result),
            }));
            if let Err(payload) = res {
                // keep the undelivered messages for the next poll, then unwind
                let rest: Vec<Msg> = iter.collect();
                self.inbox.put_back(rest);
                panic::resume_unwind(payload);
            }
        }
        drop(iter);
        self.inbox_buf = buf;
        // completions usually queue more work: start it now, in one batch
        self.flush_work();
        count
    }
}
