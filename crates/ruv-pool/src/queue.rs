//! The pool's run queue: a plain data structure, protected by the pool's one mutex.
//!
//! # Layout and invariants
//!
//! Two FIFO deques, one for `SlowIo` work and one for everything else (`Cpu` and `FastIo` are
//! treated alike). Every entry carries its ticket number, and ticket numbers are handed out in
//! increasing order *while the pool's lock is held*, so:
//!
//! 1. each deque is sorted by ticket, which makes cancel a binary search (`O(log n)`, no side
//!    table to keep in step);
//! 2. the oldest job overall is whichever of the two heads has the smaller ticket, so FIFO start
//!    order across classes costs one comparison.
//!
//! A cancelled entry stays in its deque as a *tombstone* (its job taken out, its ticket kept so
//! the deque stays sorted) until it reaches the front. Both `pop` and `cancel` trim tombstones off
//! the front, so **the head of each deque is always a live job** (or the deque is empty). Jobs are
//! only ever taken from a head, never from the middle, so tombstones come from cancel alone and
//! each is removed exactly once: pop and cancel are amortised `O(1)` and `O(log n)`.
//!
//! Each entry also remembers its [`WorkClass`], so the queue keeps a live count per class and
//! the highest count each class has reached (the pool's depth gauges, `Pool::observe`).

use std::collections::VecDeque;
use std::time::Instant;

use crate::WorkClass;

/// A job as the pool stores it.
pub(crate) use crate::Job;

struct Entry {
    ticket: u64,
    /// `None` once cancelled (a tombstone).
    job: Option<Job>,
    queued_at: Instant,
    class: WorkClass,
}

/// A job taken off the queue, ready to run.
pub(crate) struct Taken {
    pub(crate) job: Job,
    pub(crate) queued_at: Instant,
    pub(crate) slow: bool,
    pub(crate) class: WorkClass,
}

/// The two class queues. See the module docs for the invariants.
#[derive(Default)]
pub(crate) struct Queues {
    normal: VecDeque<Entry>,
    slow: VecDeque<Entry>,
    /// Live (not cancelled) entries in both deques.
    live: usize,
    /// Live entries per class (`WorkClass::index`); they add up to `live`.
    depth: [usize; 3],
    /// The highest `depth` each class has reached since the start or the last
    /// [`reset_max_depth`](Self::reset_max_depth).
    max_depth: [usize; 3],
}

impl Queues {
    /// Appends a job of `class` (which decides the deque: `SlowIo` has its own). `ticket` must
    /// be greater than every ticket pushed before.
    pub(crate) fn push(&mut self, class: WorkClass, ticket: u64, job: Job, queued_at: Instant) {
        let deque = if class == WorkClass::SlowIo {
            &mut self.slow
        } else {
            &mut self.normal
        };
        debug_assert!(deque.back().is_none_or(|e| e.ticket < ticket));
        deque.push_back(Entry {
            ticket,
            job: Some(job),
            queued_at,
            class,
        });
        self.live += 1;
        let c = class.index();
        self.depth[c] += 1;
        self.max_depth[c] = self.max_depth[c].max(self.depth[c]);
    }

    /// Number of jobs waiting (cancelled ones excluded).
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Jobs of each class waiting now (indexed by `WorkClass::index`).
    pub(crate) fn depth(&self) -> [usize; 3] {
        self.depth
    }

    /// The most jobs of each class that have waited at once.
    pub(crate) fn max_depth(&self) -> [usize; 3] {
        self.max_depth
    }

    /// Restarts the high-water marks from the current depths.
    pub(crate) fn reset_max_depth(&mut self) {
        self.max_depth = self.depth;
    }

    /// Which deque [`pop`](Self::pop) would take from: `Some(true)` for the slow one.
    fn pick(&self, slow_allowed: bool) -> Option<bool> {
        match (self.normal.front(), self.slow.front()) {
            (Some(n), Some(s)) if slow_allowed => Some(s.ticket < n.ticket),
            (Some(_), _) => Some(false),
            (None, Some(_)) if slow_allowed => Some(true),
            _ => None,
        }
    }

    /// Whether a job could be taken now.
    pub(crate) fn has_runnable(&self, slow_allowed: bool) -> bool {
        self.pick(slow_allowed).is_some()
    }

    /// Takes the oldest job, skipping `SlowIo` jobs unless `slow_allowed`.
    pub(crate) fn pop(&mut self, slow_allowed: bool) -> Option<Taken> {
        let slow = self.pick(slow_allowed)?;
        let deque = if slow {
            &mut self.slow
        } else {
            &mut self.normal
        };
        let entry = deque.pop_front()?;
        trim_front(deque);
        self.live -= 1;
        self.depth[entry.class.index()] -= 1;
        // Heads are always live (module invariant), so the job is there.
        let job = entry.job?;
        Some(Taken {
            job,
            queued_at: entry.queued_at,
            slow,
            class: entry.class,
        })
    }

    /// Removes the job with this ticket if it is still waiting and hands it back with its class
    /// (the caller drops it outside the lock). `None` when it is running, finished, already
    /// cancelled or unknown.
    pub(crate) fn cancel(&mut self, ticket: u64) -> Option<(Job, WorkClass)> {
        for deque in [&mut self.normal, &mut self.slow] {
            if let Ok(index) = deque.binary_search_by_key(&ticket, |e| e.ticket) {
                let job = deque[index].job.take()?;
                let class = deque[index].class;
                if index == 0 {
                    trim_front(deque);
                }
                self.live -= 1;
                self.depth[class.index()] -= 1;
                return Some((job, class));
            }
        }
        None
    }
}

