//! spawn: stdio slots (pipes, fds, inherit, more than three, the IPC slot), output and
//! 'close', environment, cwd, shell and argv0, and no fd of the parent in the child.

mod spawn_support;

use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, SpawnOptions, Stdio, NO_ARGS};
use spawn_support::{record, run, subscribe, text, Seen};
use std::os::fd::AsRawFd;

#[test]
fn the_working_directory_is_cwd() {
    let o = SpawnOptions {
        cwd: Some("/tmp".into()),
        ..SpawnOptions::default()
    };
    let seen = run("/bin/pwd", NO_ARGS, o);
    assert_eq!(text(&seen, 1), "/tmp\n");
}

#[test]
fn the_environment_is_the_given_one_without_the_channel_variables() {
    let env = vec![
        ("A".into(), "1".into()),
        ("NODE_CHANNEL_FD".into(), "7".into()),
        ("NODE_CHANNEL_SERIALIZATION_MODE".into(), "json".into()),
        ("NODE_UNIQUE_ID".into(), "3".into()),
        ("K=EQ".into(), "v".into()),
    ];
    let o = SpawnOptions {
        env: Some(env),
        ..SpawnOptions::default()
    };
    let seen = run("/usr/bin/env", NO_ARGS, o);
    let mut lines: Vec<String> = text(&seen, 1).lines().map(String::from).collect();
    lines.sort();
    // a key with '=' is passed on as Node passes it: the child sees K = "EQ=v"
    assert_eq!(lines, ["A=1", "K=EQ=v"]);
    // set on purpose (cluster's worker id): extra_env comes after the stripping
    let o = SpawnOptions {
        env: Some(vec![("NODE_UNIQUE_ID".into(), "3".into())]),
        extra_env: vec![("NODE_UNIQUE_ID".into(), "5".into())],
        ..SpawnOptions::default()
    };
    let seen = run("/usr/bin/env", NO_ARGS, o);
    assert_eq!(text(&seen, 1), "NODE_UNIQUE_ID=5\n");
}

#[test]
fn the_inherited_environment_is_the_parents() {
    let seen = run("/usr/bin/env", NO_ARGS, SpawnOptions::default());
    let got: std::collections::BTreeSet<String> =
        text(&seen, 1).lines().map(String::from).collect();
    for (k, v) in std::env::vars() {
        if child::STRIPPED_ENV.contains(&k.as_str()) {
            assert!(!got.iter().any(|l| l.starts_with(&format!("{k}="))));
        } else if !v.contains('\n') {
            assert!(got.contains(&format!("{k}={v}")), "{k} missing");
        }
    }
}

#[test]
fn an_inherited_channel_variable_is_stripped_from_grandchildren() {
    // This test binary runs itself as a child with NODE_CHANNEL_FD set; that child spawns
    // `env` with the inherited environment (see `helper_spawns_env_with_inherited_env`).
    let exe = std::env::current_exe().unwrap();
    let env: Vec<_> = std::env::vars_os()
        .chain([
            ("RUV_SPAWN_HELPER".into(), "env".into()),
            ("NODE_CHANNEL_FD".into(), "9".into()),
            ("NODE_UNIQUE_ID".into(), "1".into()),
            ("KEPT".into(), "yes".into()),
        ])
        .collect();
    let o = SpawnOptions {
        env: Some(env),
        ..SpawnOptions::default()
    };
    let exe = exe.to_str().unwrap();
    let seen = run(
        exe,
        &[
            "--exact",
            "helper_spawns_env_with_inherited_env",
            "--nocapture",
            "--test-threads=1",
        ],
        o,
    );
    let out = text(&seen, 1);
    assert!(out.contains("KEPT=yes"), "{out}");
    assert!(!out.contains("NODE_CHANNEL_FD"), "{out}");
    assert!(!out.contains("NODE_UNIQUE_ID"), "{out}");
}

/// Not a test of its own: the child side of the test above (does nothing without its
/// variable).
#[test]
fn helper_spawns_env_with_inherited_env() {
    if std::env::var_os("RUV_SPAWN_HELPER").as_deref() != Some("env".as_ref()) {
        return;
    }
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore, Stdio::Inherit, Stdio::Inherit],
        ..SpawnOptions::default()
    };
    let seen = run("/usr/bin/env", NO_ARGS, o);
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
}

