//! The callback beacon: which callback the loop is running, published for another thread.
//!
//! The loop keeps its record of the running callback (kind, handle, registration site:
//! what [`Loop::current_callback`] returns) in atomics inside its [`Beacon`], so that
//! another thread can read it. A watchdog (ruv-perf's `Watchdog`) asks for the beacon with
//! [`Loop::callback_beacon`]; from then on every change of the running callback is
//! bracketed by a seqlock whose sequence word holds an epoch, bumped when a callback starts
//! and when it ends. The loop reads no clock for this: the watchdog thread samples the
//! epoch, and an epoch that stays the same while a callback runs tells it that callback has
//! not returned.
//!
//! Unwatched (the default), a callback costs the stores that record it, as it always did,
//! and one not-taken branch; watched, two more stores and the epoch's arithmetic
//! (docs/perf.md has the instruction counts).
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

/// The seqlock's "being written" mark (the epoch never reaches bit 63).
const WRITING: u64 = 1 << 63;

/// The running callback, in atomics: the loop's only record of it ([`Loop::current_callback`]
/// reads it back), so that publishing it to a watchdog costs no second copy.
struct Current {
    kind_ptr: AtomicPtr<u8>,
    kind_len: AtomicUsize,
    /// Null: no callback.
    site: AtomicPtr<Location<'static>>,
    index: AtomicU32,
    /// The handle's generation; 0: no handle (generations start at 2^32).
    gen: AtomicU64,
}

/// What [`Current`] holds, read field by field.
#[derive(Clone, Copy)]
pub(crate) struct Raw {
    kind_ptr: *mut u8,
    kind_len: usize,
    site: *mut Location<'static>,
    index: u32,
    gen: u64,
}

impl Current {
    fn new() -> Current {
        Current {
            kind_ptr: AtomicPtr::new(std::ptr::null_mut()),
            kind_len: AtomicUsize::new(0),
            site: AtomicPtr::new(std::ptr::null_mut()),
            index: AtomicU32::new(0),
            gen: AtomicU64::new(0),
        }
    }

    /// Plain stores: only the loop thread writes, and a watched loop brackets them with
    /// the sequence stores of [`Publisher`]'s `enter`, `rewrite` and `leave_all`.
    #[inline(always)]
    fn store(&self, info: Option<&CallbackInfo>) {
        match info {
            Some(info) => self.restore(Raw::of(info)),
            None => self.site.store(std::ptr::null_mut(), Relaxed),
        }
    }

    /// Stores `raw`: the fields of one callback (the loop thread's own earlier
    /// [`load`](Current::load), or [`Raw::of`]).
    #[inline(always)]
    fn restore(&self, raw: Raw) {
        self.kind_ptr.store(raw.kind_ptr, Relaxed);
        self.kind_len.store(raw.kind_len, Relaxed);
        self.site.store(raw.site, Relaxed);
        self.index.store(raw.index, Relaxed);
        self.gen.store(raw.gen, Relaxed);
    }

    #[inline(always)]
    fn load(&self) -> Raw {
        Raw {
            kind_ptr: self.kind_ptr.load(Relaxed),
            kind_len: self.kind_len.load(Relaxed),
            site: self.site.load(Relaxed),
            index: self.index.load(Relaxed),
            gen: self.gen.load(Relaxed),
        }
    }
}

impl Raw {
    /// The fields [`Current::store`] writes for `info`.
    #[inline(always)]
    fn of(info: &CallbackInfo) -> Raw {
        let (index, gen) = match info.id {
            Some(id) => (id.index, id.gen),
            None => (0, 0),
        };
        Raw {
            kind_ptr: info.kind.as_ptr().cast_mut(),
            kind_len: info.kind.len(),
            site: std::ptr::from_ref(info.site).cast_mut(),
            index,
            gen,
        }
    }

    /// The callback these fields describe.
    ///
    /// # Safety
    /// The fields must come from one [`Current::store`] of `Some(info)` (or of `None`, which
    /// nulls `site`): read by the loop thread, the only writer, or under the seqlock.
    #[inline(always)]
    unsafe fn info(self) -> Option<CallbackInfo> {
        if self.site.is_null() {
            return None;
        }
        // SAFETY: per this function's contract the fields are one store's: `kind_ptr` and
        // `kind_len` come from one `&'static str`, `site` from one `&'static Location`,
        // valid for the whole program.
        let (kind, site) = unsafe {
            let bytes = std::slice::from_raw_parts(self.kind_ptr.cast_const(), self.kind_len);
            (
                std::str::from_utf8_unchecked(bytes),
                &*self.site.cast_const(),
            )
        };
        let id = (self.gen != 0).then_some(HandleId {
            index: self.index,
            gen: self.gen,
        });
        Some(CallbackInfo { kind, id, site })
    }
}

