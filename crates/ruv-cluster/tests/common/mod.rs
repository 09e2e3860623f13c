//! What the cluster tests share: starting a test app with its stdout read as JSON lines, and
//! waiting (bounded) for a line. Each test file is a crate of its own that uses part of it.

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

/// A primary run as a test app: its JSON lines, those read so far, and the process (killed,
/// with its workers, if a test fails before it exits).
pub struct App {
    /// The primary's process.
    pub child: Child,
    lines: Receiver<Value>,
    /// Every line read so far, in order.
    pub seen: Vec<Value>,
    /// A `p` line the primary's output must hold by its exit (checked by [`App::finish`]).
    closing: Option<&'static str>,
}

impl App {
    /// `ruv-cluster-testapp ARGS` (`SCENARIO PORT WORKERS`) with `env` set.
    #[allow(dead_code)]
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ruv-cluster-testapp"));
        cmd.args(args);
        App::spawn(cmd, env, None)
    }

    /// `ruv-cluster-testapp sup 0 WORKERS` (a supervised primary) with `env` set; its
    /// output must end with `loop_exited`.
    #[allow(dead_code)]
    pub fn sup(workers: &str, env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ruv-cluster-testapp"));
        cmd.args(["sup", "0", workers]);
        App::spawn(cmd, env, Some("loop_exited"))
    }

    /// `ruv-cluster-testapp-net ARGS` under `policy` (`RUV_CLUSTER_SCHED_POLICY`; none
    /// inherited when `None`).
    #[allow(dead_code)]
    pub fn net(args: &[&str], policy: Option<&str>) -> App {
        App::net_env(args, policy, &[])
    }

    /// [`App::net`] with `env` set.
    #[allow(dead_code)]
    pub fn net_env(args: &[&str], policy: Option<&str>, env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ruv-cluster-testapp-net"));
        cmd.args(args).env_remove("RUV_CLUSTER_SCHED_POLICY");
        if let Some(p) = policy {
            cmd.env("RUV_CLUSTER_SCHED_POLICY", p);
        }
        App::spawn(cmd, env, None)
    }

    fn spawn(mut cmd: Command, env: &[(&str, &str)], closing: Option<&'static str>) -> App {
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (child, lines) = spawn_json(&mut cmd);
        App {
            child,
            lines,
            seen: Vec::new(),
            closing,
        }
    }

    /// The next line matching `want` (bounded receive; lines before it are kept in `seen`).
    pub fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        wait_for(&self.lines, &mut self.seen, want)
    }

    /// The port once `workers` workers listen.
    #[allow(dead_code)]
    pub fn listening(&mut self, workers: usize) -> u16 {
        let mut port = 0;
        for _ in 0..workers {
            port = self.wait_for(|v| v["p"] == "listening")["port"]
                .as_u64()
                .unwrap() as u16;
        }
        port
    }

    /// Sends `sig` to the primary.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        let r = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(r, 0);
    }

    /// Waits for the primary to exit by itself, successfully: every line it printed.
    pub fn finish(mut self) -> Vec<Value> {
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "primary: {status}");
        self.seen.extend(self.lines.iter());
        if let Some(p) = self.closing {
            assert!(self.seen.iter().any(|v| v["p"] == p), "{:?}", self.seen);
        }
        std::mem::take(&mut self.seen)
    }

    /// SIGUSR1 (disconnect every worker), then [`App::finish`].
    #[allow(dead_code)]
    pub fn stop(self) -> Vec<Value> {
        self.signal(libc::SIGUSR1);
        self.finish()
    }

    /// The primary killed now (its workers exit when the channel closes).
    #[allow(dead_code)]
    pub fn kill(self) {
        drop(self);
    }
}

impl Drop for App {
    /// A failed test leaves no primary behind (its workers exit when it dies).
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
