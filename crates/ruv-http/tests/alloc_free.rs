//! Allocation-free steady state: once warmed up, a keep-alive connection's requests
//! (parse, request event, `set_header`, `end`, write, keep-alive timer, a new `Date`
//! second) allocate nothing on the loop's thread. Its own test binary: a counting global allocator counts the
//! allocations of the current thread only (the client runs on another).

use ruv_core::{Loop, RunMode};
use ruv_http::{Server, ServerEvent, ServerOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// thread-local `Cell` with a const initializer, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.try_with(|c| c.set(c.get() + 1)).ok();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.try_with(|c| c.set(c.get() + 1)).ok();
        // SAFETY: as for `dealloc`; `new_size` is the caller's, per the trait's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

const WARM: u64 = 1_000;
const END: u64 = 6_000;

#[derive(Default)]
struct Probe {
    n: u64,
    at_warm: u64,
    at_end: u64,
    /// The wall-clock second at the warm-up: the run goes on until it changed, so that
    /// the `Date` value is formatted anew inside the measured part.
    warm_second: u64,
}

fn unix_second() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn keep_alive_requests_do_not_allocate_once_warm() {
    let mut lp: Loop<Probe> = Loop::new().unwrap();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        |lp, p: &mut Probe, me, ev| {
            if let ServerEvent::Request(_, res) = ev {
                p.n += 1;
                if p.n == WARM {
                    p.at_warm = allocs();
                    p.warm_second = unix_second();
                }
                res.set_header(lp, "Content-Type", "text/plain")?;
                res.end(lp, "hello")?;
                if p.n >= END && p.at_end == 0 && unix_second() != p.warm_second {
                    p.at_end = allocs();
                    // the next answer says `Connection: close`; then the loop ends
                    me.close(lp)?;
                }
            }
            Ok::<(), ruv_core::Error>(())
        },
    )
    .unwrap();
    server
        .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
        .unwrap();
    let port = server.address(&lp).unwrap().port();
    let client = std::thread::spawn(move || {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut buf = [0u8; 4096];
        // one request at a time until the server closes the connection
        loop {
            if c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").is_err() {
                return;
            }
            let mut got = Vec::new();
            while !got.ends_with(b"hello") {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
        }
    });
    let mut p = Probe::default();
    lp.run(RunMode::Default, &mut p).unwrap();
    client.join().unwrap();
    assert!(p.n >= END && p.at_end > 0, "{} requests", p.n);
    assert_eq!(p.at_end - p.at_warm, 0, "allocations in the warm requests");
}
