//! Messages between runtimes (Node's structured clone): the value as a tape of JSON text
//! (written and read by src/js/worker.js), its `ArrayBuffer`s as byte vectors, its
//! `SharedArrayBuffer`s as shared memory, its transferred ports as port ends.
//!
//! An `ArrayBuffer`'s bytes are copied out of the sender's engine (QuickJS owns that memory;
//! it cannot be handed over), a transferred one is then detached; on the receiving side the
//! vector becomes the new `ArrayBuffer`'s memory without another copy.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Weak};

use rquickjs::{Array, ArrayBuffer, ArrayBufferSource, Ctx, Value};
use ruv_worker::PortEnd;

/// What a message is: a posted value, or how a worker ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// `postMessage(value)`.
    Value = 0,
    /// The worker's uncaught error (the value): the parent's `'error'`.
    Error = 1,
    /// The worker reached its heap limit: `ERR_WORKER_OUT_OF_MEMORY`.
    OutOfMemory = 2,
}

/// The cloneable part of a message (a `BroadcastChannel` gives each member a copy).
#[derive(Clone, Default)]
pub(crate) struct Body {
    /// The value's tape (JSON text).
    pub(crate) text: String,
    /// Its `ArrayBuffer`s, in the tape's order.
    pub(crate) buffers: Vec<Vec<u8>>,
    /// Its `SharedArrayBuffer`s: the same memory on both sides.
    pub(crate) shared: Vec<Arc<SharedMem>>,
}

/// A message on a port or a worker's channel.
pub(crate) struct Msg {
    pub(crate) kind: Kind,
    pub(crate) body: Body,
    /// Transferred ports, in the tape's order.
    pub(crate) ports: Vec<PortEnd<Msg>>,
}

impl Msg {
    /// A message of `kind` with no value (`Kind::OutOfMemory`).
    pub(crate) fn bare(kind: Kind) -> Msg {
        Msg {
            kind,
            body: Body::default(),
            ports: Vec::new(),
        }
    }
}

/// A received message, its ports already given ids in this runtime.
pub(crate) struct Incoming {
    pub(crate) kind: Kind,
    pub(crate) body: Body,
    pub(crate) ports: Vec<u32>,
}

/// Memory shared by the `SharedArrayBuffer`s of several runtimes: whole 8-byte words (so
/// `BigInt64Array` atomics are aligned), at least one.
pub(crate) struct SharedMem {
    words: Box<[AtomicU64]>,
    len: usize,
}

/// One runtime's hold on shared memory, the backing store of its `SharedArrayBuffer`.
struct SharedSource(Arc<SharedMem>);

// SAFETY: the pointer is the start of `words`, an allocation of at least `len` bytes that the
// `Arc` keeps alive (and in place) for as long as this source lives. Writes through it are
// allowed: the memory is `AtomicU64`s, which permit mutation through shared references, and
// JavaScript's own rules for racing `SharedArrayBuffer` accesses apply to them.
unsafe impl ArrayBufferSource for SharedSource {
    fn as_ptr(&self) -> *mut u8 {
        self.0.words.as_ptr() as *mut u8
    }
    fn len(&self) -> usize {
        self.0.len
    }
}

thread_local! {
    /// This thread's `SharedArrayBuffer`s by data address, to find their memory when sent.
    static SHARED: RefCell<HashMap<usize, Weak<SharedMem>>> = RefCell::new(HashMap::new());
}

impl SharedMem {
    /// `len` zeroed bytes; `None` where the allocator refuses.
    fn new(len: usize) -> Option<Arc<SharedMem>> {
        let n = len.div_ceil(8).max(1);
        let mut v = Vec::new();
        v.try_reserve_exact(n).ok()?;
        v.resize_with(n, || AtomicU64::new(0));
        Some(Arc::new(SharedMem {
            words: v.into_boxed_slice(),
            len,
        }))
    }
}

