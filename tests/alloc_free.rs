//! Allocation-free steady state: once warmed up, loop iterations, watcher callbacks,
//! setImmediate chains and timer restarts allocate nothing.
//!
//! A counting global allocator counts the allocations made *on the current thread*, so tests
//! running in parallel do not disturb each other.

use ruv::core::{Idle, Loop, RunMode, Timer};
use ruv::node;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// thread-local `Cell` with a const initializer, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as for `dealloc`; `new_size` is the caller's, per the trait's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

/// (iterations seen, allocation count when the warm-up ended, count at the end)
#[derive(Default)]
struct Probe {
    n: u64,
    at_warm: u64,
    at_end: u64,
}

const WARM: u64 = 1_000;
const END: u64 = 11_000;

fn tick(p: &mut Probe) -> bool {
    p.n += 1;
    if p.n == WARM {
        p.at_warm = allocs();
    }
    if p.n == END {
        p.at_end = allocs();
        return true;
    }
    false
}

#[test]
fn empty_iterations_driven_by_an_idle_handle_do_not_allocate() {
    let mut lp: Loop<Probe> = Loop::new().unwrap();
    Idle::new(&mut lp)
        .unwrap()
        .start(&mut lp, |lp, p, me| {
            if tick(p) {
                me.stop(lp);
            }
        })
        .unwrap();
    let mut p = Probe::default();
    lp.run(RunMode::Default, &mut p).unwrap();
    assert_eq!(p.at_end - p.at_warm, 0, "allocations in 10 000 iterations");
}

#[test]
fn a_set_immediate_chain_does_not_allocate() {
    fn step(lp: &mut Loop<Probe>, p: &mut Probe) {
        if !tick(p) {
            node::set_immediate(lp, step).unwrap();
        }
    }
    let mut lp: Loop<Probe> = Loop::new().unwrap();
    let mut p = Probe::default();
    node::enter(&mut lp, &mut p, |lp, _| {
        node::set_immediate(lp, step).map(drop)
    })
    .unwrap();
    lp.run(RunMode::Default, &mut p).unwrap();
    assert_eq!(p.at_end - p.at_warm, 0, "allocations in 10 000 immediates");
}

#[test]
fn restarting_a_timer_from_its_callback_does_not_allocate() {
    let mut lp: Loop<Probe> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 0, 0, |lp, p, me| {
        if !tick(p) {
            me.restart(lp, 0, 0).unwrap();
        }
    })
    .unwrap();
    let mut p = Probe::default();
    lp.run(RunMode::Default, &mut p).unwrap();
    assert_eq!(p.n, END);
    assert_eq!(
        p.at_end - p.at_warm,
        0,
        "allocations in 10 000 timer restarts"
    );
}
