//! Read and write streams: data moved in chunks, one pool job per chunk, with backpressure.
//!
//! # Design
//!
//! A stream is a `Copy` id ([`ReadStream`](crate::ReadStream), [`WriteStream`](crate::WriteStream))
//! into a slab owned by the loop, in a typed loop extension (`Registry<S>`, inserted by the
//! first stream). The slot holds the stream's state (descriptor, position, buffered chunks,
//! flags) and its boxed callbacks. A pool job never touches the slot: it gets the descriptor,
//! a position and a length (or the chunks to write) by value and returns its result; the
//! job's completion runs on the loop thread, finds the slot by id, updates it and calls the
//! user's callback with `&mut Loop<S>` and `&mut S`.
//!
//! Callbacks are taken out of the slot for the call and put back afterwards (if the stream
//! still exists), so a callback may call any stream method, its own stream's included, without
//! a `RefCell`. Ids carry a generation: a stale id answers `EBADF`, never another stream.
//!
//! At most one job per stream is in flight (open, one read or write, or close), so a
//! descriptor is never closed under a running read or write. Methods that need `&mut S` to
//! call back (`resume`, `destroy`, `end`) schedule that with [`Loop::defer`](ruv_core::Loop::defer).

pub(crate) mod read;
pub(crate) mod write;

use ruv_core::{Code, Error, Loop};
use slab::Slab;

/// Index and generation of a stream's slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    index: u32,
    gen: u32,
}

/// The per-loop stream table (a loop extension).
pub(crate) struct Registry<S> {
    reads: Slab<(u32, read::Slot<S>)>,
    writes: Slab<(u32, write::Slot<S>)>,
    next_gen: u32,
}

impl<S> Registry<S> {
    fn new() -> Self {
        Registry {
            reads: Slab::new(),
            writes: Slab::new(),
            next_gen: 0,
        }
    }

    fn gen(&mut self) -> u32 {
        self.next_gen = self.next_gen.wrapping_add(1).max(1);
        self.next_gen
    }
}

/// The registry of `lp`, created on first use.
fn registry<S: 'static>(lp: &mut Loop<S>) -> &mut Registry<S> {
    if lp.extension::<Registry<S>>().is_none() {
        lp.insert_extension(Registry::<S>::new());
    }
    lp.extension_mut::<Registry<S>>().expect("inserted above")
}

fn stale(op: &'static str) -> Error {
    Error::op(Code::EBADF, op).with_detail("stream is closed")
}

macro_rules! table {
    ($field:ident, $slot:ty, $insert:ident, $get:ident, $get_mut:ident, $remove:ident) => {
        pub(crate) fn $insert<S: 'static>(lp: &mut Loop<S>, slot: $slot) -> Key {
            let reg = registry(lp);
            let gen = reg.gen();
            let index = reg.$field.insert((gen, slot)) as u32;
            Key { index, gen }
        }

        pub(crate) fn $get<S: 'static>(lp: &Loop<S>, key: Key) -> Option<&$slot> {
            match lp
                .extension::<Registry<S>>()?
                .$field
                .get(key.index as usize)
            {
                Some((gen, slot)) if *gen == key.gen => Some(slot),
                _ => None,
            }
        }

        pub(crate) fn $get_mut<S: 'static>(lp: &mut Loop<S>, key: Key) -> Option<&mut $slot> {
            match lp
                .extension_mut::<Registry<S>>()?
                .$field
                .get_mut(key.index as usize)
            {
                Some((gen, slot)) if *gen == key.gen => Some(slot),
                _ => None,
            }
        }

        pub(crate) fn $remove<S: 'static>(lp: &mut Loop<S>, key: Key) -> Option<$slot> {
            let reg = lp.extension_mut::<Registry<S>>()?;
            match reg.$field.get(key.index as usize) {
                Some((gen, _)) if *gen == key.gen => Some(reg.$field.remove(key.index as usize).1),
                _ => None,
            }
        }
    };
}

table!(
    reads,
    read::Slot<S>,
    insert_read,
    get_read,
    get_read_mut,
    remove_read
);
table!(
    writes,
    write::Slot<S>,
    insert_write,
    get_write,
    get_write_mut,
    remove_write
);