/// Drops tombstones from the front so that the head is live again.
fn trim_front(deque: &mut VecDeque<Entry>) {
    while deque.front().is_some_and(|e| e.job.is_none()) {
        deque.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn noop() -> Job {
        Box::new(|| {})
    }

    fn class_of(slow: bool) -> WorkClass {
        if slow {
            WorkClass::SlowIo
        } else {
            WorkClass::Cpu
        }
    }

    /// Pops everything, running each job, and returns whether each came from the slow deque.
    fn drain(q: &mut Queues, slow_allowed: bool) -> Vec<bool> {
        let mut out = Vec::new();
        while let Some(t) = q.pop(slow_allowed) {
            out.push(t.slow);
            (t.job)();
        }
        out
    }

    fn recording(log: &Arc<std::sync::Mutex<Vec<u64>>>, id: u64) -> Job {
        let log = log.clone();
        Box::new(move || log.lock().unwrap().push(id))
    }

    #[test]
    fn pop_is_fifo_across_classes() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut q = Queues::default();
        let now = Instant::now();
        for t in 1..=6 {
            q.push(class_of(t % 3 == 0), t, recording(&log, t), now);
        }
        while let Some(t) = q.pop(true) {
            (t.job)();
        }
        assert_eq!(*log.lock().unwrap(), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn capped_pop_skips_slow_and_keeps_fifo_for_the_rest() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut q = Queues::default();
        let now = Instant::now();
        q.push(WorkClass::SlowIo, 1, recording(&log, 1), now);
        q.push(WorkClass::FastIo, 2, recording(&log, 2), now);
        q.push(WorkClass::SlowIo, 3, recording(&log, 3), now);
        q.push(WorkClass::FastIo, 4, recording(&log, 4), now);
        while let Some(t) = q.pop(false) {
            (t.job)();
        }
        assert_eq!(*log.lock().unwrap(), vec![2, 4]);
        assert!(!q.has_runnable(false));
        assert!(q.has_runnable(true));
        assert_eq!(drain(&mut q, true), vec![true, true]);
        assert_eq!(*log.lock().unwrap(), vec![2, 4, 1, 3]);
    }

    #[test]
    fn cancel_removes_only_waiting_jobs_and_keeps_heads_live() {
        let ran = Arc::new(AtomicUsize::new(0));
        let mut q = Queues::default();
        let now = Instant::now();
        for t in 10..20 {
            let ran = ran.clone();
            q.push(
                class_of(t >= 15),
                t,
                Box::new(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }),
                now,
            );
        }
        // Middle, head, then neighbours of the head: tombstones must be trimmed once at the front.
        assert!(q.cancel(12).is_some());
        assert!(q.cancel(10).is_some());
        assert!(q.cancel(11).is_some());
        assert!(q.cancel(15).is_some());
        assert!(q.cancel(12).is_none(), "already cancelled");
        assert!(q.cancel(99).is_none(), "unknown");
        assert_eq!(q.len(), 6);
        let first = q.pop(true).unwrap();
        assert!(!first.slow);
        assert!(q.cancel(13).is_none(), "taken jobs cannot be cancelled");
        (first.job)();
        while let Some(t) = q.pop(true) {
            (t.job)();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 6);
        assert_eq!(q.len(), 0);
        assert!(
            q.normal.is_empty() && q.slow.is_empty(),
            "no tombstones left behind"
        );
    }

    #[test]
    fn empty_queue_has_nothing_runnable() {
        let mut q = Queues::default();
        assert!(!q.has_runnable(true));
        assert!(q.pop(true).is_none());
        q.push(WorkClass::FastIo, 1, noop(), Instant::now());
        assert!(q.cancel(1).is_some());
        assert!(!q.has_runnable(true));
        assert!(q.normal.is_empty());
    }

    #[test]
    fn depth_per_class_follows_push_pop_and_cancel_and_max_is_a_high_water_mark() {
        let mut q = Queues::default();
        let now = Instant::now();
        q.push(WorkClass::Cpu, 1, noop(), now);
        q.push(WorkClass::FastIo, 2, noop(), now);
        q.push(WorkClass::Cpu, 3, noop(), now);
        q.push(WorkClass::SlowIo, 4, noop(), now);
        assert_eq!(q.depth(), [2, 1, 1]);
        assert_eq!(q.max_depth(), [2, 1, 1]);
        let taken = q.pop(false).unwrap();
        assert_eq!(taken.class, WorkClass::Cpu);
        assert!(q.cancel(3).is_some_and(|(_, c)| c == WorkClass::Cpu));
        assert!(q.cancel(4).is_some_and(|(_, c)| c == WorkClass::SlowIo));
        assert_eq!(q.depth(), [0, 1, 0]);
        assert_eq!(q.max_depth(), [2, 1, 1], "the high-water mark stays");
        q.reset_max_depth();
        assert_eq!(q.max_depth(), [0, 1, 0]);
        assert_eq!(q.depth().iter().sum::<usize>(), q.len());
    }
}
