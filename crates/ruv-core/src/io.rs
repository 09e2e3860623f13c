//! I/O watchers: readiness of a raw file descriptor, through the loop's mio poller.
//!
//! ```
//! use ruv_core::{Interest, IoWatcher, Loop, RunMode};
//! use std::io::Write;
//! use std::os::fd::AsRawFd;
//! let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
//! a.set_nonblocking(true).unwrap();
//! let mut lp: Loop<bool> = Loop::new()?;
//! let w = IoWatcher::new(&mut lp, a.as_raw_fd())?;
//! w.start(&mut lp, Interest::READABLE, |lp, seen, me, ready| {
//!     assert!(ready.is_readable());
//!     *seen = true;
//!     me.close(lp).unwrap();
//! })?;
//! b.write_all(b"x").unwrap();
//! let mut seen = false;
//! lp.run(RunMode::Default, &mut seen)?;
//! assert!(seen);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! # Edge-triggered, on purpose
//! The callback runs when the fd *becomes* ready (mio's contract, as tokio's): read or write
//! until `EAGAIN`, or call [`IoWatcher::start`] again to re-arm (it re-checks readiness).
//! libuv's `uv_poll_t` is level-triggered; ruv trades that for one `epoll_ctl` less per event
//! (see docs/event-loop.md). The watcher does not own the fd: closing the watcher
//! deregisters it but never closes the fd.

use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::handle::{handle_common, Data, HandleId, Kind};
use mio::unix::SourceFd;
use std::os::fd::RawFd;

/// An I/O watcher (libuv's `uv_poll_t`, edge-triggered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoWatcher(pub(crate) HandleId);

/// Which readiness to watch for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Readable.
    pub const READABLE: Interest = Interest(1);
    /// Writable.
    pub const WRITABLE: Interest = Interest(2);
    /// Both.
    pub const BOTH: Interest = Interest(3);

    fn to_mio(self) -> mio::Interest {
        match self.0 {
            1 => mio::Interest::READABLE,
            2 => mio::Interest::WRITABLE,
            _ => mio::Interest::READABLE | mio::Interest::WRITABLE,
        }
    }
}

/// Readiness reported to an I/O callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready(u32);

const R_READ: u32 = 1;
const R_WRITE: u32 = 2;
const R_HUP: u32 = 4;
const R_ERR: u32 = 8;

impl Ready {
    /// The fd is readable (or at EOF).
    pub fn is_readable(self) -> bool {
        self.0 & R_READ != 0
    }
    /// The fd is writable.
    pub fn is_writable(self) -> bool {
        self.0 & R_WRITE != 0
    }
    /// The peer hung up (read or write side closed).
    pub fn is_hup(self) -> bool {
        self.0 & R_HUP != 0
    }
    /// An error is pending on the fd.
    pub fn is_error(self) -> bool {
        self.0 & R_ERR != 0
    }
}

pub(crate) struct IoState {
    fd: RawFd,
    registered: bool,
}

impl IoWatcher {
    /// Creates a watcher for `fd` (which must be open; it is not owned by the watcher).
    ///
    /// # Errors
    /// `EBADF` if `fd` is not an open descriptor.
    pub fn new<S>(lp: &mut Loop<S>, fd: RawFd) -> Result<IoWatcher> {
        // SAFETY: F_GETFD only queries the descriptor's flags; any integer is a valid
        // argument (a closed or negative fd yields EBADF).
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            let err = std::io::Error::last_os_error();
            return Err(Error::from_io(&err, "poll_init"));
        }
        Ok(IoWatcher(lp.alloc_handle(
            Kind::Io,
            Data::Io(IoState {
                fd,
                registered: false,
            }),
        )))
    }

    /// Starts (or re-arms) watching for `interest`; `cb` gets the readiness.
    ///
    /// # Errors
    /// `EBADF` for a stale or closing watcher; the poller's error (e.g. `EPERM` for a regular
    /// file, which epoll cannot watch) if registration fails.
    #[track_caller]
    pub fn start<S, R: crate::CallbackResult>(
        self,
        lp: &mut Loop<S>,
        interest: Interest,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, IoWatcher, Ready) -> R + 'static,
    ) -> Result<()> {
        let cb =
            crate::registry::Callback::new(Box::new(move |lp: &mut Loop<S>, s: &mut S, id, bits| {
                cb(lp, s, IoWatcher(id), Ready(bits)).into_result()
            }) as crate::handle::CoreCb<S>);
        lp.open_slot_mut(self.0, Kind::Io)?;
        lp.io_register(self.0, interest)?;
        let slot = lp.handles.get_mut(self.0).expect("checked above");
        slot.data.cb = Some(cb);
        slot.data.lost_cb = false;
        lp.activate(self.0);
        Ok(())
    }

    /// Stops watching (deregisters the fd). A no-op on an inactive, closed or stale watcher.
    pub fn stop<S>(self, lp: &mut Loop<S>) {
        if lp.slot(self.0, Kind::Io).is_ok() {
            lp.io_stop_raw(self.0);
        }
    }
}

