#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! The child's side, [`ipc::channel`]: this test binary runs itself as the child, with
//! one end of a socketpair inherited and named in `NODE_CHANNEL_FD`, as `node`'s
//! `child_process.fork` (and ruv's) passes it. One test, so no other thread of this binary
//! spawns a process while the inherited fd is not close-on-exec.

use ruv_core::{Loop, RunMode};
use ruv_process::ipc::{self, codes, Channel, ChannelEvent, Serialization};
use serde_json::{json, Value};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

mod ipc_common;
use ipc_common::guard;

const ROLE: &str = "RUV_IPC_TEST_ROLE";
const TEST: &str = "the_child_side_finds_its_channel_in_the_environment";

/// What a child prints for the parent to check: `child: …` lines.
fn say(what: impl std::fmt::Display) {
    println!("child: {what}");
}

/// The child's part, by role; the process exits with its status.
fn child(role: &str) -> i32 {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let ch = match ipc::channel(&mut lp) {
        Ok(Some(ch)) => ch,
        Ok(None) => {
            say("no channel");
            return 0;
        }
        Err(e) => {
            say(e);
            return 3;
        }
    };
    // once per process: the same channel on this loop, an error on another
    assert_eq!(ipc::channel(&mut lp).unwrap(), Some(ch));
    let mut other: Loop<()> = Loop::new().unwrap();
    let e = ipc::channel(&mut other).unwrap_err();
    assert_eq!(e.code(), codes::ERR_IPC_CHANNEL_TAKEN);
    // never inherited by what this process spawns
    let fd: u32 = std::env::var("NODE_CHANNEL_FD").unwrap().parse().unwrap();
    let flags = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap();
    let flags = flags.lines().find(|l| l.starts_with("flags:")).unwrap();
    let flags = u32::from_str_radix(flags.split_whitespace().nth(1).unwrap(), 8).unwrap();
    assert_ne!(flags & libc::O_CLOEXEC as u32, 0, "close-on-exec");
    match role {
        "echo" => {
            assert!(!ch.has_ref(&lp).unwrap(), "no listener yet: unreferenced");
            ch.on_event(&mut lp, |lp, n, ch, ev| -> ruv_core::Result<()> {
                match ev {
                    ChannelEvent::Message(m) => {
                        *n += 1;
                        match m.serialization() {
                            Serialization::Json => {
                                let v: Value = m.deserialize()?;
                                ch.send(lp, &json!({ "pong": v }))?;
                            }
                            Serialization::Ruv => {
                                let (i, text): (u32, String) = m.deserialize()?;
                                ch.send(lp, &(i + 1, format!("pong {text}")))?;
                            }
                        }
                    }
                    ChannelEvent::Disconnect => say("disconnect"),
                    _ => {}
                }
                Ok(())
            })
            .unwrap();
            assert!(ch.has_ref(&lp).unwrap(), "listening: referenced");
        }
        "send-only" => {
            // no callback: the channel must not keep this process alive once written
            ch.send(&mut lp, &json!({ "hello": std::process::id() }))
                .unwrap();
        }
        other => panic!("unknown role {other}"),
    }
    let mut n = 0;
    lp.run(RunMode::Default, &mut n).unwrap();
    say(format!("exits after {n} messages"));
    0
}

