//! Helpers shared by the spawn and exec tests.
#![allow(dead_code)]

use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, ChildProcess, SpawnOptions};
use std::ffi::OsStr;

/// What a test saw of one child.
#[derive(Default, Debug)]
pub struct Seen {
    /// Child events, in order, as short strings (`spawn`, `exit 0`, `exit SIGTERM`, `close 0`,
    /// `error ENOENT`).
    pub events: Vec<String>,
    /// Output per slot.
    pub out: Vec<Vec<u8>>,
    /// Stream events per slot (`end`, `close`).
    pub stream: Vec<Vec<&'static str>>,
    /// Bytes of stdout received when `exit` was emitted.
    pub out_at_exit: usize,
    pub errors: Vec<ruv_core::Error>,
}

pub fn name(ev: &ChildEvent) -> String {
    let code = |c: &Option<i32>, s: &Option<child::Signal>| match (c, s) {
        (Some(c), _) => c.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "none".into(),
    };
    match ev {
        ChildEvent::Spawn => "spawn".into(),
        ChildEvent::Exit { code: c, signal } => format!("exit {}", code(c, signal)),
        ChildEvent::Close { code: c, signal } => format!("close {}", code(c, signal)),
        ChildEvent::Error(e) => format!("error {}", e.code()),
    }
}

/// Records the child's events into `Seen`.
pub fn record(_lp: &mut Loop<Seen>, seen: &mut Seen, _c: ChildProcess, ev: ChildEvent) {
    if matches!(ev, ChildEvent::Exit { .. }) {
        seen.out_at_exit = seen.out.get(1).map_or(0, Vec::len);
    }
    seen.events.push(name(&ev));
    if let ChildEvent::Error(e) = ev {
        seen.errors.push(e);
    }
}

/// Subscribes to every stdio pipe of `c` (slots 1 and up), recording data and stream events.
pub fn subscribe(lp: &mut Loop<Seen>, c: ChildProcess, slots: usize) {
    for n in 1..slots {
        if let Some(p) = c.stdio(lp, n) {
            p.on_event(lp, move |_, seen: &mut Seen, _, ev| {
                if seen.out.len() <= n {
                    seen.out.resize(n + 1, Vec::new());
                    seen.stream.resize(n + 1, Vec::new());
                }
                match ev {
                    StreamEvent::Data(d) => seen.out[n].extend_from_slice(d),
                    StreamEvent::End => seen.stream[n].push("end"),
                    StreamEvent::Close => seen.stream[n].push("close"),
                    StreamEvent::Error(_) => seen.stream[n].push("error"),
                    _ => {}
                }
            })
            .unwrap();
        }
    }
}

/// Spawns, records everything, runs the loop to the end.
pub fn run<A: AsRef<OsStr>>(program: &str, args: &[A], opts: SpawnOptions) -> Seen {
    let slots = opts.stdio.len().max(3);
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(&mut lp, program, args, opts, record).unwrap();
    subscribe(&mut lp, c, slots);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    seen
}

/// The text of slot `n`'s output.
pub fn text(seen: &Seen, n: usize) -> String {
    String::from_utf8_lossy(seen.out.get(n).map_or(&[][..], |v| v)).into_owned()
}

/// This process's children that are zombies (exited, not reaped).
pub fn zombies() -> usize {
    let me = std::process::id().to_string();
    let mut n = 0;
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) S ppid ..." — comm may hold spaces: split after the last ')'
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 1 && f[0] == "Z" && f[1] == me {
            n += 1;
        }
    }
    n
}

/// How many fds this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Fields of `/proc/<pid>/stat` after the command name: index 0 is the state, 1 ppid,
/// 2 pgrp, 3 session.
pub fn stat_fields(stat: &str) -> Vec<String> {
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace().map(String::from).collect()
}

/// This process's fds that are not close-on-exec (inherited by every child by design).
pub fn fds_without_cloexec() -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc/self/fdinfo").unwrap().flatten() {
        let Ok(fd) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(info) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            .unwrap_or(0);
        if flags & 0o2000000 == 0 {
            out.push(fd);
        }
    }
    out
}

/// Writes `contents` to `path` with `mode`, through a short-lived `sh`, so that no writable
/// descriptor of the file is ever open in this process. Tests run on parallel threads: a
/// child forked by another test between our `open` and `close` would inherit the descriptor,
/// and exec'ing the file while any process holds it writable fails with `ETXTBSY`.
pub fn write_file_elsewhere(path: &std::path::Path, contents: &str, mode: u32) {
    use std::io::Write;
    let mut sh = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg("cat > \"$1\" && chmod \"$2\" \"$1\"")
        .arg("sh")
        .arg(path)
        .arg(format!("{mode:o}"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn /bin/sh to write a test file");
    let mut stdin = sh.stdin.take().expect("piped stdin");
    stdin.write_all(contents.as_bytes()).expect("write to sh");
    drop(stdin);
    let status = sh.wait().expect("wait for sh");
    assert!(
        status.success(),
        "writing {} failed: {status}",
        path.display()
    );
}
