//! Prints, with ruv, exactly what `node ordering.js` prints (tests/data/ordering.js).
//!
//! Run: `cargo run --example ordering` and compare with `node tests/data/ordering.js`.
fn main() {
    if let Err(e) = ruv::conformance::ordering(true) {
        eprintln!("ordering: {e}");
        std::process::exit(1);
    }
}
