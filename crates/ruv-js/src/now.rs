//! The loop for the few natives that must act at once, not after the script returns.
//!
//! Most natives queue an [`Op`](crate::ops::Op) that the host applies once JavaScript
//! returns. A few cannot wait: `process.on('SIGUSR2')` followed by `process.kill(pid,
//! 'SIGUSR2')` in the same function must find the signal watched, as Node's does. While
//! JavaScript runs, the loop that entered it is lent here ([`Lent`]); such a native borrows
//! it with [`with_loop`], using only the loop (never the host, which the running
//! JavaScript belongs to).

use std::cell::Cell;
use std::ptr;

use ruv_core::Loop;

use crate::host::Host;

thread_local! {
    /// The loop that is running JavaScript on this thread, while it does.
    static LOOP: Cell<*mut Loop<Host>> = const { Cell::new(ptr::null_mut()) };
}

/// The loop lent while JavaScript runs; taken back on drop.
pub(crate) struct Lent {
    before: *mut Loop<Host>,
}

/// Lends `lp` to natives until the returned guard drops. The caller must not use `lp`
/// while the guard lives (it only runs JavaScript meanwhile).
pub(crate) fn lend(lp: &mut Loop<Host>) -> Lent {
    let p: *mut Loop<Host> = lp;
    Lent {
        before: LOOP.with(|c| c.replace(p)),
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        LOOP.with(|c| c.set(self.before));
    }
}

/// Whether a loop is lent now (a JavaScript entry is running on this thread).
pub(crate) fn is_lent() -> bool {
    LOOP.with(|c| !c.get().is_null())
}

/// Runs `f` on the lent loop; `None` when no JavaScript entry lent one (then the caller
/// queues an op instead).
pub(crate) fn with_loop<R>(f: impl FnOnce(&mut Loop<Host>) -> R) -> Option<R> {
    // taken out while `f` runs, so a nested borrow finds none
    let p = LOOP.with(|c| c.replace(ptr::null_mut()));
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` came from the `&mut Loop` of the JavaScript entry that is running now
    // (`lend`), whose owner does not touch the loop until the entry returns and the guard
    // is dropped; it was taken out of the cell above, so this is the only reference made
    // from it until it is put back below.
    let r = f(unsafe { &mut *p });
    LOOP.with(|c| c.set(p));
    Some(r)
}
