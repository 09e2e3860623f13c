//! What the cluster tests share: starting a test app with its stdout read as JSON lines, and
//! waiting (bounded) for a line.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// How long any wait on another process may take: a guard against a hang, never a pace.
pub const BOUND: Duration = Duration::from_secs(60);

/// Spawns `cmd` (stdout piped, outside any cluster) and reads its stdout, one JSON value per
/// line, on a thread of its own.
pub fn spawn_json(cmd: &mut Command) -> (Child, Receiver<Value>) {
    cmd.stdout(Stdio::piped())
        .env_remove("NODE_UNIQUE_ID")
        .env_remove("NODE_CLUSTER_SCHED_POLICY");
    let mut child = cmd.spawn().expect("spawn the test app");
    let stdout = child.stdout.take().expect("piped");
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).expect("a JSON line");
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// The next line matching `want`, within [`BOUND`]; every line read is kept in `seen`.
pub fn wait_for(
    lines: &Receiver<Value>,
    seen: &mut Vec<Value>,
    want: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no such line; saw {seen:?}"));
        seen.push(v.clone());
        if want(&v) {
            return v;
        }
    }
}
