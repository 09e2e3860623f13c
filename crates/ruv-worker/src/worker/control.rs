//! What a worker thread and its parent's `Worker` handle share.

use crate::interrupt::Interrupt;
use parking_lot::Mutex;
use ruv_core::{AsyncSender, Error, Halt};
use std::sync::{Arc, OnceLock};

/// How a worker ended.
pub(crate) struct ExitInfo {
    pub(crate) code: i32,
    /// The entry's error, the uncaught error of its loop, or its panic.
    pub(crate) error: Option<Error>,
}

pub(crate) struct Control {
    pub(crate) thread_id: u64,
    state: Mutex<State>,
    /// Wakes the parent's `Worker` handle (set once, before the thread starts).
    notify: OnceLock<AsyncSender>,
}

#[derive(Default)]
struct State {
    online: bool,
    exit: Option<ExitInfo>,
    /// The reaper joined the thread: `exit` is final and the thread is gone.
    joined: bool,
    stop_requested: bool,
    halt: Option<Halt>,
    interrupt: Option<Arc<Interrupt>>,
}

/// What the parent's handle reads in one go.
pub(crate) struct Snapshot {
    pub(crate) online: bool,
    /// Taken (once) after the join.
    pub(crate) exit: Option<ExitInfo>,
}

impl Control {
    pub(crate) fn new(thread_id: u64) -> Control {
        Control {
            thread_id,
            state: Mutex::new(State::default()),
            notify: OnceLock::new(),
        }
    }

    pub(crate) fn set_notify(&self, notify: AsyncSender) {
        // set once, by spawn, before the thread exists
        let _ = self.notify.set(notify);
    }

    fn wake_parent(&self) {
        if let Some(n) = self.notify.get() {
            // EBADF: the parent's loop or handle is gone; nobody is waiting for the news
            let _ = n.send();
        }
    }

    /// The worker thread started: its loop exists (halt) and it is about to run the entry.
    /// Returns whether a terminate already came (the loop is then halted at once).
    pub(crate) fn online(&self, halt: Halt, interrupt: Arc<Interrupt>) -> bool {
        let stop = {
            let mut g = self.state.lock();
            g.online = true;
            if g.stop_requested {
                halt.halt();
                interrupt.request();
            }
            g.halt = Some(halt);
            g.interrupt = Some(interrupt);
            g.stop_requested
        };
        self.wake_parent();
        stop
    }

    /// The worker's last state, before it tells the reaper.
    pub(crate) fn exited(&self, info: ExitInfo) {
        let mut g = self.state.lock();
        g.exit = Some(info);
        g.halt = None;
        g.interrupt = None;
    }

    /// The reaper joined the thread.
    pub(crate) fn joined(&self) {
        self.state.lock().joined = true;
        self.wake_parent();
    }

    /// terminate: halt the loop at the next callback boundary, end a wait on shared memory.
    /// Returns `false` if the worker already exited.
    pub(crate) fn request_stop(&self) -> bool {
        let mut g = self.state.lock();
        if g.exit.is_some() || g.joined {
            return false;
        }
        g.stop_requested = true;
        if let Some(h) = &g.halt {
            h.halt();
        }
        if let Some(i) = &g.interrupt {
            i.request();
        }
        true
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.state.lock().stop_requested
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut g = self.state.lock();
        let exit = if g.joined { g.exit.take() } else { None };
        Snapshot {
            online: g.online,
            exit,
        }
    }
}
