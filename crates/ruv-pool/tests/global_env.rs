//! The global pool's size from `UV_THREADPOOL_SIZE`, checked in child processes: the variable is
//! read once per process, and setting it in this (threaded) test process would be unsound.
//!
//! The parent re-runs this very test binary, filtered to `child_reports_global_pool_size`, with a
//! marker variable set; the child prints the global pool's size and exits.

use std::process::Command;

use ruv_pool::{Pool, PoolConfig};

const CHILD_MARKER: &str = "RUV_POOL_GLOBAL_ENV_CHILD";

/// Runs only inside a child started by `global_pool_size_from_env`; a no-op otherwise.
#[test]
fn child_reports_global_pool_size() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    let from_env = PoolConfig::from_env().threads();
    let global = Pool::global().expect("global pool starts").threads();
    // A second call returns the same pool and prints no second warning.
    let again = Pool::global().unwrap().threads();
    println!("RESULT global={global} again={again} from_env={from_env}");
}

/// Runs the child with `UV_THREADPOOL_SIZE` set to `value` (or removed), returning the global
/// pool's size and the child's stderr.
fn child(value: Option<&str>) -> (usize, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_reports_global_pool_size",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_MARKER, "1");
    match value {
        Some(v) => cmd.env("UV_THREADPOOL_SIZE", v),
        None => cmd.env_remove("UV_THREADPOOL_SIZE"),
    };
    let out = cmd.output().expect("child test process runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "child failed: {stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no RESULT line in child output: {stdout}"));
    let nums: Vec<usize> = line
        .split(' ')
        .map(|kv| kv.split_once('=').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(nums[0], nums[1], "global() is started once");
    assert_eq!(
        nums[0], nums[2],
        "PoolConfig::from_env agrees with the global pool"
    );
    (nums[0], stderr)
}

#[test]
fn global_pool_size_from_env() {
    for (value, threads, warns) in [
        (Some("1"), 1, false),
        (Some("5"), 5, false),
        (Some(" 8 "), 8, false),
        (Some("0"), 1, true),
        (Some("1025"), 1024, true),
        (Some("-1"), 1, true),
        (Some("abc"), 4, true),
        (Some(""), 4, false),
        (None, 4, false),
    ] {
        let (got, stderr) = child(value);
        assert_eq!(got, threads, "UV_THREADPOOL_SIZE={value:?}");
        let warnings = stderr.matches("UV_THREADPOOL_SIZE").count();
        assert_eq!(
            warnings,
            usize::from(warns),
            "UV_THREADPOOL_SIZE={value:?}: expected {} warning(s) in stderr: {stderr}",
            usize::from(warns)
        );
    }
}
