//! Prints, with ruv, exactly what `node ordering.js` prints (tests/data/ordering.js).
//!
//! Run: `cargo run --example ordering` and compare with `node tests/data/ordering.js`.

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;

const USAGE: &str = "\
usage: ordering

Runs the ordering scenarios (timers, immediates, next ticks, microtasks, pool work) on ruv's
loop and prints what `node tests/data/ordering.js` prints, line for line. Takes no flags.

  -h, --help   print this help
";

fn main() {
    let mut args = common::Args::from_env("ordering", USAGE);
    if let Some(a) = args.next() {
        args.unexpected(a);
    }
    if let Err(e) = ruv::conformance::ordering(true) {
        common::fail("ordering", e);
    }
}