/// Where a loop publishes the callback it is running (see the [module docs](self)).
///
/// The loop writes it, any thread reads it with [`Beacon::sample`]. The running callback is
/// kept here whether or not anyone watches (it is the loop's only record of it); once a
/// watchdog holds the beacon, every change is bracketed by a seqlock whose sequence word
/// holds the epoch (bumped at every callback start and end) and the nesting depth (0: no
/// callback), so a reader never sees half of one callback and half of another.
pub struct Beacon {
    /// `epoch << 8 | depth`, or that with [`WRITING`] while the loop rewrites `current`
    /// inside a callback.
    seq: AtomicU64,
    current: Current,
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
    /// The callback running, the innermost if one runs inside another (`None`: the loop is
    /// between callbacks, polling or gone).
    pub callback: Option<CallbackInfo>,
    /// The label the running callback set with [`Loop::set_label`], if any.
    pub label: Option<Label>,
}

impl Beacon {
    fn new() -> Beacon {
        Beacon {
            seq: AtomicU64::new(0),
            current: Current::new(),
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
            if s1 & WRITING != 0 {
                // the loop is between the two stores of one publish: a few instructions
                std::hint::spin_loop();
                continue;
            }
            let (epoch, depth) = (s1 >> 8, (s1 & 0xff) as u8);
            if depth == 0 {
                return BeaconSample {
                    epoch,
                    callback: None,
                    label: None,
                };
            }
            let raw = self.current.load();
            fence(Acquire);
            if self.seq.load(Relaxed) != s1 {
                continue;
            }
            // SAFETY: the sequence word was the same published (not WRITING) value, at a
            // depth above 0, before and after the fields were read. Every later rewrite of
            // the fields follows, behind a release fence, a sequence store that differs from
            // `s1`: `Publisher::rewrite` and a nested `enter` store WRITING first; an `enter`
            // at depth 0 follows the depth-0 word of the `leave_all` before it; `leave_all`
            // stores its new word before it clears the record. Had any field read come from
            // such a rewrite, the acquire fence above would make that store (or a later one)
            // visible to the second load. So all fields are from the one store `s1`
            // published.
            let callback = unsafe { raw.info() };
            let label = self
                .label
                .lock()
                .as_ref()
                .filter(|(at, _)| *at == depth)
                .map(|(_, l)| l.clone());
            return BeaconSample {
                epoch,
                callback,
                label,
            };
        }
    }

    /// Whether the loop was dropped (a watchdog thread ends then).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }
}

/// The loop's side of a watched beacon: it keeps the epoch and the depth, so publishing is
/// stores only. `None` in the loop while nobody watches.
pub(crate) struct Publisher {
    /// The sequence word last stored: `epoch << 8 | depth`.
    word: u64,
    /// The depth of the callback that set the label; 0: no label.
    labelled: u8,
}

impl Publisher {
    /// The nesting depth now.
    #[inline(always)]
    fn depth(&self) -> u8 {
        self.word as u8
    }

    /// A callback starts, one level deeper. From depth 0 no reader is inside the fields (the
    /// word last stored says "no callback"), so the fields are written after a release
    /// fence only; from inside a callback they are marked as being written first.
    #[inline(always)]
    fn enter(&mut self, b: &Beacon, info: &CallbackInfo) {
        if self.depth() > 0 {
            b.seq.store(self.word | WRITING, Relaxed);
        }
        fence(Release);
        b.current.store(Some(info));
        self.word += (1 << 8) + 1;
        b.seq.store(self.word, Release);
    }

    /// No callback runs any more: the word says so first, then the record is cleared (a
    /// reader that sees the cleared record sees the new word, and retries).
    #[inline(always)]
    fn leave_all(&mut self, b: &Beacon) {
        self.word = ((self.word >> 8) + 1) << 8;
        b.seq.store(self.word, Release);
        fence(Release);
        b.current.store(None);
        if self.labelled != 0 {
            self.drop_label(b);
        }
    }

    /// `raw` (a callback, never `None`) runs at the depth of the sequence word `word` (a
    /// nested callback returned to it, or it is restored after a panic): rewritten inside
    /// the seqlock.
    #[inline(always)]
    fn rewrite(&mut self, b: &Beacon, raw: Raw, word: u64) {
        b.seq.store(self.word | WRITING, Relaxed);
        fence(Release);
        b.current.restore(raw);
        self.word = word;
        b.seq.store(word, Release);
        if (word as u8) < self.labelled {
            self.drop_label(b);
        }
    }

    /// The next epoch, one level up but still inside a callback.
    #[inline(always)]
    fn shallower(&self) -> u64 {
        self.word + (1 << 8) - u64::from(self.depth() > 1)
    }

    /// The next epoch at the same depth, at least 1.
    #[inline(always)]
    fn inside(&self) -> u64 {
        self.word + (1 << 8) + u64::from(self.depth() == 0)
    }

    /// The callback that set the label (or one it was nested in) returned.
    #[cold]
    fn drop_label(&mut self, b: &Beacon) {
        self.labelled = 0;
        *b.label.lock() = None;
    }

