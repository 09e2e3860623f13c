//! Signal handles: Unix signals delivered as loop callbacks.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Signal};
//! let mut lp: Loop<i32> = Loop::new()?;
//! let sig = Signal::new(&mut lp)?;
//! sig.start(&mut lp, libc::SIGUSR2, |lp, got, me, signum| {
//!     *got = signum;
//!     me.close(lp).unwrap();
//! })?;
//! signal_hook::low_level::raise(libc::SIGUSR2).unwrap();
//! let mut got = 0;
//! lp.run(RunMode::Default, &mut got)?;
//! assert_eq!(got, libc::SIGUSR2);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Built on signal-hook's self-pipe with its mio support: the OS handler only records the
//! signal; the loop reads it in the poll phase and runs every active handle watching that
//! signal. Signals that cannot be caught or must not be (SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,
//! SIGILL, SIGFPE) are `EINVAL`. Once a signal was watched, its process-wide handler stays
//! installed (signal-hook cannot remove one safely); signals with no active handle are
//! ignored by the loop, which differs from libuv, which restores the default disposition.

use crate::error::{Code, Error, Result};
use crate::event_loop::{Loop, SIGNAL_TOKEN};
use crate::handle::{handle_common, Data, HandleId, Kind};
use signal_hook_mio::v1_0::Signals;

/// The highest signal number (Linux's `SIGRTMAX`); 1..=64 are signals.
const MAX_SIGNAL: i32 = 64;

/// A signal handle (libuv's `uv_signal_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signal(pub(crate) HandleId);

impl Signal {
    /// Creates an inactive signal handle.
    pub fn new<S>(lp: &mut Loop<S>) -> Result<Signal> {
        Ok(Signal(
            lp.alloc_handle(Kind::Signal, Data::Signal { signum: 0 }),
        ))
    }

    /// Starts watching `signum`; `cb` gets the signal number on each delivery (signals that
    /// arrive before the loop reads them coalesce, as in every Unix signal API).
    ///
    /// # Errors
    /// `EINVAL` for a number that is no signal (outside 1..=64) or a signal that cannot be
    /// watched; `EBADF` for a stale or closing handle.
    #[track_caller]
    pub fn start<S, R: crate::CallbackResult>(
        self,
        lp: &mut Loop<S>,
        signum: i32,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Signal, i32) -> R + 'static,
    ) -> Result<()> {
        let cb = crate::registry::Callback::new(Box::new(
            move |lp: &mut Loop<S>, s: &mut S, id, n: u32| {
                cb(lp, s, Signal(id), n as i32).into_result()
            },
        ) as crate::handle::CoreCb<S>);
        lp.open_slot_mut(self.0, Kind::Signal)?;
        if !(1..=MAX_SIGNAL).contains(&signum) {
            return Err(Error::op(Code::EINVAL, "signal_start")
                .with_detail(format!("{signum} is not a signal number")));
        }
        if signal_hook::consts::FORBIDDEN.contains(&signum)
            || [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE].contains(&signum)
        {
            return Err(Error::op(Code::EINVAL, "signal_start")
                .with_detail(format!("signal {signum} cannot be watched")));
        }
        lp.signal_stop_raw(self.0);
        lp.signals_add(signum)?;
        let slot = lp.handles.get_mut(self.0).expect("checked above");
        slot.data.data = Data::Signal { signum };
        slot.data.cb = Some(cb);
        slot.data.lost_cb = false;
        lp.signals.handles.push(self.0);
        lp.activate(self.0);
        Ok(())
    }

    /// Stops watching. A no-op on an inactive, closed or stale handle.
    pub fn stop<S>(self, lp: &mut Loop<S>) {
        if lp.slot(self.0, Kind::Signal).is_ok() {
            lp.signal_stop_raw(self.0);
        }
    }

    /// The signal number being watched (0 when never started).
    pub fn signum<S>(self, lp: &Loop<S>) -> Result<i32> {
        match lp.slot(self.0, Kind::Signal)?.data.data {
            Data::Signal { signum } => Ok(signum),
            _ => Err(Error::new(Code::EBADF)),
        }
    }
}

handle_common!(Signal, crate::handle::Kind::Signal);

/// The signals part of the loop: the receiver (made on first use) and the handles watching.
#[derive(Default)]
pub(crate) struct SignalPart {
    pub(crate) receiver: Option<signal_hook_mio::v1_0::Signals>,
    pub(crate) handles: Vec<HandleId>,
}

impl<S> Loop<S> {
    fn signals_add(&mut self, signum: i32) -> Result<()> {
        let err = |e: std::io::Error| {
            Error::from_io(&e, "signal_start").with_detail(format!("signal {signum}: {e}"))
        };
        match &self.signals.receiver {
            Some(sigs) => sigs.add_signal(signum).map_err(err)?,
            None => {
                let mut sigs = Signals::new([signum]).map_err(err)?;
                self.io
                    .poll
                    .registry()
                    .register(&mut sigs, SIGNAL_TOKEN, mio::Interest::READABLE)
                    .map_err(|e| Error::from_io(&e, "epoll_ctl"))?;
                self.io.sources += 1;
                self.signals.receiver = Some(sigs);
            }
        }
        Ok(())
    }

    pub(crate) fn signal_stop_raw(&mut self, id: HandleId) {
        if let Some(pos) = self.signals.handles.iter().position(|&h| h == id) {
            self.signals.handles.swap_remove(pos);
        }
        self.deactivate(id);
    }

    /// Reads pending signals and runs the handles watching each one, oldest first.
    pub(crate) fn deliver_signals(&mut self, s: &mut S) {
        let Some(sigs) = self.signals.receiver.as_mut() else {
            return;
        };
        let mut arrived = [0i32; 32];
        let mut n = 0;
        for sig in sigs.pending() {
            if n < arrived.len() {
                arrived[n] = sig;
                n += 1;
            }
        }
        for &signum in &arrived[..n] {
            let mut i = 0;
            while i < self.signals.handles.len() {
                let id = self.signals.handles[i];
                i += 1;
                let watching = matches!(self.handles.get(id),
                    Some(slot) if slot.is_active()
                        && matches!(slot.data.data, Data::Signal { signum: w } if w == signum));
                if watching {
                    self.dispatch(s, id, signum as u32);
                }
            }
        }
    }
}
