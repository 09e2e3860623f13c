//! Reaping children on the loop, one child at a time — never `waitpid(-1)`, which would
//! take the exits of `std::process` children and of other loops' children.
//!
//! * **pidfd** (Linux ≥ 5.3): `pidfd_open` right after the spawn; the pidfd becomes
//!   readable when the child exits and is watched with an (unreferenced) [`IoWatcher`];
//!   then `waitpid(pid, WNOHANG)` for that pid. The pid cannot be reused before that
//!   `waitpid` (an unreaped child keeps it), and `kill` signals through the pidfd.
//! * **SIGCHLD** where `pidfd_open` is unavailable (`ENOSYS`, or refused by a sandbox):
//!   one unreferenced ruv-core [`Signal`](ruv_core::Signal) handle per loop, and on each
//!   SIGCHLD a `waitpid(pid, WNOHANG)` for each child of that loop still running. Signals
//!   coalesce, so every listed child is checked each time; a child is also checked once
//!   when it is listed, in case it exited before.

use super::process::{child, child_mut, exited, Phase};
use super::signal::Signal;
use rustix::process::{Pid, WaitOptions};
use ruv_core::{HandleId, Interest, IoWatcher, Loop, Result};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once `pidfd_open` answered `ENOSYS`: every later child uses SIGCHLD.
static NO_PIDFD: AtomicBool = AtomicBool::new(false);
static FORCE_SIGCHLD: AtomicBool = AtomicBool::new(false);

/// Reaps every child spawned from now on through SIGCHLD, as where pidfds are unavailable
/// (for tests of that path).
#[doc(hidden)]
pub fn __force_sigchld_reaping(on: bool) {
    FORCE_SIGCHLD.store(on, Ordering::Relaxed);
}

/// Starts watching child `id` (pid `pid`) for its exit.
pub(crate) fn watch<S: 'static>(lp: &mut Loop<S>, id: HandleId, pid: u32) {
    if !FORCE_SIGCHLD.load(Ordering::Relaxed) && !NO_PIDFD.load(Ordering::Relaxed) {
        let opened = Pid::from_raw(pid as i32)
            .ok_or(rustix::io::Errno::SRCH)
            .and_then(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()));
        match opened {
            Ok(fd) => {
                if let Ok(w) = start_watcher(lp, id, &fd) {
                    if let Some(c) = child_mut(lp, id) {
                        c.pidfd = Some((fd, w));
                    }
                    return;
                }
            }
            Err(rustix::io::Errno::NOSYS) => NO_PIDFD.store(true, Ordering::Relaxed),
            Err(_) => {}
        }
    }
    sigchld_watch(lp, id);
}

fn start_watcher<S: 'static>(lp: &mut Loop<S>, id: HandleId, fd: &OwnedFd) -> Result<IoWatcher> {
    let w = IoWatcher::new(lp, fd.as_raw_fd())?;
    // The child's own handle flags keep the loop alive, not the watcher's.
    w.set_ref(lp, false);
    if let Err(e) = w.start(lp, Interest::READABLE, move |lp, s, w, _| {
        on_pidfd(lp, s, id, w)
    }) {
        let _ = w.close(lp);
        return Err(e);
    }
    Ok(w)
}

fn on_pidfd<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, w: IoWatcher) {
    let Some(pid) = running_pid(lp, id) else {
        return;
    };
    match try_wait(pid) {
        Some((code, signal)) => exited(lp, s, id, code, signal),
        // Readable before the exit status is there (not expected): wait for the next edge.
        None => {
            let _ = w.start(lp, Interest::READABLE, move |lp, s, w, _| {
                on_pidfd(lp, s, id, w)
            });
        }
    }
}

fn running_pid<S: 'static>(lp: &Loop<S>, id: HandleId) -> Option<u32> {
    child(lp, id)
        .filter(|c| c.phase == Phase::Running)
        .and_then(|c| c.pid)
}

/// `waitpid(pid, WNOHANG)`: the exit code and signal once the child is gone, `None` while
/// it runs. A child someone else reaped (`ECHILD`) is reported as gone with neither.
fn try_wait(pid: u32) -> Option<(Option<i32>, Option<Signal>)> {
    let pid = Pid::from_raw(pid as i32)?;
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::NOHANG) {
            Ok(Some((_, st))) => {
                return Some((
                    st.exit_status(),
                    st.terminating_signal().and_then(Signal::from_raw),
                ))
            }
            Ok(None) => return None,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return Some((None, None)),
        }
    }
}

/// The SIGCHLD side: the loop's signal handle and its running children.
#[derive(Default)]
struct Reaper {
    signal: Option<ruv_core::Signal>,
    ids: Vec<HandleId>,
}

fn sigchld_watch<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    lp.extension_or_insert_with(Reaper::default).ids.push(id);
    if lp
        .extension_or_insert_with(Reaper::default)
        .signal
        .is_none()
    {
        if let Ok(sig) = ruv_core::Signal::new(lp) {
            sig.set_ref(lp, false);
            if sig
                .start(lp, libc::SIGCHLD, |lp, s, _, _| on_sigchld(lp, s))
                .is_ok()
            {
                lp.extension_or_insert_with(Reaper::default).signal = Some(sig);
            }
        }
    }
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| check(lp, s, id));
}

fn on_sigchld<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let ids = lp.extension_or_insert_with(Reaper::default).ids.clone();
    for id in ids {
        check(lp, s, id);
    }
}

fn check<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(pid) = running_pid(lp, id) else {
        unlist(lp, id);
        return;
    };
    if let Some((code, signal)) = try_wait(pid) {
        unlist(lp, id);
        exited(lp, s, id, code, signal);
    }
}

fn unlist<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let r = lp.extension_or_insert_with(Reaper::default);
    r.ids.retain(|&i| i != id);
}
