//! The one handle model: generational ids, the registry that holds handles of one type, the
//! liveness flags every handle carries, and callbacks that remember where they were
//! registered.
//!
//! Every layer keeps its handles in a [`Registry`]: ruv-core its timers, watchers, I/O and
//! signal handles and its work requests; ruv-net its sockets; ruv-fs and ruv-zlib their
//! streams; ruv-node its immediates. A registry is a slab whose slots carry a 64-bit
//! generation drawn from one process-wide sequence, so an id never names a later handle,
//! in this registry or any other (see [`HandleId`]).
//!
//! ```
//! use ruv_core::registry::{Handle, Registry};
//!
//! let mut reg: Registry<Handle<&str>> = Registry::new();
//! let a = reg.insert(Handle::new("a"));
//! assert_eq!(reg.get(a).map(|h| h.data), Some("a"));
//! reg.remove(a);
//! let b = reg.insert(Handle::new("b")); // reuses the slot, with a new generation
//! assert!(reg.get(a).is_none());        // the stale id names nothing
//! assert_eq!(reg.get(b).map(|h| h.data), Some("b"));
//! ```
//!
//! The life cycle, the dispatch helper and the two-phase close that use these types are
//! methods of [`Loop`](crate::Loop) (see `docs/architecture.md` for the recipe that adds a
//! handle type).

use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

/// A handle's id: a slot index and a generation. `Copy`; it names its handle until the
/// handle is freed, and nothing after that.
///
/// Generations are 64-bit and drawn from one process-wide sequence, handed to each
/// registry in blocks of 2^32 (so drawing one is a counter increment): an id is never
/// reused, whatever the registry, loop or thread, for as long as a process can run.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandleId {
    pub(crate) index: u32,
    pub(crate) gen: u64,
}

impl HandleId {
    /// The slot index (stable while the handle lives; reused after it is freed).
    pub fn index(self) -> u32 {
        self.index
    }

    /// The generation: unique in the process.
    pub fn generation(self) -> u64 {
        self.gen
    }
}

impl fmt::Debug for HandleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HandleId({}#{})", self.index, self.gen)
    }
}

const GEN_BLOCK: u64 = 1 << 32;
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

/// A fresh block of generations no one else draws from: `(first, end)`.
fn gen_block() -> (u64, u64) {
    let block = NEXT_BLOCK.fetch_add(1, Ordering::Relaxed);
    let first = block * GEN_BLOCK;
    (first, first + GEN_BLOCK)
}

/// Draws a generation that no id in this process has had or will have (for ids made
/// outside a [`Registry`]).
pub fn next_generation() -> u64 {
    thread_local! {
        static GEN: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }
    GEN.with(|g| {
        let (mut next, mut end) = g.get();
        if next == end {
            (next, end) = gen_block();
        }
        g.set((next + 1, end));
        next
    })
}

/// A slab of `T` addressed by [`HandleId`]s.
///
/// Freed slots are reused (so the table stays dense), each time with a fresh generation;
/// every lookup checks the generation, so a stale id finds nothing.
pub struct Registry<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    /// The registry's next generation and the end of its block.
    next_gen: u64,
    gen_end: u64,
}

struct Slot<T> {
    gen: u64,
    value: Option<T>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry::new()
    }
}

impl<T> fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("len", &self.len).finish()
    }
}

impl<T> Registry<T> {
    /// An empty registry.
    pub const fn new() -> Registry<T> {
        Registry {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            next_gen: 0,
            gen_end: 0,
        }
    }

    /// Stores `value` and returns its new id.
    #[inline]
    pub fn insert(&mut self, value: T) -> HandleId {
        if self.next_gen == self.gen_end {
            (self.next_gen, self.gen_end) = gen_block();
        }
        let gen = self.next_gen;
        self.next_gen += 1;
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.gen = gen;
            slot.value = Some(value);
            return HandleId { index, gen };
        }
        let index = u32::try_from(self.slots.len()).expect("fewer than 2^32 live handles");
        self.slots.push(Slot {
            gen,
            value: Some(value),
        });
        HandleId { index, gen }
    }

    /// The value of a live id.
    #[inline]
    pub fn get(&self, id: HandleId) -> Option<&T> {
        match self.slots.get(id.index as usize) {
            Some(s) if s.gen == id.gen => s.value.as_ref(),
            _ => None,
        }
    }

    /// The value of a live id, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: HandleId) -> Option<&mut T> {
        match self.slots.get_mut(id.index as usize) {
            Some(s) if s.gen == id.gen => s.value.as_mut(),
            _ => None,
        }
    }

    /// The id of the live value in slot `index`, if any (for tokens that carry only the
    /// index and part of the generation, such as the poller's).
    #[inline]
    pub fn id_at(&self, index: u32) -> Option<HandleId> {
        match self.slots.get(index as usize) {
            Some(s) if s.value.is_some() => Some(HandleId { index, gen: s.gen }),
            _ => None,
        }
    }

    /// Whether `id` names a live value.
    #[inline]
    pub fn contains(&self, id: HandleId) -> bool {
        self.get(id).is_some()
    }

    /// Removes and returns the value of a live id; `None` (and no change) for a stale one.
    pub fn remove(&mut self, id: HandleId) -> Option<T> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.gen != id.gen {
            return None;
        }
        let value = slot.value.take()?;
        self.free.push(id.index);
        self.len -= 1;
        Some(value)
    }

    /// How many values are stored.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the registry is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids and values stored, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (HandleId, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.value.as_ref().map(|v| {
                (
                    HandleId {
                        index: i as u32,
                        gen: s.gen,
                    },
                    v,
                )
            })
        })
    }
}

