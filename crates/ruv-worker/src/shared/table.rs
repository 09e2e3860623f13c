//! The process-wide table of waiters: one FIFO queue per (buffer, word index), in sharded
//! mutexes. A wait compares the word and enqueues under its shard's lock, and a notify
//! dequeues under the same lock, so no notify can fall between a wait's compare and its
//! enqueue (ECMAScript's "critical section" of the waiter list).

use parking_lot::{Mutex, MutexGuard};
use ruv_core::AsyncSender;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::Thread;

/// A queue's key: the buffer's address (a waiter keeps its buffer alive, so the address is
/// not reused while the queue holds it) and the word index.
pub(super) type Key = (usize, usize);

/// One waiting thread or loop.
#[derive(Debug)]
pub(super) struct Waiter {
    /// Set (Release) by the notify that dequeued it, before the wake-up.
    notified: AtomicBool,
    wake: Wake,
}

#[derive(Debug)]
enum Wake {
    /// A blocking wait: `unpark` the thread.
    Thread(Thread),
    /// An async wait: send to the loop's async handle.
    Loop(AsyncSender),
}

impl Waiter {
    /// A waiter for the calling thread's blocking wait.
    pub(super) fn thread() -> Arc<Waiter> {
        Arc::new(Waiter {
            notified: AtomicBool::new(false),
            wake: Wake::Thread(std::thread::current()),
        })
    }

    /// A waiter woken through `sender` (an async wait on a loop).
    pub(super) fn with_sender(sender: AsyncSender) -> Arc<Waiter> {
        Arc::new(Waiter {
            notified: AtomicBool::new(false),
            wake: Wake::Loop(sender),
        })
    }

    /// Whether a notify dequeued this waiter (what it wrote before the notify is visible).
    #[inline]
    pub(super) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Marks it notified and wakes it; `false` if its loop is gone (so it is not counted).
    fn wake(&self) -> bool {
        self.notified.store(true, Ordering::Release);
        match &self.wake {
            Wake::Thread(t) => {
                t.unpark();
                true
            }
            Wake::Loop(sender) => sender.send().is_ok(),
        }
    }
}

type Shard = BTreeMap<Key, VecDeque<Arc<Waiter>>>;

const SHARDS: usize = 64;

static TABLE: [Mutex<Shard>; SHARDS] = [const { Mutex::new(BTreeMap::new()) }; SHARDS];

fn shard(key: Key) -> MutexGuard<'static, Shard> {
    // buffers are at least 8-aligned; mix the index in so one buffer's words spread out
    let h = (key.0 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ key.1;
    TABLE[h % SHARDS].lock()
}

/// Under the shard's lock: if `check()` holds, enqueues `waiter` at the back of `key`'s
/// queue and returns `true`; otherwise enqueues nothing.
pub(super) fn enqueue_if(key: Key, waiter: &Arc<Waiter>, check: impl FnOnce() -> bool) -> bool {
    let mut shard = shard(key);
    if !check() {
        return false;
    }
    shard.entry(key).or_default().push_back(waiter.clone());
    true
}

/// Removes `waiter` from `key`'s queue: `true` if it was there (it was not notified).
pub(super) fn remove(key: Key, waiter: &Arc<Waiter>) -> bool {
    let mut shard = shard(key);
    let Some(queue) = shard.get_mut(&key) else {
        return false;
    };
    let Some(at) = queue.iter().position(|w| Arc::ptr_eq(w, waiter)) else {
        return false;
    };
    queue.remove(at);
    if queue.is_empty() {
        shard.remove(&key);
    }
    true
}

/// Wakes up to `count` waiters of `key`'s queue, oldest first; returns how many it woke
/// (a waiter whose loop is gone is dropped without being counted).
pub(super) fn notify(key: Key, count: usize) -> usize {
    let mut shard = shard(key);
    let Some(queue) = shard.get_mut(&key) else {
        return 0;
    };
    let mut woken = 0;
    while woken < count {
        let Some(w) = queue.pop_front() else {
            break;
        };
        if w.wake() {
            woken += 1;
        }
    }
    if queue.is_empty() {
        shard.remove(&key);
    }
    woken
}

/// How many waiters `key`'s queue holds.
pub(super) fn len(key: Key) -> usize {
    shard(key).get(&key).map_or(0, VecDeque::len)
}
