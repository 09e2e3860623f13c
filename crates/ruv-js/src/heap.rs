//! The engine's limits: the heap (`--max-old-space-size`) and the native stack.
//!
//! The heap limit is kept by the allocator the runtime is built on, not by QuickJS's own
//! `malloc_limit`: when it refuses an allocation it notes so (per thread: one runtime per
//! thread), so an out-of-memory that left QuickJS unable even to build its error (it then
//! throws `null`) is told apart from a script's own `throw null` for certain.

use std::cell::Cell;
use std::io::Write;

use rquickjs::allocator::Allocator;

thread_local! {
    /// An allocation on this thread's runtime was refused for the limit.
    static LIMIT_HIT: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread's runtime was refused an allocation for its heap limit.
pub(crate) fn limit_hit() -> bool {
    LIMIT_HIT.with(Cell::get)
}

/// Node's words for a heap that is full, then exit code 1 (Node aborts; ruvjs exits).
pub(crate) fn out_of_memory() -> ! {
    let mut err = std::io::stderr();
    // nothing more can be done if stderr is gone
    err.write_all(
        b"\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n",
    )
    .ok();
    std::process::exit(1)
}

/// The C allocator, counting the bytes QuickJS holds and refusing past `limit`.
pub(crate) struct Limited {
    used: usize,
    limit: usize,
}

impl Limited {
    /// An allocator that holds at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> Limited {
        Limited { used: 0, limit }
    }

    fn admit(&mut self, more: usize) -> bool {
        if self.used.saturating_add(more) > self.limit {
            LIMIT_HIT.with(|h| h.set(true));
            return false;
        }
        true
    }
}

fn usable(ptr: *mut u8) -> usize {
    if ptr.is_null() {
        return 0;
    }
    // SAFETY: `ptr` is a live block from this allocator, that is from libc's malloc.
    unsafe { libc::malloc_usable_size(ptr.cast()) }
}

// SAFETY: every block comes from libc's malloc, calloc or realloc (aligned for any type, so
// for `usize`), is freed only with free, and `usable_size` asks malloc for its size.
unsafe impl Allocator for Limited {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.admit(size) {
            return std::ptr::null_mut();
        }
        // SAFETY: malloc takes any size and returns a block or null.
        let p = unsafe { libc::malloc(size.max(1)) }.cast::<u8>();
        self.used += usable(p);
        p
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        if !self.admit(total) {
            return std::ptr::null_mut();
        }
        // SAFETY: calloc takes any sizes and returns a zeroed block or null.
        let p = unsafe { libc::calloc(count.max(1), size.max(1)) }.cast::<u8>();
        self.used += usable(p);
        p
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        self.used = self.used.saturating_sub(usable(ptr));
        // SAFETY: the caller hands back a block of this allocator (or null, which free takes).
        unsafe { libc::free(ptr.cast()) }
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        let old = usable(ptr);
        if new_size > old && !self.admit(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` is a block of this allocator (or null); on failure it stays valid.
        let p = unsafe { libc::realloc(ptr.cast(), new_size.max(1)) }.cast::<u8>();
        if !p.is_null() {
            self.used = self.used.saturating_sub(old) + usable(p);
        }
        p
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        usable(ptr)
    }
}

/// ruv-worker's default thread stack (a worker's runtime runs on such a thread).
const WORKER_STACK: u64 = 4 << 20;
/// What the native code below and beside the engine may need of the stack: the loop's
/// frames under each entry into JavaScript, and natives called from the deepest frame.
const MARGIN: u64 = 1 << 20;

/// The engine's stack budget on this thread: QuickJS throws `RangeError: Maximum call stack
/// size exceeded` past it, which must come well before the thread's real stack ends.
pub(crate) fn stack_budget(main: bool) -> usize {
    let real = if main {
        // the main thread's stack is the soft RLIMIT_STACK (growing up to it); unlimited or
        // huge, 64 MiB is plenty (Node's own default is under 1 MiB of V8 frames)
        rustix::process::getrlimit(rustix::process::Resource::Stack)
            .current
            .unwrap_or(u64::MAX)
            .min(64 << 20)
    } else {
        WORKER_STACK
    };
    let budget = if real > 2 * MARGIN {
        real - MARGIN
    } else {
        real / 2
    };
    usize::try_from(budget).unwrap_or(usize::MAX)
}
