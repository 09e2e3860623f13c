//! Writing (the segment queue, `sendmsg` with `SCM_RIGHTS` for a handle, callbacks and
//! `Drain`), the watcher's interest, and closing (Node's `disconnect` and the peer going
//! away).

use super::channel::{self, state, Done, State};
use super::{codes, read, ChannelEvent};
use rustix::io::Errno;
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use ruv_core::{Error, HandleId, Interest, Loop};
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

/// Unwritten bytes past which a send writes at once instead of at the end of the callback.
const FLUSH_NOW: usize = 64 * 1024;
/// A write buffer larger than this is given back once it is written.
const RETAIN: usize = 4 << 20;

/// Registers the interest the channel needs now: readable while open, and writable while a
/// write is blocked. `force` re-arms the watcher (a fresh callback, readiness re-checked).
pub(crate) fn update_io<S: 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
    force: bool,
) -> ruv_core::Result<()> {
    let st = state(lp, id)?;
    if st.dead {
        return Ok(());
    }
    let want = if st.blocked {
        Interest::BOTH
    } else {
        Interest::READABLE
    };
    if Some(want) == st.interest && !force {
        return Ok(());
    }
    st.interest = Some(want);
    let w = st.watcher;
    w.start(lp, want, move |lp, s, _, ready| {
        read::on_io(lp, s, id, ready)
    })
}

/// What a newly queued message needs (decided from the state, done with the loop).
pub(crate) enum Step {
    /// Nothing: a writable edge or a scheduled flush will write it.
    Wait,
    /// Write now: much is waiting.
    Now,
    /// Write from the loop's next pending phase (a flush was just scheduled).
    Later,
}

/// Decides how a newly queued message gets written, and whether the child's reference rule
/// must be looked at again (only a child's channel changes its reference with the queue).
pub(crate) fn step<S>(st: &mut State<S>) -> (Step, bool) {
    let refresh = st.counted && st.explicit_ref.is_none();
    let step = if st.blocked || st.queued == 0 {
        Step::Wait
    } else if st.queued >= FLUSH_NOW {
        Step::Now
    } else if !st.in_io && !st.flush_scheduled {
        st.flush_scheduled = true;
        Step::Later
    } else {
        Step::Wait
    };
    (step, refresh)
}

/// Carries out what [`step`] decided.
pub(crate) fn run_step<S: 'static>(lp: &mut Loop<S>, id: HandleId, (step, refresh): (Step, bool)) {
    match step {
        Step::Wait => {}
        Step::Now => {
            if let Some(e) = flush(lp, id) {
                fail_later(lp, id, e);
            }
        }
        Step::Later => lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
            if let Ok(st) = state(lp, id) {
                st.flush_scheduled = false;
                if let Some(e) = flush(lp, id) {
                    finish(lp, s, id, Some(e));
                }
            }
        }),
    }
    if refresh {
        channel::update_ref(lp, id);
    }
}

/// After a message was queued: write now if much is waiting, else when the current
/// callback of this channel returns, else from the loop's next pending phase.
pub(crate) fn after_queue<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Ok(st) = state(lp, id) else { return };
    let next = step(st);
    run_step(lp, id, next);
}

/// A write failed inside an API call: close from the loop, not from inside the call.
pub(crate) fn fail_later<S: 'static>(lp: &mut Loop<S>, id: HandleId, e: Error) {
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| finish(lp, s, id, Some(e)));
}

/// `send(2)` of `data` with `fd` in `SCM_RIGHTS`.
fn send_with_fd(sock: &OwnedFd, data: &[u8], fd: &OwnedFd) -> rustix::io::Result<usize> {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut anc = SendAncillaryBuffer::new(&mut space);
    let fds = [fd.as_fd()];
    if !anc.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(Errno::NOBUFS);
    }
    rustix::net::sendmsg(sock, &[IoSlice::new(data)], &mut anc, SendFlags::NOSIGNAL)
}

