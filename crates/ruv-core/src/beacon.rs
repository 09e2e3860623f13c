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

/// How many nesting levels a beacon keeps: a callback run inside a callback (an immediate
/// inside ruv-node's check handle, a write callback run inside a data callback) is level 2.
/// Deeper callbacks still change the epoch; a sample names their level-4 ancestor.
const LEVELS: usize = 4;

/// One nesting level's callback.
struct Slot {
    kind_ptr: AtomicPtr<u8>,
    kind_len: AtomicUsize,
    site: AtomicPtr<Location<'static>>,
    index: AtomicU32,
    /// The handle's generation; 0: no handle (generations start at 2^32).
    gen: AtomicU64,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            kind_ptr: AtomicPtr::new(std::ptr::null_mut()),
            kind_len: AtomicUsize::new(0),
            site: AtomicPtr::new(std::ptr::null_mut()),
            index: AtomicU32::new(0),
            gen: AtomicU64::new(0),
        }
    }
}

/// Where a loop publishes the callback it is running (see the [module docs](self)).
///
/// Written by the loop thread only, read by any thread with [`Beacon::sample`]: a seqlock
/// whose sequence word holds the epoch (bumped at every callback start and end) and the
/// nesting depth (0: no callback). A callback's start writes its level's slot after a
/// release fence, then the sequence word; its end writes the sequence word only.
pub struct Beacon {
    /// `epoch << 8 | depth`.
    seq: AtomicU64,
    slots: [Slot; LEVELS],
    /// The label and the depth of the callback that set it.
    label: Mutex<Option<(u8, Label)>>,
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
            seq: AtomicU64::new(0),
            slots: std::array::from_fn(|_| Slot::new()),
            label: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    /// What the loop is running now: a consistent reading of the epoch, the callback and its
    /// label. Never blocks the loop (the loop takes the label's lock only when a callback
    /// sets or leaves a label).
    pub fn sample(&self) -> BeaconSample {
        loop {
            let s1 = self.seq.load(Acquire);
            let (epoch, depth) = (s1 >> 8, (s1 & 0xff) as u8);
            if depth == 0 {
                return BeaconSample {
                    epoch,
                    callback: None,
                    label: None,
                };
            }
            let slot = &self.slots[usize::from(depth).min(LEVELS) - 1];
            let kind_ptr = slot.kind_ptr.load(Relaxed);
            let kind_len = slot.kind_len.load(Relaxed);
            let site = slot.site.load(Relaxed);
            let index = slot.index.load(Relaxed);
            let gen = slot.gen.load(Relaxed);
            fence(Acquire);
            if self.seq.load(Relaxed) != s1 {
                continue;
            }
            // SAFETY: the sequence word did not change while the slot was read, so the slot
            // holds what `Publisher::enter` stored there for the callback at this depth (it
            // writes a slot after a release fence that follows its last sequence store, and
            // stores the sequence after it), and a slot at a live depth was written before
            // the depth was published: `kind_ptr` and `kind_len` come from one
            // `&'static str`, `site` from one
            // `&'static Location`, valid for the whole program.
            let (kind, site) = unsafe {
                let bytes = std::slice::from_raw_parts(kind_ptr.cast_const(), kind_len);
                (std::str::from_utf8_unchecked(bytes), &*site.cast_const())
            };
            let id = (gen != 0).then_some(HandleId { index, gen });
            let label = self
                .label
                .lock()
                .as_ref()
                .filter(|(at, _)| *at == depth)
                .map(|(_, l)| l.clone());
            return BeaconSample {
                epoch,
                callback: Some(CallbackInfo { kind, id, site }),
                label,
            };
        }
    }

    /// Whether the loop was dropped (a watchdog thread ends then).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }
}

/// The loop's side of its beacon, the only writer: it keeps the epoch and the depth, so
/// publishing is stores only.
pub(crate) struct Publisher {
    beacon: Arc<Beacon>,
    /// The sequence word last stored: `epoch << 8 | depth`.
    word: u64,
    /// The depth whose callback set the label, if one is set.
    labelled: Option<u8>,
}

impl Publisher {
    fn new(beacon: Arc<Beacon>) -> Publisher {
        Publisher {
            beacon,
            word: 0,
            labelled: None,
        }
    }

    /// The nesting depth now.
    #[inline(always)]
    fn depth(&self) -> u8 {
        self.word as u8
    }

    /// A callback starts, one level deeper. Out of line, so that the unwatched loop's
    /// dispatch code stays as it was.
    #[inline(never)]
    pub(crate) fn enter(&mut self, info: &CallbackInfo) {
        let depth = self.depth();
        if let Some(slot) = self.beacon.slots.get(usize::from(depth)) {
            fence(Release);
            slot.kind_ptr.store(info.kind.as_ptr().cast_mut(), Relaxed);
            slot.kind_len.store(info.kind.len(), Relaxed);
            slot.site
                .store(std::ptr::from_ref(info.site).cast_mut(), Relaxed);
            let (index, gen) = info.id.map_or((0, 0), |id| (id.index, id.gen));
            slot.index.store(index, Relaxed);
            slot.gen.store(gen, Relaxed);
        }
        // the next epoch, one level deeper (a depth of 255 stays: it never happens)
        self.word += (1 << 8) + u64::from(depth < u8::MAX);
        self.beacon.seq.store(self.word, Release);
    }

