//! The callback beacon: which callback the loop is running, published for another thread.
//!
//! A watchdog (ruv-perf's `Watchdog`) asks the loop for its [`Beacon`] with
//! [`Loop::callback_beacon`]; from then on every top-level callback the dispatch helpers run
//! is published into it: when a callback starts, its kind, handle and registration site are
//! stored and an epoch counter is bumped; when it ends the epoch is bumped again (and the
//! callback it was nested in, if any, is published anew). The loop reads no clock for this:
//! the watchdog thread samples the epoch, and an epoch that stays the same while a callback
//! is running tells it that callback has not returned.
//!
//! Without a beacon (the default) a callback costs one not-taken branch on an `Option`.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! let mut lp: Loop<()> = Loop::new()?;
//! let beacon = lp.callback_beacon(); // Send + Sync: sample it from any thread
//! assert!(beacon.sample().callback.is_none());
//! Timer::new(&mut lp)?.start(&mut lp, 0, 0, move |lp, _, _| {
//!     lp.set_label("work");
//!     let now = lp.callback_beacon().sample();
//!     assert_eq!(now.callback.unwrap().kind, "timer");
//!     assert_eq!(now.label.as_deref(), Some("work"));
//! })?;
//! lp.run(RunMode::Default, &mut ())?;
//! assert!(beacon.sample().callback.is_none());
//! # Ok::<(), ruv_core::Error>(())
//! ```

use crate::event_loop::Loop;
use crate::registry::{CallbackInfo, HandleId};
use parking_lot::Mutex;
use std::panic::Location;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::Arc;

/// A label the program puts on the work the current callback does (a route, a job name),
/// shown by watchdog reports: a `&'static str` costs nothing to set, other strings are
/// shared (`Arc<str>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    /// A static string (no allocation).
    Static(&'static str),
    /// A shared string.
    Shared(Arc<str>),
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Label::Static(s) => s,
            Label::Shared(s) => s,
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl From<&'static str> for Label {
    fn from(s: &'static str) -> Label {
        Label::Static(s)
    }
}

impl From<String> for Label {
    fn from(s: String) -> Label {
        Label::Shared(s.into())
    }
}

impl From<Arc<str>> for Label {
    fn from(s: Arc<str>) -> Label {
        Label::Shared(s)
    }
}

/// Where a loop publishes the callback it is running (see the [module docs](self)).
///
/// Written by the loop thread only (a seqlock: the epoch is odd while a callback runs, even
/// between callbacks, and the fields are written between a release fence and the epoch's
/// release store), read by any thread with [`Beacon::sample`].
pub struct Beacon {
    epoch: AtomicU64,
    kind_ptr: AtomicPtr<u8>,
    kind_len: AtomicUsize,
    site: AtomicPtr<Location<'static>>,
    index: AtomicU32,
    /// The handle's generation; 0: no handle (generations start at 2^32).
    gen: AtomicU64,
    /// The label and the epoch of the callback that set it.
    label: Mutex<Option<(u64, Label)>>,
    closed: AtomicBool,
}

/// One reading of a [`Beacon`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeaconSample {
    /// Bumped when a callback starts and when it ends: the same epoch in two readings with a
    /// callback running means that callback ran all the time in between.
    pub epoch: u64,
    /// The callback running (`None`: the loop is between callbacks, polling or gone).
    pub callback: Option<CallbackInfo>,
    /// The label the running callback set with [`Loop::set_label`], if any.
    pub label: Option<Label>,
}