/// Writes queued segments until the socket would block. Completed sends' callbacks (and
/// `Drain`) are deferred; nothing runs a user callback from here. Returns the error that
/// ends the channel, if a write failed (the channel is no longer `connected` then).
pub(crate) fn flush<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Option<Error> {
    let mut done: Vec<Done<S>> = Vec::new();
    let mut fatal = None;
    let (drained, blocked_changed) = {
        let Ok(st) = state(lp, id) else { return None };
        let was_blocked = st.blocked;
        let State {
            sock,
            out,
            queued,
            blocked,
            ..
        } = st;
        let sock = sock.as_ref()?;
        *blocked = false;
        loop {
            let last = out.len() == 1;
            let Some(seg) = out.front_mut() else { break };
            while seg.cbs.front().is_some_and(|(end, _)| *end <= seg.off) {
                done.extend(seg.cbs.pop_front().map(|c| c.1));
            }
            if seg.off == seg.bytes.len() {
                if last {
                    seg.off = 0;
                    if seg.bytes.capacity() > RETAIN {
                        seg.bytes = Vec::new();
                    } else {
                        seg.bytes.clear();
                    }
                    break;
                }
                out.pop_front();
                continue;
            }
            let data = &seg.bytes[seg.off..];
            let res = match seg.fd.as_ref() {
                Some(fd) => send_with_fd(sock, data, fd),
                None => rustix::net::send(sock, data, SendFlags::NOSIGNAL),
            };
            match res {
                Ok(n) => {
                    // the fd went with the first byte
                    seg.fd = None;
                    seg.off += n;
                    *queued -= n;
                    if n < data.len() {
                        while seg.cbs.front().is_some_and(|(end, _)| *end <= seg.off) {
                            done.extend(seg.cbs.pop_front().map(|c| c.1));
                        }
                        *blocked = true;
                        break;
                    }
                }
                Err(Errno::AGAIN) => {
                    *blocked = true;
                    break;
                }
                Err(Errno::INTR) => {}
                Err(e) => {
                    fatal = Some(Error::from_io(&e.into(), "write"));
                    break;
                }
            }
        }
        (*queued == 0, was_blocked != *blocked)
    };
    for cb in done {
        cb.defer(lp, id, Ok(()));
    }
    if let Some(e) = fatal {
        if let Ok(st) = state(lp, id) {
            st.connected = false;
        }
        return Some(e);
    }
    if let Ok(st) = state(lp, id) {
        if drained && st.held_bytes == 0 && st.need_drain {
            st.need_drain = false;
            lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
                read::emit(lp, s, id, ChannelEvent::Drain);
            });
        }
    }
    if drained && state(lp, id).is_ok_and(|st| st.counted) {
        channel::update_ref(lp, id);
    }
    if blocked_changed {
        if let Err(e) = update_io(lp, id, false) {
            return Some(e);
        }
    }
    None
}

/// After `disconnect()`: closes once nothing is in flight, held, queued or half read.
pub(crate) fn maybe_close<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Ok(st) = state(lp, id) else { return };
    if st.dead || !st.closing {
        return;
    }
    let reading = st
        .reader
        .as_ref()
        .is_some_and(|r| r.dec.buffering(r.filled - r.pos));
    if st.in_flight.is_none() && st.held.is_empty() && st.queued == 0 && !reading {
        finish(lp, s, id, None);
    }
}

/// Closes the channel now: the socket and every received fd are closed at once; from the
/// loop's next pending phase, every send still pending gets its error (`err`, or
/// `ERR_IPC_CHANNEL_CLOSED`), then `Disconnect` is emitted and the handle closes.
pub(crate) fn finish<S: 'static>(lp: &mut Loop<S>, _s: &mut S, id: HandleId, err: Option<Error>) {
    let Ok(st) = state(lp, id) else { return };
    if st.dead {
        return;
    }
    if err.is_none() && st.queued > 0 {
        // the peer closed its end (it may still read: a half-close), or disconnect():
        // write what the socket takes now, as Node's synchronous writes would have
        flush(lp, id);
    }
    let Ok(st) = state(lp, id) else { return };
    st.dead = true;
    st.connected = false;
    let err = err
        .or_else(|| st.error.take())
        .unwrap_or_else(|| Error::new(codes::ERR_IPC_CHANNEL_CLOSED));
    let watcher = st.watcher;
    let sock = st.sock.take();
    st.fds.clear();
    let mut cbs: Vec<Done<S>> = Vec::new();
    for seg in st.out.drain(..) {
        cbs.extend(seg.cbs.into_iter().map(|c| c.1));
    }
    st.queued = 0;
    cbs.extend(st.in_flight.take().and_then(|f| f.cb));
    cbs.extend(st.held.drain(..).filter_map(|h| h.cb));
    st.held_bytes = 0;
    let handles: Vec<_> = st.early.drain(..).filter_map(|e| e.handle).collect();
    // deregister before the fd closes
    watcher.close(lp).ok();
    drop(sock);
    for h in handles {
        h.close(lp);
    }
    lp.handle_set_active::<State<S>>(id, false);
    for cb in cbs {
        cb.defer(lp, id, Err(err.clone()));
    }
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read::emit(lp, s, id, ChannelEvent::Disconnect)
        }));
        lp.close_handle::<State<S>>(id).map(drop).ok();
        if let Err(payload) = res {
            std::panic::resume_unwind(payload);
        }
    });
}
