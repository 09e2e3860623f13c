//! `gunzip IN OUT`: decompresses a gzip file (all its members, as `gzip -d` does) the way a
//! Node program piping `fs.createReadStream(IN)` through `zlib.createGunzip()` into
//! `fs.createWriteStream(OUT)` does, on ruv's loop. The program is `examples/gzip.rs`,
//! run in the other direction; see there for how it works.
//!
//! ```text
//! cargo run --release --example gunzip -- big.txt.gz big.txt
//! gzip -c big.txt > big.txt.gz && cargo run --release --example gunzip -- big.txt.gz copy && cmp copy big.txt
//! ```
//!
//! Corrupt input fails with Node's code and message (`gunzip: Z_DATA_ERROR: incorrect
//! header check`), truncated input with `gunzip: Z_BUF_ERROR: unexpected end of file`, and
//! exit status 1. The output is written beside OUT and renamed over it only on success, so a
//! failed run leaves an existing OUT as it was; `-`, pipes and devices are written in place
//! (see `examples/gzip.rs`). `--help` prints the usage.

#[path = "gzip.rs"]
mod gzip;

fn main() {
    gzip::run("gunzip", ruv::zlib::Mode::Gunzip);
}
