//! Helpers shared by ruv-net's test binaries.
#![allow(dead_code, clippy::unused_unit)] // each binary uses part of it; `-> ()` types a panicking callback

use ruv_core::{Loop, RunMode, Timer};
use std::net::SocketAddr;

/// Loopback, any free port.
pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A timer that panics after `ms`, unreferenced so it does not keep the loop alive.
pub fn guard<S: 'static>(lp: &mut Loop<S>, ms: u64) {
    let t = Timer::new(lp).unwrap();
    t.start(lp, ms, 0, move |_, _, _| -> () {
        panic!("test timed out after {ms} ms")
    })
    .unwrap();
    t.set_ref(lp, false);
}

/// Runs the loop until it has nothing left to do.
pub fn run<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    lp.run(RunMode::Default, s).unwrap();
}