handle_common!(IoWatcher, crate::handle::Kind::Io);

/// The poller token of a watcher: its slot index and the low 32 bits of its generation
/// (checked when an event arrives, so a stale event never reaches a handle that reused the
/// slot within one poll batch).
/// The I/O part of the loop: the poller, its event buffer (taken out during a poll), the
/// readiness copied out of it and not yet dispatched (kept across a panic: fd readiness is
/// edge-triggered, an event dropped is never reported again), and the number of registered
/// fd sources.
pub(crate) struct IoPart {
    pub(crate) poll: mio::Poll,
    pub(crate) events: Option<mio::Events>,
    pub(crate) ready: Vec<(mio::Token, u32)>,
    pub(crate) sources: usize,
}

fn token(id: HandleId) -> mio::Token {
    mio::Token((((id.gen as u32) as usize) << 32) | id.index as usize)
}

impl<S> Loop<S> {
    fn io_register(&mut self, id: HandleId, interest: Interest) -> Result<()> {
        let Some(Data::Io(st)) = self.handles.get_mut(id).map(|s| &mut s.data.data) else {
            return Err(Error::new(Code::EBADF));
        };
        let fd = st.fd;
        let reg = self.io.poll.registry();
        let res = if st.registered {
            reg.reregister(&mut SourceFd(&fd), token(id), interest.to_mio())
        } else {
            reg.register(&mut SourceFd(&fd), token(id), interest.to_mio())
        };
        res.map_err(|e| Error::from_io(&e, "epoll_ctl"))?;
        if !st.registered {
            st.registered = true;
            self.io.sources += 1;
        }
        Ok(())
    }

    pub(crate) fn io_stop_raw(&mut self, id: HandleId) {
        if let Some(Data::Io(st)) = self.handles.get_mut(id).map(|s| &mut s.data.data) {
            if st.registered {
                st.registered = false;
                self.io.sources -= 1;
                // The fd may already be closed by its owner; then the kernel dropped it.
                let _ = self.io.poll.registry().deregister(&mut SourceFd(&st.fd));
            }
        }
        self.deactivate(id);
    }

    /// Runs the callback of the watcher an event belongs to, if it is still that watcher;
    /// `bits` is the event's [`ready_bits`].
    pub(crate) fn io_event(&mut self, s: &mut S, token: mio::Token, bits: u32) {
        let Some(id) = self.handles.id_at(token.0 as u32) else {
            return;
        };
        if id.gen as u32 != (token.0 >> 32) as u32 {
            return;
        }
        let live = matches!(self.handles.get(id),
            Some(slot) if slot.is_active() && !slot.is_closing());
        if !live {
            return;
        }
        self.dispatch(s, id, bits);
    }
}

/// The readiness bits of a poller event, as [`Ready`] reads them.
pub(crate) fn ready_bits(ev: &mio::event::Event) -> u32 {
    let mut bits = 0;
    if ev.is_readable() || ev.is_read_closed() {
        bits |= R_READ;
    }
    if ev.is_writable() {
        bits |= R_WRITE;
    }
    if ev.is_read_closed() || ev.is_write_closed() {
        bits |= R_HUP;
    }
    if ev.is_error() {
        bits |= R_ERR;
    }
    bits
}