impl Beacon {
    fn new() -> Beacon {
        Beacon {
            epoch: AtomicU64::new(0),
            kind_ptr: AtomicPtr::new(std::ptr::null_mut()),
            kind_len: AtomicUsize::new(0),
            site: AtomicPtr::new(std::ptr::null_mut()),
            index: AtomicU32::new(0),
            gen: AtomicU64::new(0),
            label: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    /// Publishes the callback now running (`None`: none). Loop thread only.
    #[inline]
    pub(crate) fn publish(&self, info: Option<CallbackInfo>) {
        let e = self.epoch.load(Relaxed);
        match info {
            Some(info) => {
                // odd: a callback runs. The epoch is bumped to even first when one running
                // callback replaces another, so a reader never pairs old fields with the new
                // odd epoch.
                let next = if e & 1 == 1 {
                    self.epoch.store(e + 1, Relaxed);
                    e + 2
                } else {
                    e + 1
                };
                fence(Release);
                self.kind_ptr.store(info.kind.as_ptr().cast_mut(), Relaxed);
                self.kind_len.store(info.kind.len(), Relaxed);
                self.site
                    .store(std::ptr::from_ref(info.site).cast_mut(), Relaxed);
                let (index, gen) = info.id.map_or((0, 0), |id| (id.index, id.gen));
                self.index.store(index, Relaxed);
                self.gen.store(gen, Relaxed);
                self.epoch.store(next, Release);
            }
            None => {
                if e & 1 == 1 {
                    self.epoch.store(e + 1, Release);
                }
            }
        }
    }

    /// What the loop is running now: a consistent reading of the epoch, the callback and its
    /// label. Never blocks the loop (the loop takes the label's lock only in
    /// [`Loop::set_label`]).
    pub fn sample(&self) -> BeaconSample {
        loop {
            let e1 = self.epoch.load(Acquire);
            if e1 & 1 == 0 {
                return BeaconSample {
                    epoch: e1,
                    callback: None,
                    label: None,
                };
            }
            let kind_ptr = self.kind_ptr.load(Relaxed);
            let kind_len = self.kind_len.load(Relaxed);
            let site = self.site.load(Relaxed);
            let index = self.index.load(Relaxed);
            let gen = self.gen.load(Relaxed);
            fence(Acquire);
            if self.epoch.load(Relaxed) != e1 {
                continue;
            }
            // SAFETY: the epoch did not change while the fields were read, so they are the
            // ones `publish` stored together for epoch `e1` (it writes them after a release
            // fence that follows its last epoch store, and stores `e1` after them): `kind_ptr`
            // and `kind_len` come from one `&'static str`, `site` from one
            // `&'static Location`, both valid for the whole program.
            let (kind, site) = unsafe {
                let bytes = std::slice::from_raw_parts(kind_ptr.cast_const(), kind_len);
                (std::str::from_utf8_unchecked(bytes), &*site.cast_const())
            };
            let id = (gen != 0).then_some(HandleId { index, gen });
            let label = self
                .label
                .lock()
                .as_ref()
                .filter(|(at, _)| *at == e1)
                .map(|(_, l)| l.clone());
            return BeaconSample {
                epoch: e1,
                callback: Some(CallbackInfo { kind, id, site }),
                label,
            };
        }
    }

    /// Whether the loop was dropped (a watchdog thread ends then).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    pub(crate) fn close(&self) {
        self.publish(None);
        self.closed.store(true, Release);
    }

    fn set_label(&self, label: Option<Label>) {
        let e = self.epoch.load(Relaxed);
        *self.label.lock() = label.map(|l| (e, l));
    }
}

impl std::fmt::Debug for Beacon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.sample();
        f.debug_struct("Beacon")
            .field("epoch", &s.epoch)
            .field("callback", &s.callback)
            .field("label", &s.label)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<S> Loop<S> {
    /// The loop's callback beacon, created on first use: from then on every callback the
    /// loop runs is published into it (see [`Beacon`]). When every clone handed out is
    /// dropped, the loop stops publishing (checked once per iteration).
    pub fn callback_beacon(&mut self) -> Arc<Beacon> {
        match &self.beacon {
            Some(b) => b.clone(),
            None => {
                let b = Arc::new(Beacon::new());
                b.publish(self.current);
                self.beacon = Some(b.clone());
                b
            }
        }
    }

    /// Labels the work the running callback does (a route such as `"/slow"`, a job name):
    /// watchdog reports name it. The label holds until the callback returns (or a callback
    /// nested in it starts), or until [`clear_label`](Loop::clear_label). Without a beacon
    /// (no watchdog) it is dropped at once: a `&'static str` label then costs one branch.
    #[inline]
    pub fn set_label(&mut self, label: impl Into<Label>) {
        if let Some(b) = &self.beacon {
            b.set_label(Some(label.into()));
        }
    }

    /// Removes the running callback's label.
    #[inline]
    pub fn clear_label(&mut self) {
        if let Some(b) = &self.beacon {
            b.set_label(None);
        }
    }

    /// Records `info` as the callback running now, publishing it when a beacon is installed.
    #[inline(always)]
    pub(crate) fn set_current(&mut self, info: Option<CallbackInfo>) {
        self.current = info;
        if let Some(b) = &self.beacon {
            b.publish(info);
        }
    }

    /// Drops the beacon once nobody else holds it (called once per iteration).
    #[inline]
    pub(crate) fn release_unwatched_beacon(&mut self) {
        if self
            .beacon
            .as_ref()
            .is_some_and(|b| Arc::strong_count(b) == 1)
        {
            self.beacon = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RunMode, Timer};
    use std::sync::atomic::Ordering;

    #[test]
    fn a_sample_never_mixes_the_fields_of_two_callbacks() {
        let beacon = Arc::new(Beacon::new());
        let a = Location::caller();
        let b = Location::caller();
        assert_ne!(a, b);
        let infos = [
            Some(CallbackInfo {
                kind: "a",
                id: None,
                site: a,
            }),
            Some(CallbackInfo {
                kind: "bb",
                id: Some(HandleId {
                    index: 7,
                    gen: 1 << 40,
                }),
                site: b,
            }),
            None,
        ];
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (beacon, done) = (beacon.clone(), done.clone());
            std::thread::spawn(move || {
                let mut seen = [0u64; 3];
                while !done.load(Ordering::Relaxed) {
                    let s = beacon.sample();
                    let i = infos
                        .iter()
                        .position(|i| *i == s.callback)
                        .expect("torn read");
                    assert_eq!(i == 2, s.epoch % 2 == 0);
                    seen[i] += 1;
                }
                seen
            })
        };
        for n in 0..300_000 {
            beacon.publish(infos[n % 3]);
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap();
    }

    #[test]
    fn a_nested_callback_is_published_and_its_outer_one_again_after_it() {
        let mut lp: Loop<Vec<BeaconSample>> = Loop::new().unwrap();
        let beacon = lp.callback_beacon();
        Timer::new(&mut lp)
            .unwrap()
            .start(&mut lp, 0, 0, |lp, log, _| {
                lp.set_label("outer");
                log.push(lp.callback_beacon().sample());
                lp.run_callback(log, "inner", None, Location::caller(), |lp, log| {
                    log.push(lp.callback_beacon().sample());
                    Ok(())
                });
                log.push(lp.callback_beacon().sample());
            })
            .unwrap();
        let mut log = Vec::new();
        lp.run(RunMode::Default, &mut log).unwrap();
        let kinds: Vec<_> = log.iter().map(|s| s.callback.unwrap().kind).collect();
        assert_eq!(kinds, ["timer", "inner", "timer"]);
        assert!(log[0].epoch < log[1].epoch && log[1].epoch < log[2].epoch);
        // the label belonged to the outer callback's first stretch
        assert_eq!(log[0].label.as_deref(), Some("outer"));
        assert_eq!((log[1].label.as_ref(), log[2].label.as_ref()), (None, None));
        assert!(beacon.sample().callback.is_none());
    }

    #[test]
    fn a_label_ends_with_its_callback() {
        let mut lp: Loop<Vec<Option<Label>>> = Loop::new().unwrap();
        let _beacon = lp.callback_beacon();
        for (at, label) in [(0, Some("first")), (1, None)] {
            Timer::new(&mut lp)
                .unwrap()
                .start(&mut lp, at, 0, move |lp, log, _| {
                    if let Some(l) = label {
                        lp.set_label(l);
                    }
                    log.push(lp.callback_beacon().sample().label);
                    lp.clear_label();
                    log.push(lp.callback_beacon().sample().label);
                })
                .unwrap();
        }
        let mut log = Vec::new();
        lp.run(RunMode::Default, &mut log).unwrap();
        assert_eq!(log, [Some(Label::Static("first")), None, None, None]);
    }

    #[test]
    fn the_loop_stops_publishing_once_nobody_holds_the_beacon() {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let weak = Arc::downgrade(&lp.callback_beacon());
        Timer::new(&mut lp)
            .unwrap()
            .start(&mut lp, 0, 0, |_, _, _| {})
            .unwrap();
        lp.run(RunMode::Default, &mut ()).unwrap();
        assert!(weak.upgrade().is_none());
        assert!(lp.beacon.is_none());
    }

    #[test]
    fn dropping_the_loop_closes_its_beacon() {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let beacon = lp.callback_beacon();
        assert!(!beacon.is_closed());
        drop(lp);
        assert!(beacon.is_closed());
        assert!(beacon.sample().callback.is_none());
    }
}
