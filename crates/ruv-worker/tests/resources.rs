//! 1,000 workers started and terminated leave no thread, fd or memory behind.
//!
//! In a test binary of its own: it counts the process's threads (/proc/self/task), fds
//! (/proc/self/fd) and live heap allocations (a counting global allocator; RSS would not
//! shrink under glibc's arenas), which other tests' threads would disturb.

use ruv_core::{Loop, RunMode};
use ruv_worker::{PortEvent, Worker, WorkerEvent, WorkerOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; the counters are only
// bookkeeping beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's (a valid, non-zero-size layout).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; `new_size` is the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Starts `n` workers at once, each waiting on its parent port for ever, terminates each as
/// soon as it is online, and runs the loop until every one has exited.
fn start_and_terminate(lp: &mut Loop<usize>, n: usize) {
    for _ in 0..n {
        Worker::<u8>::spawn(
            lp,
            WorkerOptions::new(),
            |wlp: &mut Loop<()>, ctx| {
                ctx.parent_port
                    .attach(wlp, |_, _, _, ev| if let PortEvent::Message(_) = ev {})?;
                Ok(())
            },
            |lp, exited: &mut usize, w, ev| match ev {
                WorkerEvent::Online => w.terminate(lp, |_, _, r| {
                    assert_eq!(r.unwrap(), 1);
                }),
                WorkerEvent::Exit(code) => {
                    assert_eq!(code, 1);
                    *exited += 1;
                    Ok(())
                }
                WorkerEvent::Error(e) => panic!("worker error: {e}"),
                _ => Ok(()),
            },
        )
        .unwrap();
    }
    let mut exited = 0;
    lp.run(RunMode::Default, &mut exited).unwrap();
    assert_eq!(exited, n);
}

#[test]
fn a_thousand_workers_started_and_terminated_leave_no_thread_fd_or_memory_behind() {
    const BATCH: usize = 50;
    let mut lp: Loop<usize> = Loop::new().unwrap();
    // warm-up: the reaper thread, the registries' capacity for a batch, lazy statics
    start_and_terminate(&mut lp, BATCH);
    let threads = count("/proc/self/task");
    let fds = count("/proc/self/fd");
    let bytes = LIVE_BYTES.load(Ordering::SeqCst);
    let blocks = LIVE_BLOCKS.load(Ordering::SeqCst);
    for _ in 0..1000 / BATCH {
        start_and_terminate(&mut lp, BATCH);
    }
    assert_eq!(count("/proc/self/task"), threads, "threads left behind");
    assert_eq!(count("/proc/self/fd"), fds, "fds left behind");
    let grew_bytes = LIVE_BYTES.load(Ordering::SeqCst) - bytes;
    let grew_blocks = LIVE_BLOCKS.load(Ordering::SeqCst) - blocks;
    // Anything kept per worker would add 1,000 blocks. A few blocks may be a map or a queue
    // that grew its capacity once (a batch interleaved differently than the warm-up's).
    assert!(
        grew_blocks < 16 && grew_bytes < 256 * 1024,
        "live heap grew by {grew_bytes} bytes in {grew_blocks} blocks over 1,000 workers"
    );
}
