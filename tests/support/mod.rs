//! Finding the example binaries from an integration test.
//!
//! `CARGO_BIN_EXE_*` exists only for `[[bin]]` targets, so the examples are built once per
//! test binary with `cargo build --examples` (a no-op when `cargo test` built them already),
//! with the profile this test was built with, and run from the target directory.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The path of example `name`'s binary, built on first use.
pub fn example_bin(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        // this test runs as <target>/<profile>/deps/<test>-<hash>
        let exe = std::env::current_exe().expect("the test knows its path");
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("<target>/<profile>/deps/")
            .to_path_buf();
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "--examples",
                "-p",
                "ruv",
                "--profile",
                &profile,
            ])
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "cargo build --examples: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir.join("examples")
    });
    dir.join(name)
}

/// A fresh scratch directory for one test.
#[allow(dead_code)] // not every test binary uses it
pub fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ruv-examples-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An example server running as a child process, killed when dropped (or when the test
/// fails).
#[allow(dead_code)] // not every test binary uses it
pub struct ServerProcess(pub std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // it may have exited already: nothing to report then
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Starts example `name` with `--port 0`; returns it and its first stdout line.
#[allow(dead_code)] // not every test binary uses it
pub fn start_server(name: &str) -> (ServerProcess, String) {
    use std::io::BufRead;
    let mut child = Command::new(example_bin(name))
        .args(["--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .expect("a first line");
    (ServerProcess(child), line)
}