    /// The callback at the current depth ended; `outer`: whether the callback it was nested
    /// in (if any) is still running (`false` also leaves depth 0 after an unwind).
    #[inline(never)]
    pub(crate) fn leave(&mut self, outer: bool) {
        let depth = self.depth();
        let next = if outer { depth.saturating_sub(1) } else { 0 };
        self.word = ((self.word >> 8) + 1) << 8 | u64::from(next);
        self.beacon.seq.store(self.word, Release);
        if self.labelled.is_some_and(|at| next < at) {
            self.drop_label();
        }
    }

    /// The callback that set the label (or one it was nested in) returned.
    #[cold]
    fn drop_label(&mut self) {
        self.labelled = None;
        *self.beacon.label.lock() = None;
    }

    fn set_label(&mut self, label: Option<Label>) {
        let depth = self.depth();
        self.labelled = label.as_ref().map(|_| depth);
        *self.beacon.label.lock() = label.map(|l| (depth, l));
    }

    /// The loop is dropped: nothing runs any more, and watchdog threads end.
    pub(crate) fn close(&mut self) {
        self.leave(false);
        self.beacon.closed.store(true, Release);
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
    /// dropped, the loop stops publishing (checked before it blocks in poll and when
    /// [`run`](Loop::run) returns).
    pub fn callback_beacon(&mut self) -> Arc<Beacon> {
        if let Some(p) = &self.beacon {
            return p.beacon.clone();
        }
        let b = Arc::new(Beacon::new());
        let mut p = Publisher::new(b.clone());
        if let Some(info) = &self.current {
            p.enter(info);
        }
        self.beacon = Some(p);
        b
    }

    /// Labels the work the running callback does (a route such as `"/slow"`, a job name):
    /// watchdog reports name it. The label holds until the callback returns (it is not shown
    /// while a callback nested in it runs), or until [`clear_label`](Loop::clear_label).
    /// Without a beacon (no watchdog) it is dropped at once: a `&'static str` label then
    /// costs one branch.
    #[inline]
    pub fn set_label(&mut self, label: impl Into<Label>) {
        if let Some(p) = &mut self.beacon {
            p.set_label(Some(label.into()));
        }
    }

    /// Removes the running callback's label.
    #[inline]
    pub fn clear_label(&mut self) {
        if let Some(p) = &mut self.beacon {
            p.set_label(None);
        }
    }

    /// A callback starts: it is the current one (published when a beacon is installed).
    #[inline(always)]
    pub(crate) fn enter_callback(&mut self, info: CallbackInfo) {
        self.current = Some(info);
        if let (Some(p), Some(info)) = (&mut self.beacon, &self.current) {
            p.enter(info);
        }
    }

    /// The current callback returned: `prev`, the one it was nested in, is current again.
    #[inline(always)]
    pub(crate) fn leave_callback(&mut self, prev: Option<CallbackInfo>) {
        self.current = prev;
        if let Some(p) = &mut self.beacon {
            p.leave(prev.is_some());
        }
    }

    /// No callback runs (an unwind is under way, or a phase starts afresh).
    #[inline]
    pub(crate) fn clear_current(&mut self) {
        self.current = None;
        if let Some(p) = &mut self.beacon {
            p.leave(false);
        }
    }

    /// Publishes the after-callback hook (ruv-node's tick and microtask drain) as a callback
    /// nested in the current one, without changing [`Loop::current_callback`].
    #[inline]
    pub(crate) fn enter_hook(&mut self, info: CallbackInfo) {
        if let Some(p) = &mut self.beacon {
            p.enter(&info);
        }
    }

    /// The hook returned.
    #[inline]
    pub(crate) fn leave_hook(&mut self) {
        let outer = self.current.is_some();
        if let Some(p) = &mut self.beacon {
            p.leave(outer);
        }
    }

    /// Drops the beacon once nobody else holds it (checked before the loop blocks in poll
    /// and when `run` returns).
    #[inline]
    pub(crate) fn release_unwatched_beacon(&mut self) {
        if self
            .beacon
            .as_ref()
            .is_some_and(|p| Arc::strong_count(&p.beacon) == 1)
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
        let mut publisher = Publisher::new(beacon.clone());
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
                    seen[i] += 1;
                }
                seen
            })
        };
        // one level, rewritten by every other callback
        for n in 0..300_000 {
            publisher.enter(infos[n % 2].as_ref().unwrap());
            publisher.leave(false);
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
        // the outer callback's label: not the nested one's, the outer's again after it
        assert_eq!(log[0].label.as_deref(), Some("outer"));
        assert_eq!(log[1].label, None);
        assert_eq!(log[2].label.as_deref(), Some("outer"));
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