    /// Outside any callback (depth 0) there is nothing to label.
    fn set_label(&mut self, b: &Beacon, label: Option<Label>) {
        let depth = self.depth();
        let label = label.filter(|_| depth > 0);
        self.labelled = if label.is_some() { depth } else { 0 };
        *b.label.lock() = label.map(|l| (depth, l));
    }
}

/// The loop's beacon: created with the loop, written whether watched or not.
pub(crate) fn new_beacon() -> Arc<Beacon> {
    Arc::new(Beacon::new())
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
    /// The loop's callback beacon: from the first call on, every callback the loop runs is
    /// published into it (see [`Beacon`]). When every clone handed out is dropped (and no
    /// `Weak` to it is left), the loop stops publishing (checked before it blocks in poll
    /// and when [`run`](Loop::run) returns).
    pub fn callback_beacon(&mut self) -> Arc<Beacon> {
        if self.publisher.is_none() {
            // continue the epoch a former watcher saw; depth 1 if a callback runs now
            let epoch = (self.beacon.seq.load(Relaxed) & !WRITING) >> 8;
            let depth = u64::from(self.current_callback().is_some());
            let word = (epoch + 1) << 8 | depth;
            self.beacon.seq.store(word, Release);
            self.publisher = Some(Publisher { word, labelled: 0 });
        }
        self.beacon.clone()
    }

    /// Labels the work the running callback does (a route such as `"/slow"`, a job name):
    /// watchdog reports name it. The label holds until the callback returns (it is not shown
    /// while a callback nested in it runs), or until [`clear_label`](Loop::clear_label).
    /// Without a beacon (no watchdog) it is dropped at once: a `&'static str` label then
    /// costs one branch.
    #[inline]
    pub fn set_label(&mut self, label: impl Into<Label>) {
        if let Some(p) = &mut self.publisher {
            p.set_label(&self.beacon, Some(label.into()));
        }
    }

    /// Removes the running callback's label.
    #[inline]
    pub fn clear_label(&mut self) {
        if let Some(p) = &mut self.publisher {
            p.set_label(&self.beacon, None);
        }
    }

    /// The callback running now (kind, handle, registration site), if any. Inside the
    /// after-callback hook (ruv-node's tick and microtask drain) that is the hook, kind
    /// `"ticks"`.
    #[inline]
    pub fn current_callback(&self) -> Option<CallbackInfo> {
        // SAFETY: the loop thread (which holds `&self`) is the only writer of `current`:
        // it reads back its own last store.
        unsafe { self.beacon.current.load().info() }
    }

    /// A callback starts: it is the current one, one level deeper.
    #[inline(always)]
    pub(crate) fn enter_callback(&mut self, info: CallbackInfo) {
        match &mut self.publisher {
            None => self.beacon.current.store(Some(&info)),
            Some(p) => p.enter(&self.beacon, &info),
        }
    }

    /// The running callback, to hand back to [`leave_callback`](Loop::leave_callback) when
    /// a callback nested in it returns.
    #[inline(always)]
    pub(crate) fn save_current(&self) -> Raw {
        self.beacon.current.load()
    }

    /// The current callback returned: `prev` (from [`save_current`](Loop::save_current)
    /// before it started), the one it was nested in if any, is current again.
    #[inline(always)]
    pub(crate) fn leave_callback(&mut self, prev: Raw) {
        match &mut self.publisher {
            None => self.beacon.current.restore(prev),
            Some(p) if prev.site.is_null() => p.leave_all(&self.beacon),
            Some(p) => {
                let word = p.shallower();
                p.rewrite(&self.beacon, prev, word);
            }
        }
    }

    /// No callback runs (an unwind is under way, or a phase starts afresh).
    #[inline]
    pub(crate) fn clear_current(&mut self) {
        match &mut self.publisher {
            None => self.beacon.current.store(None),
            Some(p) => p.leave_all(&self.beacon),
        }
    }

    /// A callback that panicked is current again, for `run`'s recovery (which stops its
    /// handle) to find.
    #[inline]
    pub(crate) fn restore_current(&mut self, info: CallbackInfo) {
        match &mut self.publisher {
            None => self.beacon.current.store(Some(&info)),
            Some(p) => {
                let word = p.inside();
                let raw = Raw::of(&info);
                p.rewrite(&self.beacon, raw, word);
            }
        }
    }

    /// Drops the publisher once nobody else can read the beacon (checked before the loop
    /// blocks in poll and when `run` returns).
    #[inline]
    pub(crate) fn release_unwatched_beacon(&mut self) {
        if self.publisher.is_some() && Arc::get_mut(&mut self.beacon).is_some() {
            self.publisher = None;
            *self.beacon.label.lock() = None;
        }
    }

    /// The loop is dropped: nothing runs any more, and watchdog threads end.
    pub(crate) fn close_beacon(&mut self) {
        if self.publisher.is_some() {
            self.clear_current();
        }
        self.beacon.closed.store(true, Release);
    }
}

#[cfg(test)]
#[path = "beacon_tests.rs"]
mod tests;