#[test]
fn an_fd_slot_and_an_inherited_slot_are_the_parents_fds() {
    let (r, w) = rustix::pipe::pipe().unwrap();
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore, Stdio::Fd(w.as_raw_fd()), Stdio::Ignore],
        ..SpawnOptions::default()
    };
    let seen = run("/bin/echo", &["through the fd"], o);
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    drop(w);
    let mut buf = [0u8; 64];
    let n = rustix::io::read(&r, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"through the fd\n");
    // Inherit: the same fd number in the child
    let (r, w) = rustix::pipe::pipe().unwrap();
    let n = w.as_raw_fd() as usize;
    let mut stdio = vec![Stdio::Ignore; n + 1];
    stdio[n] = Stdio::Inherit;
    let o = SpawnOptions {
        stdio,
        ..SpawnOptions::default()
    };
    let seen = run(
        "/bin/sh",
        &["-c", &format!("echo inherited > /proc/self/fd/{n}")],
        o,
    );
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    drop(w);
    let mut buf = [0u8; 64];
    let got = rustix::io::read(&r, &mut buf).unwrap();
    assert_eq!(&buf[..got], b"inherited\n");
}

#[test]
fn a_fourth_pipe_slot_carries_what_the_child_writes_to_fd_3() {
    let o = SpawnOptions {
        stdio: vec![Stdio::Pipe; 4],
        ..SpawnOptions::default()
    };
    let seen = run("/bin/sh", &["-c", "echo three >&3; echo one"], o);
    assert_eq!(text(&seen, 3), "three\n");
    assert_eq!(text(&seen, 1), "one\n");
    assert_eq!(seen.stream[3], ["end", "close"]);
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
}

#[test]
fn close_follows_exit_and_all_of_a_megabyte_of_output() {
    let seen = run(
        "/bin/sh",
        &["-c", "head -c 1048576 /dev/zero; exit 3"],
        SpawnOptions::default(),
    );
    assert_eq!(seen.events, ["spawn", "exit 3", "close 3"]);
    assert_eq!(seen.out[1].len(), 1 << 20);
    assert_eq!(seen.stream[1], ["end", "close"]);
}

#[test]
fn output_still_unread_at_exit_is_all_delivered_before_close() {
    // the consumer is paused until exit: 64 KiB wait in the socket, none is lost
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(
        &mut lp,
        "/bin/sh",
        &["-c", "head -c 65536 /dev/zero; exit 3"],
        SpawnOptions::default(),
        |lp, seen: &mut Seen, c, ev| {
            if let ChildEvent::Exit { .. } = ev {
                c.stdout(lp).unwrap().resume(lp);
            }
            record(lp, seen, c, ev);
        },
    )
    .unwrap();
    subscribe(&mut lp, c, 3);
    let stdout = c.stdout(&lp).unwrap();
    stdout.pause(&mut lp);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit 3", "close 3"]);
    assert_eq!(seen.out_at_exit, 0);
    assert_eq!(seen.out[1].len(), 65536);
    assert_eq!(seen.stream[1], ["end", "close"]);
}

#[test]
fn output_nobody_reads_is_drained_after_exit_so_close_comes() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    child::spawn(
        &mut lp,
        "/bin/sh",
        &["-c", "head -c 100000 /dev/zero"],
        SpawnOptions::default(),
        record,
    )
    .unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
}

#[test]
fn stdin_written_and_ended_reaches_the_child() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(
        &mut lp,
        "/bin/cat",
        NO_ARGS,
        SpawnOptions::default(),
        record,
    )
    .unwrap();
    subscribe(&mut lp, c, 3);
    let stdin = c.stdin(&lp).unwrap();
    assert!(stdin.write(&mut lp, &b"to cat"[..]).unwrap());
    stdin.end(&mut lp).unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(text(&seen, 1), "to cat");
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
}

#[test]
fn no_fd_of_the_parent_reaches_the_child() {
    let _file = std::fs::File::open("/etc/hostname").unwrap();
    let _sock = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let mut seen = Seen::default();
    // pool threads open and close files while the children are spawned
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for _ in 0..4 {
        let stop = stop.clone();
        lp.queue_work(
            ruv_core::WorkClass::FastIo,
            move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    drop(std::fs::File::open("/dev/null"));
                }
            },
            |_, _: &mut Seen, _| {},
        )
        .unwrap();
    }
    for _ in 0..20 {
        let o = SpawnOptions {
            stdio: vec![Stdio::Ignore, Stdio::Pipe, Stdio::Ignore],
            ..SpawnOptions::default()
        };
        let stop = stop.clone();
        let c = child::spawn(
            &mut lp,
            "/bin/ls",
            &["-l", "/proc/self/fd"],
            o,
            move |lp, seen: &mut Seen, c, ev| {
                record(lp, seen, c, ev);
                let closed = seen
                    .events
                    .iter()
                    .filter(|e| e.starts_with("close"))
                    .count();
                if closed == 20 {
                    // the pool threads stop opening files once the last child is done
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            },
        )
        .unwrap();
        subscribe(&mut lp, c, 3);
    }
    lp.run(RunMode::Default, &mut seen).unwrap();
    let out = text(&seen, 1);
    let inherited = spawn_support::fds_without_cloexec();
    for line in out.lines().filter(|l| l.contains(" -> ")) {
        let (fd, target) = line.split_once(" -> ").unwrap();
        let fd: u32 = fd.rsplit(' ').next().unwrap().parse().unwrap();
        // 0 and 2 are /dev/null, 1 the pipe, then ls's own directory fd for /proc/self/fd,
        // and the fds this test process was itself given without close-on-exec (passed on
        // by design, as by every exec)
        assert!(
            fd <= 2 || target.starts_with("/proc/") || inherited.contains(&fd),
            "leaked: {line}"
        );
    }
    assert_eq!(out.matches("total").count(), 20);
}

