//! `BroadcastChannel`: one-to-many messages by name, across every loop and thread of the
//! process (Node's `worker_threads.BroadcastChannel`).
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_worker::BroadcastChannel;
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! let a = BroadcastChannel::<String>::new(&mut lp, "config", |_, _, _, _| {})?;
//! let b = BroadcastChannel::<String>::new(&mut lp, "config", |lp, log, me, m| {
//!     log.push(m);
//!     me.close(lp).map(drop)
//! })?;
//! assert!(a.post_message(&lp, "v2".into())); // every other member gets a clone; not `a`
//! a.close(&mut lp)?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["v2"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Every receiver gets its own copy, so messages are `Clone` (share big ones through an
//! `Arc`). Channels of different message types never meet, even under the same name. A member
//! is an active handle: while referenced it keeps its loop alive, until `close`.

use crate::queue::Queue;
use parking_lot::Mutex;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{Async, CallbackResult, CloseToken, Loop, Result};
use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

type Members = Vec<(u64, Arc<dyn Any + Send + Sync>)>;

fn groups() -> &'static Mutex<HashMap<(String, TypeId), Members>> {
    static GROUPS: OnceLock<Mutex<HashMap<(String, TypeId), Members>>> = OnceLock::new();
    GROUPS.get_or_init(Default::default)
}

static NEXT_MEMBER: AtomicU64 = AtomicU64::new(1);

type BcFn<S, T> = Box<dyn FnMut(&mut Loop<S>, &mut S, BroadcastChannel<T>, T) -> Result<()>>;

struct Member<S, T> {
    member: u64,
    /// The group: name and message type.
    key: (String, TypeId),
    queue: Arc<Queue<T>>,
    wake: Option<Async>,
    batch: VecDeque<T>,
    on_message: Option<Callback<BcFn<S, T>>>,
}

/// A member of a named broadcast group on one loop: a `Copy` handle id.
pub struct BroadcastChannel<T>(HandleId, PhantomData<fn() -> T>);

impl<T> Clone for BroadcastChannel<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for BroadcastChannel<T> {}
impl<T> std::fmt::Debug for BroadcastChannel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BroadcastChannel").field(&self.0).finish()
    }
}

impl<T: Clone + Send + 'static> BroadcastChannel<T> {
    /// Joins the group `name` on `lp`; `on_message` gets what other members post.
    ///
    /// # Errors
    /// The loop's error if its async handle cannot be made.
    #[track_caller]
    pub fn new<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        name: &str,
        mut on_message: impl FnMut(&mut Loop<S>, &mut S, BroadcastChannel<T>, T) -> R + 'static,
    ) -> Result<BroadcastChannel<T>> {
        let cb: Callback<BcFn<S, T>> = Callback::new(Box::new(move |lp, s, me, m| {
            on_message(lp, s, me, m).into_result()
        }));
        let member = NEXT_MEMBER.fetch_add(1, Ordering::Relaxed);
        let queue = Arc::new(Queue::new());
        let id = lp.handles::<Member<S, T>>().insert(Handle::new(Member {
            member,
            key: (name.to_owned(), TypeId::of::<T>()),
            queue: queue.clone(),
            wake: None,
            batch: VecDeque::new(),
            on_message: Some(cb),
        }));
        let me = BroadcastChannel(id, PhantomData);
        let wake = Async::new(lp, move |lp, s, _| deliver(lp, s, me))?;
        wake.set_ref(lp, false);
        queue.set_waker(Some(wake.sender(lp)?));
        lp.handle_mut::<Member<S, T>>(id)?.data.wake = Some(wake);
        groups()
            .lock()
            .entry((name.to_owned(), TypeId::of::<T>()))
            .or_default()
            .push((member, queue));
        lp.handle_set_active::<Member<S, T>>(id, true);
        Ok(me)
    }

    /// Sends a clone of `msg` to every other member of the group (none to this one).
    /// `false` if this member is closed or stale.
    pub fn post_message<S: 'static>(self, lp: &Loop<S>, msg: T) -> bool {
        let Ok(h) = lp.handle::<Member<S, T>>(self.0) else {
            return false;
        };
        if h.is_closing() {
            return false;
        }
        let g = groups().lock();
        if let Some(members) = g.get(&h.data.key) {
            for (m, q) in members {
                if *m == h.data.member {
                    continue;
                }
                if let Ok(q) = q.clone().downcast::<Queue<T>>() {
                    // a member closing right now refuses it: nothing to do
                    let _ = q.push(msg.clone());
                }
            }
        }
        true
    }

    /// The group's name.
    pub fn name<S: 'static>(self, lp: &Loop<S>) -> Result<&str> {
        Ok(&lp.handle::<Member<S, T>>(self.0)?.data.key.0)
    }

    /// Leaves the group: nothing more is delivered here; undelivered messages are dropped.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `EINVAL` if already closing.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<CloseToken<'_, S>> {
        let h = lp.handle_mut::<Member<S, T>>(self.0)?;
        if !h.is_closing() {
            let key = h.data.key.clone();
            let member = h.data.member;
            h.data.queue.close(true);
            h.data.batch.clear();
            if let Some(w) = h.data.wake.take() {
                w.close(lp)?;
            }
            let mut g = groups().lock();
            if let Some(members) = g.get_mut(&key) {
                members.retain(|(m, _)| *m != member);
                if members.is_empty() {
                    g.remove(&key);
                }
            }
        }
        lp.close_handle::<Member<S, T>>(self.0)
    }

    /// Referenced or not (Node's `unref()` / `ref()`).
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<Member<S, T>>(self.0, on);
    }
}

impl<S, T> Drop for Member<S, T> {
    fn drop(&mut self) {
        // a loop dropped with the member open: leave the group
        if !self.queue.is_closed() {
            self.queue.close(true);
            let mut g = groups().lock();
            if let Some(members) = g.get_mut(&self.key) {
                members.retain(|(m, _)| *m != self.member);
                if members.is_empty() {
                    g.remove(&self.key);
                }
            }
        }
    }
}

fn deliver<S: 'static, T: Clone + Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    me: BroadcastChannel<T>,
) {
    match lp.handle_mut::<Member<S, T>>(me.0) {
        Ok(h) if !h.is_closing() && h.data.batch.is_empty() => {
            let m = &mut h.data;
            m.queue.take(&mut m.batch);
        }
        Ok(h) if !h.is_closing() => {
            let mut more = VecDeque::new();
            h.data.queue.take(&mut more);
            h.data.batch.append(&mut more);
        }
        _ => return,
    }
    loop {
        let msg = match lp.handle_mut::<Member<S, T>>(me.0) {
            Ok(h) if !h.is_closing() => match h.data.batch.pop_front() {
                Some(m) => m,
                None => return,
            },
            _ => return,
        };
        lp.dispatch_handle::<Member<S, T>, _>(
            s,
            me.0,
            "broadcast.message",
            |m| &mut m.on_message,
            move |f, lp, s| f(lp, s, me, msg),
        );
    }
}
