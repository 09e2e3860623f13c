//! [`ChildProcess`]'s methods: getters, `kill`, ref/unref, and what `fork` builds on (the
//! channel's fd and close holds).

use super::process::{
    child, child_mut, emit, maybe_close, tick, Child, ChildEvent, ChildProcess, Phase,
};
use super::signal::Signal;
use super::stdio::ChildPipe;
use super::sys;
use ruv_core::{Code, Error, HandleId, Loop, Result};
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};

impl ChildProcess {
    /// The child's pid (`None` before the spawn succeeded, after a failed spawn, and once
    /// the id is stale).
    pub fn pid<S: 'static>(self, lp: &Loop<S>) -> Option<u32> {
        child::<S>(lp, self.0).and_then(|c| c.pid)
    }

    /// The parent's end of stdio slot `n` (`None` for a slot that is not [`Pipe`](super::Stdio::Pipe)).
    pub fn stdio<S: 'static>(self, lp: &Loop<S>, n: usize) -> Option<ChildPipe> {
        child::<S>(lp, self.0)
            .and_then(|c| c.slots.get(n))
            .and_then(|s| s.pipe)
    }

    /// Slot 0, written to the child (Node's `child.stdin`).
    pub fn stdin<S: 'static>(self, lp: &Loop<S>) -> Option<ChildPipe> {
        self.stdio(lp, 0)
    }

    /// Slot 1, the child's output (Node's `child.stdout`).
    pub fn stdout<S: 'static>(self, lp: &Loop<S>) -> Option<ChildPipe> {
        self.stdio(lp, 1)
    }

    /// Slot 2, the child's error output (Node's `child.stderr`).
    pub fn stderr<S: 'static>(self, lp: &Loop<S>) -> Option<ChildPipe> {
        self.stdio(lp, 2)
    }

    /// Sends `signal` (Node's `subprocess.kill`). `true` if it was sent (then
    /// [`killed`](Self::killed) is true); `false` if the child is not running: the spawn
    /// failed or is still under way, or the child was reaped — a reaped child's pid may
    /// belong to another process by now, and is never signalled (while it runs, the signal
    /// goes through its pidfd). A refused signal (`EPERM`) is `false` and an
    /// [`Error`](ChildEvent::Error) event on the next tick, as Node emits it.
    pub fn kill<S: 'static>(self, lp: &mut Loop<S>, signal: Signal) -> bool {
        let Some(c) = child_mut::<S>(lp, self.0) else {
            return false;
        };
        let Some(pid) = c.pid.filter(|_| c.phase == Phase::Running) else {
            return false;
        };
        let res = match &c.pidfd {
            Some((fd, _)) => sys::pidfd_send_signal(fd.as_fd(), signal.as_raw()),
            None => sys::kill(pid, signal.as_raw()),
        };
        match res {
            Ok(()) => {
                c.killed = true;
                true
            }
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => false,
            Err(e) => {
                let err = Error::from_io(&e, "kill");
                let id = self.0;
                tick(lp, move |lp, s| emit(lp, s, id, ChildEvent::Error(err)));
                false
            }
        }
    }

    /// Whether a [`kill`](Self::kill) succeeded (Node's `subprocess.killed`; it does not
    /// mean the child ended).
    pub fn killed<S: 'static>(self, lp: &Loop<S>) -> bool {
        child::<S>(lp, self.0).is_some_and(|c| c.killed)
    }

    /// The exit code once reaped (`None` while running, or when a signal ended it); `-errno`
    /// after a failed spawn, as Node's `exitCode`.
    pub fn exit_code<S: 'static>(self, lp: &Loop<S>) -> Option<i32> {
        child::<S>(lp, self.0).and_then(|c| c.exit_code)
    }

    /// The signal that ended the child, once reaped (Node's `signalCode`).
    pub fn signal_code<S: 'static>(self, lp: &Loop<S>) -> Option<Signal> {
        child::<S>(lp, self.0).and_then(|c| c.signal_code)
    }

    /// Node's `spawnfile`: the program run (the shell, with `shell`).
    pub fn spawnfile<S: 'static>(self, lp: &Loop<S>) -> Option<OsString> {
        child::<S>(lp, self.0).map(|c| c.file.clone())
    }

    /// Node's `spawnargs`: the child's argv, `argv[0]` included.
    pub fn spawnargs<S: 'static>(self, lp: &Loop<S>) -> Option<Vec<OsString>> {
        child::<S>(lp, self.0).map(|c| c.args.clone())
    }

    /// Referenced (default) or not (Node's `ref()` / `unref()`): an unreferenced child does
    /// not keep the loop alive (its stdio streams still do, as in Node: unreference them,
    /// or use [`Stdio::Ignore`](super::Stdio::Ignore)). A no-op on a stale id.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<Child<S>>(self.0, on)
    }

    /// Whether the child is referenced (`EBADF` for a stale id).
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp.handle::<Child<S>>(self.0)?.has_ref())
    }

    /// Takes the parent's end of the [`Ipc`](super::Stdio::Ipc) slot: a connected Unix
    /// stream socket, close-on-exec and non-blocking, whose peer is the child's fd
    /// `NODE_CHANNEL_FD`. `None` without an `Ipc` slot, once taken, and after a failed
    /// spawn's `Close`. The child process does not watch it: whoever takes it owns the
    /// channel, and should [`hold_close`](Self::hold_close) until the channel is closed.
    pub fn take_ipc_fd<S: 'static>(self, lp: &mut Loop<S>) -> Option<OwnedFd> {
        child_mut::<S>(lp, self.0).and_then(|c| c.ipc_fd.take())
    }

    /// Holds the `Close` event back until a matching [`release_close`](Self::release_close)
    /// (Node counts its IPC channel among what `'close'` waits for: `fork` holds while the
    /// channel is open). Holds nest.
    ///
    /// # Errors
    /// `EBADF` for a stale id, and once `Close` is queued.
    pub fn hold_close<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        match child_mut::<S>(lp, self.0) {
            Some(c) if !c.close_queued => {
                c.holds += 1;
                Ok(())
            }
            _ => Err(Error::new(Code::EBADF).with_detail("child process is closed")),
        }
    }

    /// Releases one [`hold_close`](Self::hold_close); with none left (and the exit and the
    /// streams done), `Close` follows on the next tick. A no-op on a stale id or without a
    /// hold.
    pub fn release_close<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(c) = child_mut::<S>(lp, self.0) {
            c.holds = c.holds.saturating_sub(1);
            maybe_close(lp, self.0);
        }
    }

    /// The handle's id (unique in the process, never reused).
    pub fn id(self) -> HandleId {
        self.0
    }
}