const ACTIVE: u8 = 1;
const UNREF: u8 = 2;
const CLOSING: u8 = 4;

/// A handle: the liveness flags every handle type shares, and the type's own data.
///
/// The flags are changed only through [`Loop`](crate::Loop)'s handle methods
/// ([`Loop::handle_set_active`](crate::Loop::handle_set_active),
/// [`Loop::handle_set_ref`](crate::Loop::handle_set_ref),
/// [`Loop::close_handle`](crate::Loop::close_handle)), which keep the loop's one count of
/// active, referenced handles right.
pub struct Handle<T> {
    flags: u8,
    /// The handle type's own state.
    pub data: T,
}

impl<T> Handle<T> {
    /// A new handle: inactive, referenced, open.
    pub fn new(data: T) -> Handle<T> {
        Handle { flags: 0, data }
    }

    /// Whether the handle is active (started, not stopped, not closing).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.flags & ACTIVE != 0
    }

    /// Whether the handle is referenced (an active referenced handle keeps its loop alive).
    #[inline]
    pub fn has_ref(&self) -> bool {
        self.flags & UNREF == 0
    }

    /// Whether `close` was called (its close callback may not have run yet).
    #[inline]
    pub fn is_closing(&self) -> bool {
        self.flags & CLOSING != 0
    }

    /// Sets the active flag; returns the change to the loop's count of active referenced
    /// handles (-1, 0 or 1).
    #[inline]
    pub(crate) fn set_active(&mut self, on: bool) -> isize {
        if self.is_active() == on {
            return 0;
        }
        self.flags ^= ACTIVE;
        match (on, self.has_ref()) {
            (true, true) => 1,
            (false, true) => -1,
            _ => 0,
        }
    }

    /// Sets the referenced flag; returns the change to the loop's count.
    #[inline]
    pub(crate) fn set_ref(&mut self, on: bool) -> isize {
        if self.has_ref() == on {
            return 0;
        }
        self.flags ^= UNREF;
        match (on, self.is_active()) {
            (true, true) => 1,
            (false, true) => -1,
            _ => 0,
        }
    }

    #[inline]
    pub(crate) fn set_closing(&mut self) {
        self.flags |= CLOSING;
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("active", &self.is_active())
            .field("referenced", &self.has_ref())
            .field("closing", &self.is_closing())
            .finish_non_exhaustive()
    }
}

/// A stored callback and the source location where it was registered (kept for the
/// blocked-loop watchdog, tracing and panic reports: [`Loop::current_callback`](crate::Loop::current_callback)).
pub struct Callback<F> {
    /// The callback.
    pub f: F,
    /// Where the program registered it.
    pub site: &'static Location<'static>,
}

impl<F> Callback<F> {
    /// Wraps `f`, recording the caller's location: call it from a `#[track_caller]`
    /// registration API so the location is the program's, not the library's.
    #[track_caller]
    #[inline]
    pub fn new(f: F) -> Callback<F> {
        Callback {
            f,
            site: Location::caller(),
        }
    }

    /// Wraps `f` with an explicit registration site.
    #[inline]
    pub fn at(f: F, site: &'static Location<'static>) -> Callback<F> {
        Callback { f, site }
    }
}

impl<F> fmt::Debug for Callback<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Callback({})", self.site)
    }
}

/// What kind of callback is running, for reports (`"timer"`, `"check"`, `"io"`, `"work"`,
/// `"close"`, `"immediate"`, `"tcp.data"` …). Each layer names its own.
pub type CallbackKind = &'static str;

/// The callback the loop is running: its kind, its handle (if it has one) and where it was
/// registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackInfo {
    /// The kind of callback.
    pub kind: CallbackKind,
    /// The handle or request it belongs to.
    pub id: Option<HandleId>,
    /// Where the program registered it.
    pub site: &'static Location<'static>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_id_never_names_a_later_value_in_its_slot() {
        let mut reg = Registry::new();
        let a = reg.insert(1);
        assert_eq!(reg.remove(a), Some(1));
        assert_eq!(reg.remove(a), None);
        let b = reg.insert(2);
        assert_eq!(a.index(), b.index());
        assert_ne!(a.generation(), b.generation());
        assert_eq!(reg.get(a), None);
        assert_eq!(reg.get(b), Some(&2));
        assert_eq!(reg.len(), 1);
    }

    #[test]
    fn generations_are_unique_across_registries() {
        let mut a = Registry::new();
        let mut b = Registry::new();
        let mut gens: Vec<u64> = (0..100)
            .flat_map(|i| [a.insert(i).generation(), b.insert(i).generation()])
            .collect();
        gens.sort_unstable();
        gens.dedup();
        assert_eq!(gens.len(), 200);
    }

    #[test]
    fn generations_are_unique_across_threads() {
        let here: Vec<u64> = (0..1000).map(|_| next_generation()).collect();
        let there: Vec<u64> = std::thread::spawn(|| (0..1000).map(|_| next_generation()).collect())
            .join()
            .unwrap();
        let mut all: Vec<u64> = here.iter().chain(there.iter()).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 2000);
    }

    #[test]
    fn liveness_deltas_count_only_active_referenced_handles() {
        let mut h = Handle::new(());
        assert_eq!(h.set_active(true), 1);
        assert_eq!(h.set_active(true), 0);
        assert_eq!(h.set_ref(false), -1);
        assert_eq!(h.set_active(false), 0);
        assert_eq!(h.set_ref(true), 0);
        assert_eq!(h.set_active(true), 1);
    }
}