#[test]
fn shell_argv0_and_spawnfile() {
    let o = SpawnOptions {
        shell: Some("/bin/sh".into()),
        ..SpawnOptions::default()
    };
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(&mut lp, "echo", &["$((1+2))", "b"], o, record).unwrap();
    assert_eq!(c.spawnfile(&lp).unwrap(), "/bin/sh");
    assert_eq!(
        c.spawnargs(&lp).unwrap(),
        ["/bin/sh", "-c", "echo $((1+2)) b"]
    );
    subscribe(&mut lp, c, 3);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(text(&seen, 1), "3 b\n");
    let o = SpawnOptions {
        argv0: Some("custom-name".into()),
        ..SpawnOptions::default()
    };
    let seen = run("/bin/cat", &["/proc/self/cmdline"], o);
    assert_eq!(text(&seen, 1), "custom-name\0/proc/self/cmdline\0");
}

#[test]
fn an_ipc_slot_announces_the_channel_and_hands_the_parent_its_end() {
    let o = SpawnOptions {
        stdio: vec![Stdio::Pipe, Stdio::Pipe, Stdio::Pipe, Stdio::Ipc],
        ..SpawnOptions::default()
    };
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let script = "echo $NODE_CHANNEL_FD $NODE_CHANNEL_SERIALIZATION_MODE; echo over-ipc >&3";
    let c = child::spawn(&mut lp, "/bin/sh", &["-c", script], o, record).unwrap();
    subscribe(&mut lp, c, 3);
    let fd = c.take_ipc_fd(&mut lp).expect("the parent's end");
    assert!(c.take_ipc_fd(&mut lp).is_none());
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(text(&seen, 1), "3 json\n");
    let mut buf = [0u8; 64];
    let n = rustix::io::read(&fd, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"over-ipc\n");
    let fl = rustix::io::fcntl_getfd(&fd).unwrap();
    assert!(fl.contains(rustix::io::FdFlags::CLOEXEC));
}

#[test]
fn the_stdio_streams_work_with_pipeline() {
    // `cat`'s stdout piped into a second `cat`'s stdin: data flows through ruv's pipeline
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let a = child::spawn(
        &mut lp,
        "/bin/echo",
        &["piped"],
        SpawnOptions::default(),
        record,
    )
    .unwrap();
    let b = child::spawn(
        &mut lp,
        "/bin/cat",
        NO_ARGS,
        SpawnOptions::default(),
        record,
    )
    .unwrap();
    subscribe(&mut lp, b, 3);
    let (src, dst) = (a.stdout(&lp).unwrap(), b.stdin(&lp).unwrap());
    ruv_core::stream::pipeline(&mut lp, src, dst, |_, seen: &mut Seen, r| {
        seen.events.push(format!("pipeline {}", r.is_ok()));
    })
    .unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(text(&seen, 1), "piped\n");
    assert!(
        seen.events.contains(&"pipeline true".to_string()),
        "{:?}",
        seen.events
    );
}

#[test]
fn a_node_child_finds_its_channel_on_the_ipc_slot() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: node is not installed");
        return;
    }
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore, Stdio::Pipe, Stdio::Inherit, Stdio::Ipc],
        ..SpawnOptions::default()
    };
    let script = "process.send({ hello: process.env.NODE_CHANNEL_FD === undefined }); \
                  process.disconnect(); console.log(process.connected)";
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(&mut lp, "node", &["-e", script], o, record).unwrap();
    subscribe(&mut lp, c, 3);
    let fd = c.take_ipc_fd(&mut lp).unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    // Node read NODE_CHANNEL_FD (and removed it from its env), sent one json line
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while let Ok(n) = rustix::io::read(&fd, &mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&got), "{\"hello\":true}\n");
    assert_eq!(text(&seen, 1), "false\n");
}