/// A `SharedArrayBuffer` over `mem`, known to this thread's table.
pub(crate) fn shared_buffer<'js>(
    ctx: &Ctx<'js>,
    mem: Arc<SharedMem>,
) -> rquickjs::Result<Value<'js>> {
    let key = mem.words.as_ptr() as usize;
    SHARED.with(|s| {
        let mut s = s.borrow_mut();
        s.retain(|_, w| w.strong_count() > 0);
        s.insert(key, Arc::downgrade(&mem));
    });
    Ok(ArrayBuffer::from_source_shared(ctx.clone(), SharedSource(mem))?.into_value())
}

/// `new SharedArrayBuffer(len)`: memory other workers can share.
pub(crate) fn new_shared<'js>(ctx: Ctx<'js>, len: f64) -> rquickjs::Result<Value<'js>> {
    if !(0.0..=9_007_199_254_740_991.0).contains(&len) {
        return Err(rquickjs::Exception::throw_range(
            &ctx,
            "Invalid array buffer length",
        ));
    }
    match SharedMem::new(len as usize) {
        Some(mem) => shared_buffer(&ctx, mem),
        None => Err(rquickjs::Exception::throw_range(
            &ctx,
            "Array buffer allocation failed",
        )),
    }
}

/// The memory behind a `SharedArrayBuffer` of this thread; one it did not make (a
/// `slice()`) is copied into new memory.
fn shared_of(ab: &ArrayBuffer<'_>) -> rquickjs::Result<Arc<SharedMem>> {
    let Some(raw) = ab.as_raw() else {
        return Err(rquickjs::Error::new_from_js(
            "detached",
            "SharedArrayBuffer",
        ));
    };
    let key = raw.as_ptr() as *const u8 as usize;
    if let Some(mem) = SHARED.with(|s| s.borrow().get(&key).and_then(Weak::upgrade)) {
        return Ok(mem);
    }
    let bytes = crate::natives::whole(ab)?;
    let mem = SharedMem::new(bytes.len())
        .ok_or_else(|| rquickjs::Error::new_from_js("length", "SharedArrayBuffer"))?;
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        mem.words[i].store(u64::from_ne_bytes(w), std::sync::atomic::Ordering::Relaxed);
    }
    Ok(mem)
}

/// A message from the prelude's `[text, buffers, shared, ports, transfer]`: the buffers'
/// bytes copied, the transferred ones then detached; the port ids are returned for the caller
/// to take.
pub(crate) fn outgoing<'js>(parts: Array<'js>) -> rquickjs::Result<(Body, Vec<u32>)> {
    let text: String = parts.get(0)?;
    let bufs: Vec<ArrayBuffer<'js>> = parts.get(1)?;
    let sabs: Vec<ArrayBuffer<'js>> = parts.get(2)?;
    let ports: Vec<u32> = parts.get(3)?;
    let transfer: Vec<ArrayBuffer<'js>> = parts.get(4)?;
    let mut buffers = Vec::with_capacity(bufs.len());
    for b in &bufs {
        buffers.push(crate::natives::whole(b)?);
    }
    let mut shared = Vec::with_capacity(sabs.len());
    for s in &sabs {
        shared.push(shared_of(s)?);
    }
    for mut t in transfer {
        t.detach();
    }
    Ok((
        Body {
            text,
            buffers,
            shared,
        },
        ports,
    ))
}

/// A received message for the prelude: `[kind, text, buffers, shared, ports]`, each
/// `ArrayBuffer` made over its vector without a copy.
pub(crate) fn to_js<'js>(ctx: &Ctx<'js>, m: Incoming) -> rquickjs::Result<Value<'js>> {
    let out = Array::new(ctx.clone())?;
    out.set(0, m.kind as u8)?;
    out.set(1, m.body.text)?;
    let bufs = Array::new(ctx.clone())?;
    for (i, b) in m.body.buffers.into_iter().enumerate() {
        bufs.set(i, ArrayBuffer::new(ctx.clone(), b)?)?;
    }
    out.set(2, bufs)?;
    let sabs = Array::new(ctx.clone())?;
    for (i, s) in m.body.shared.into_iter().enumerate() {
        sabs.set(i, shared_buffer(ctx, s)?)?;
    }
    out.set(3, sabs)?;
    out.set(4, m.ports)?;
    Ok(out.into_value())
}
