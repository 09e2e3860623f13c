//! What the script tests share: run a script under tests/data with ruvjs and compare its
//! stdout with what Node printed for it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// tests/data/DIR/NAME.
pub fn data(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
        .join(name)
}

/// Runs tests/data/DIR/NAME.js; it must exit 0 and its stdout must be NAME.expected.txt
/// (Node's output) byte for byte.
pub fn matches_node(dir: &str, name: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_ruvjs"))
        .arg(data(dir, &format!("{name}.js")))
        .output()
        .expect("ruvjs starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name}: {:?}\n{stderr}", out.status);
    let want = std::fs::read_to_string(data(dir, &format!("{name}.expected.txt"))).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        want,
        "{name}\n{stderr}"
    );
}