/// Starts this binary as a child with `fd` as its channel (`None`: no channel) and `env`.
fn spawn(fd: Option<&OwnedFd>, role: &str, env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env_remove("NODE_CHANNEL_FD")
        .env_remove("NODE_CHANNEL_SERIALIZATION_MODE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(fd) = fd {
        // inherited by the child: no close-on-exec on this one fd
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).unwrap();
        cmd.env("NODE_CHANNEL_FD", fd.as_raw_fd().to_string());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// The child's `child: …` lines and exit status.
fn finish(child: std::process::Child) -> (Vec<String>, i32) {
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        // the harness's `test … ... ` may start the first line
        .filter_map(|l| l.split_once("child: ").map(|(_, said)| said.to_string()))
        .collect();
    (lines, out.status.code().unwrap_or(-1))
}

/// The parent's part: `msgs` sent on the channel, every answer collected, disconnect after
/// the last answer (or, with `wait_for_close`, wait for the child to close its end).
fn parent(
    mode: Serialization,
    role: &str,
    msgs: &[Value],
    wait_for_close: bool,
) -> (Vec<Value>, Vec<String>, i32) {
    let (mine, theirs) = UnixStream::pair().unwrap();
    let theirs = OwnedFd::from(theirs);
    let env = [("NODE_CHANNEL_SERIALIZATION_MODE", mode.name())];
    let child = spawn(Some(&theirs), role, &env);
    drop(theirs);
    let mut lp: Loop<(Vec<Value>, usize)> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, mine.into(), mode).unwrap();
    let want = msgs.len();
    ch.on_event(&mut lp, move |lp, st, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            let v: Value = match m.serialization() {
                Serialization::Json => m.deserialize()?,
                Serialization::Ruv => json!(m.deserialize::<(u32, String)>()?),
            };
            st.0.push(v);
            if st.0.len() == want.max(1) && !wait_for_close {
                ch.disconnect(lp)?;
            }
        }
        Ok(())
    })
    .unwrap();
    for m in msgs {
        match mode {
            Serialization::Json => ch.send(&mut lp, m).unwrap(),
            Serialization::Ruv => ch.send(&mut lp, &(7u32, m.as_str().unwrap())).unwrap(),
        };
    }
    let mut st = (Vec::new(), 0);
    lp.run(RunMode::Default, &mut st).unwrap();
    let (lines, code) = finish(child);
    (st.0, lines, code)
}

#[test]
fn the_child_side_finds_its_channel_in_the_environment() {
    if let Ok(role) = std::env::var(ROLE) {
        let code = child(&role);
        std::process::exit(code);
    }

    // a child that listens answers each message, and exits when the parent disconnects
    let (got, lines, code) = parent(
        Serialization::Json,
        "echo",
        &[json!({"n": 1}), json!("two")],
        false,
    );
    assert_eq!(got, [json!({"pong": {"n": 1}}), json!({"pong": "two"})]);
    assert_eq!(lines, ["disconnect", "exits after 2 messages"]);
    assert_eq!(code, 0);

    // the same in ruv mode, typed
    let (got, lines, code) = parent(Serialization::Ruv, "echo", &[json!("ruv")], false);
    assert_eq!(got, [json!([8, "pong ruv"])]);
    assert_eq!(lines, ["disconnect", "exits after 1 messages"]);
    assert_eq!(code, 0);

    // a child that only sends exits when its work is done, though the parent stays
    let (got, lines, code) = parent(Serialization::Json, "send-only", &[], true);
    assert_eq!(got.len(), 1);
    assert!(got[0]["hello"].is_u64());
    assert_eq!(lines, ["exits after 0 messages"]);
    assert_eq!(code, 0);

    // no channel; and the environment's errors
    let (lines, code) = finish(spawn(None, "echo", &[]));
    assert_eq!((lines, code), (vec!["no channel".to_string()], 0));
    let (a, _b) = UnixStream::pair().unwrap();
    let a = OwnedFd::from(a);
    let env = [("NODE_CHANNEL_SERIALIZATION_MODE", "advanced")];
    let (lines, code) = finish(spawn(Some(&a), "echo", &env));
    assert_eq!(code, 3);
    assert!(
        lines[0].starts_with("ERR_IPC_UNSUPPORTED_SERIALIZATION: The 'advanced'"),
        "{lines:?}"
    );
    let (lines, code) = finish(spawn(None, "echo", &[("NODE_CHANNEL_FD", "3x")]));
    assert_eq!(code, 3);
    assert_eq!(
        lines,
        ["ERR_INVALID_ARG_VALUE: NODE_CHANNEL_FD must be a file descriptor number. Received '3x'"]
    );
    let (lines, code) = finish(spawn(None, "echo", &[("NODE_CHANNEL_FD", "987")]));
    assert_eq!(code, 3);
    assert_eq!(
        lines,
        ["EBADF: NODE_CHANNEL_FD=987 is not an open file descriptor"]
    );
}
