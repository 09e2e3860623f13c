//! The gzip/gunzip examples interoperate with the system `gzip` tool, both ways.

use std::path::PathBuf;
use std::process::Command;

fn have_gzip() -> bool {
    Command::new("gzip")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn example(name: &str, args: &[&std::path::Path]) {
    let out = Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", name, "--"])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ruv-gzip-examples-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A few chunks' worth of text-like bytes, so the stream spans several pool jobs.
fn corpus() -> Vec<u8> {
    let words = [
        "loop",
        "pool",
        "tick",
        "timer",
        "immediate",
        "poll",
        "check",
        "close",
    ];
    let mut x: u32 = 12345;
    let mut out = Vec::new();
    while out.len() < 300_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.extend_from_slice(words[(x >> 16) as usize % words.len()].as_bytes());
        out.push(if x.is_multiple_of(7) { b'\n' } else { b' ' });
    }
    out
}

#[test]
fn system_gzip_reads_the_gzip_example_and_gunzip_example_reads_system_gzip() {
    if !have_gzip() {
        eprintln!("SKIP: no system `gzip` to interoperate with");
        return;
    }
    let dir = scratch("interop");
    let input = corpus();
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, &input).unwrap();

    // ruv compresses, gzip decompresses
    let ours = dir.join("ours.gz");
    example("gzip", &[&plain, &ours]);
    let out = Command::new("gzip").arg("-dc").arg(&ours).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, input, "gzip -dc of ruv's output");

    // gzip compresses, ruv decompresses
    let theirs = dir.join("theirs.gz");
    let gz = Command::new("gzip")
        .arg("-c9")
        .arg(&plain)
        .output()
        .unwrap();
    std::fs::write(&theirs, gz.stdout).unwrap();
    let back = dir.join("back.txt");
    example("gunzip", &[&theirs, &back]);
    assert_eq!(
        std::fs::read(&back).unwrap(),
        input,
        "ruv's gunzip of gzip's output"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gzip_example_reports_a_missing_input_like_node() {
    let dir = scratch("missing");
    let out = Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "gzip", "--"])
        .arg(dir.join("nope"))
        .arg(dir.join("out.gz"))
        .output()
        .expect("cargo runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ENOENT: no such file or directory, open"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
