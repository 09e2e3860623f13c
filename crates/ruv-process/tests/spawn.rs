//! spawn: Node's events and errors, stdio slots, env and cwd, kill, reaping (behaviours of
//! Node's test-child-process-* and libuv's test-spawn*, restated).

mod spawn_support;

use ruv_core::{Code, Loop, RunMode};
use ruv_process::child::{self, ChildEvent, Signal, SpawnOptions, Stdio, NO_ARGS};
use spawn_support::{record, run, subscribe, text, write_file_elsewhere, Seen};

#[test]
fn a_missing_program_is_an_enoent_event_on_the_next_tick_with_stdio_still_usable() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(&mut lp, "/nope/x", &["a"], SpawnOptions::default(), record).unwrap();
    assert_eq!(c.pid(&lp), None);
    let stdin = c.stdin(&lp).expect("stdin is set up, as in Node");
    stdin.write(&mut lp, &b"into nothing"[..]).unwrap();
    subscribe(&mut lp, c, 3);
    assert_eq!(c.spawnargs(&lp).unwrap(), ["/nope/x", "a"]);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["error ENOENT", "close -2"]);
    let e = &seen.errors[0];
    assert_eq!(e.syscall(), Some("spawn"));
    assert_eq!(e.path().unwrap().to_str(), Some("/nope/x"));
    assert_eq!(
        e.to_string(),
        "ENOENT: no such file or directory, spawn '/nope/x'"
    );
    // the streams ended at once and closed
    assert_eq!(seen.stream[1], ["end", "close"]);
    assert_eq!(seen.stream[2], ["end", "close"]);
}

#[test]
fn events_are_never_emitted_inside_the_spawn_call() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let mut seen = Seen::default();
    ruv_node::enter(&mut lp, &mut seen, |lp, seen| {
        child::spawn(lp, "/nope", NO_ARGS, SpawnOptions::default(), record)?;
        child::spawn(lp, "/bin/true", NO_ARGS, SpawnOptions::default(), record)?;
        assert!(seen.events.is_empty());
        Ok(())
    })
    .unwrap();
    // both came on the ticks after the main script (the failed one's close too)
    assert_eq!(seen.events, ["error ENOENT", "spawn", "close -2"]);
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events.len(), 5, "{:?}", seen.events);
}

#[test]
fn a_file_that_is_not_executable_is_an_eacces_event() {
    let dir = tempdir("eacces");
    let f = dir.join("plain");
    write_file_elsewhere(&f, "echo no\n", 0o644);
    let seen = run(f.to_str().unwrap(), NO_ARGS, SpawnOptions::default());
    assert_eq!(seen.events, ["error EACCES", "close -13"]);
}

#[test]
fn a_program_without_a_slash_is_looked_up_in_the_childs_path() {
    let seen = run("true", NO_ARGS, SpawnOptions::default());
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    let seen = run("no-such-program-ruv", NO_ARGS, SpawnOptions::default());
    assert_eq!(seen.events, ["error ENOENT", "close -2"]);
    assert_eq!(
        seen.errors[0].path().unwrap().to_str(),
        Some("no-such-program-ruv")
    );
    // the child's PATH, not the parent's
    let dir = tempdir("path");
    let prog = dir.join("only-here");
    write_file_elsewhere(&prog, "#!/bin/sh\necho found\n", 0o755);
    let env = vec![("PATH".into(), dir.clone().into_os_string())];
    let o = SpawnOptions {
        env: Some(env),
        ..SpawnOptions::default()
    };
    let seen = run("only-here", NO_ARGS, o);
    assert_eq!(text(&seen, 1), "found\n");
}

#[test]
fn a_script_without_a_shebang_runs_with_sh_as_execvp_does() {
    let dir = tempdir("noshebang");
    let prog = dir.join("script");
    write_file_elsewhere(&prog, "echo from-sh \"$1\"\n", 0o755);
    let seen = run(prog.to_str().unwrap(), &["arg"], SpawnOptions::default());
    assert_eq!(text(&seen, 1), "from-sh arg\n");
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
}

#[test]
fn a_missing_cwd_is_enoent_and_a_file_as_cwd_is_returned_enotdir_as_node_throws_it() {
    let o = SpawnOptions {
        cwd: Some("/nonexistent-dir".into()),
        ..SpawnOptions::default()
    };
    let seen = run("/bin/true", NO_ARGS, o);
    assert_eq!(seen.events, ["error ENOENT", "close -2"]);
    assert_eq!(seen.errors[0].path().unwrap().to_str(), Some("/bin/true"));
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let o = SpawnOptions {
        cwd: Some("/etc/passwd".into()),
        ..SpawnOptions::default()
    };
    let e = child::spawn(&mut lp, "/bin/true", NO_ARGS, o, record).unwrap_err();
    assert_eq!(e.code(), Code::ENOTDIR);
    assert_eq!(e.to_string(), "ENOTDIR: not a directory, spawn '/bin/true'");
    // nothing is left behind: the loop has nothing to do
    assert!(!lp.run(RunMode::Default, &mut Seen::default()).unwrap());
}

#[test]
fn kill_ends_the_child_with_sigterm_and_sets_killed() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(
        &mut lp,
        "/bin/sleep",
        &["30"],
        SpawnOptions::default(),
        |lp, seen: &mut Seen, c, ev| {
            if ev == ChildEvent::Spawn {
                assert!(c.kill(lp, Signal::SIGTERM));
                assert!(c.killed(lp));
            }
            if let ChildEvent::Exit { .. } = ev {
                assert_eq!(c.signal_code(lp), Some(Signal::SIGTERM));
                assert_eq!(c.exit_code(lp), None);
            }
            record(lp, seen, c, ev);
        },
    )
    .unwrap();
    assert!(c.pid(&lp).is_some());
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit SIGTERM", "close SIGTERM"]);
}

#[test]
fn kill_after_the_child_was_reaped_returns_false_and_signals_nothing() {
    let mut lp: Loop<Vec<bool>> = Loop::new().unwrap();
    let c = child::spawn(
        &mut lp,
        "/bin/true",
        NO_ARGS,
        SpawnOptions::default(),
        |lp, got: &mut Vec<bool>, c, ev| {
            if let ChildEvent::Exit { .. } | ChildEvent::Close { .. } = ev {
                got.push(c.kill(lp, Signal::SIGKILL));
                got.push(c.killed(lp));
            }
        },
    )
    .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, [false, false, false, false]);
    // and once the id is stale
    assert!(!c.kill(&mut lp, Signal::SIGTERM));
    assert_eq!(c.pid(&lp), None);
    // a child that never ran is never signalled (Node 20 would kill(0, …): the whole group)
    let failed = child::spawn(
        &mut lp,
        "/nope",
        NO_ARGS,
        SpawnOptions::default(),
        |_, _: &mut Vec<bool>, _, _| {},
    )
    .unwrap();
    assert!(!failed.kill(&mut lp, Signal::SIGTERM));
    lp.run(RunMode::Default, &mut got).unwrap();
}

#[test]
fn a_detached_child_leads_its_own_session_and_process_group() {
    let me = spawn_support::stat_fields(&std::fs::read_to_string("/proc/self/stat").unwrap());
    let o = SpawnOptions {
        detached: true,
        ..SpawnOptions::default()
    };
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(&mut lp, "/bin/cat", &["/proc/self/stat"], o, record).unwrap();
    let pid = c.pid(&lp).unwrap().to_string();
    subscribe(&mut lp, c, 3);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    let f = spawn_support::stat_fields(&text(&seen, 1));
    assert_eq!(f[3], pid, "session id is the child's pid");
    assert_eq!(f[2], pid, "so is its process group");
    assert_ne!(f[2], me[2], "it left the parent's process group");
    // not detached: the parent's group and session
    let seen = run("/bin/cat", &["/proc/self/stat"], SpawnOptions::default());
    let f = spawn_support::stat_fields(&text(&seen, 1));
    assert_eq!((&f[2], &f[3]), (&me[2], &me[3]));
}

#[test]
fn several_loops_on_threads_each_get_their_own_childrens_exits() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let mut lp: Loop<Vec<i32>> = Loop::new().unwrap();
                for i in 0..10 {
                    let code = t * 10 + i;
                    let o = SpawnOptions {
                        stdio: vec![Stdio::Ignore; 3],
                        ..SpawnOptions::default()
                    };
                    child::spawn(
                        &mut lp,
                        "/bin/sh",
                        &["-c", &format!("exit {code}")],
                        o,
                        |_, got: &mut Vec<i32>, _, ev| {
                            if let ChildEvent::Exit { code: Some(c), .. } = ev {
                                got.push(c);
                            }
                        },
                    )
                    .unwrap();
                }
                let mut got = Vec::new();
                lp.run(RunMode::Default, &mut got).unwrap();
                got.sort();
                assert_eq!(got, (t * 10..t * 10 + 10).collect::<Vec<_>>());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn a_hundred_children_in_flight_each_exit_once_and_a_hundred_failed_spawns_each_report_once() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    for i in 0..100 {
        let o = SpawnOptions {
            stdio: vec![Stdio::Ignore; 3],
            ..SpawnOptions::default()
        };
        child::spawn(
            &mut lp,
            "/bin/sh",
            &["-c", &format!("exit {}", i % 7)],
            o,
            record,
        )
        .unwrap();
        child::spawn(&mut lp, "/nope", NO_ARGS, SpawnOptions::default(), record).unwrap();
    }
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    let count = |p: &str| seen.events.iter().filter(|e| e.starts_with(p)).count();
    assert_eq!(count("spawn"), 100);
    assert_eq!(count("exit"), 100);
    assert_eq!(count("error ENOENT"), 100);
    assert_eq!(count("close"), 200);
}

#[test]
fn an_unreferenced_child_does_not_keep_the_loop_alive() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    };
    let c = child::spawn(&mut lp, "/bin/sleep", &["30"], o, record).unwrap();
    c.set_ref(&mut lp, false);
    assert!(!c.has_ref(&lp).unwrap());
    let mut seen = Seen::default();
    assert!(!lp.run(RunMode::Default, &mut seen).unwrap());
    assert_eq!(seen.events, ["spawn"]);
    assert!(c.kill(&mut lp, Signal::SIGKILL));
    c.set_ref(&mut lp, true);
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit SIGKILL", "close SIGKILL"]);
}

#[test]
fn the_timeout_option_kills_with_the_kill_signal() {
    let o = SpawnOptions {
        timeout: 20,
        kill_signal: Signal::SIGUSR1,
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    };
    let seen = run("/bin/sleep", &["30"], o);
    assert_eq!(seen.events, ["spawn", "exit SIGUSR1", "close SIGUSR1"]);
}

#[test]
fn bad_arguments_are_returned_with_nodes_errors_and_leave_nothing_behind() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let err = |lp: &mut Loop<Seen>, prog: &str, args: &[&str], o: SpawnOptions| {
        child::spawn(lp, prog, args, o, record)
            .unwrap_err()
            .to_string()
    };
    let d = SpawnOptions::default;
    assert_eq!(
        err(&mut lp, "", &[], d()),
        "ERR_INVALID_ARG_VALUE: The argument 'file' cannot be empty. Received ''"
    );
    assert_eq!(err(&mut lp, "/bin/tr\0ue", &[], d()), "ERR_INVALID_ARG_VALUE: The argument 'file' must be a string without null bytes. Received '/bin/tr\\x00ue'");
    assert_eq!(err(&mut lp, "/bin/echo", &["ok", "a\0b"], d()), "ERR_INVALID_ARG_VALUE: The argument 'args[1]' must be a string without null bytes. Received 'a\\x00b'");
    let o = SpawnOptions {
        env: Some(vec![("A".into(), "x\0".into())]),
        ..d()
    };
    assert_eq!(err(&mut lp, "/bin/true", &[], o), "ERR_INVALID_ARG_VALUE: The property 'options.env['A']' must be a string without null bytes. Received 'x\\x00'");
    let o = SpawnOptions {
        cwd: Some("/tm\0p".into()),
        ..d()
    };
    assert_eq!(err(&mut lp, "/bin/true", &[], o), "ERR_INVALID_ARG_VALUE: The property 'options.cwd' must be a string, Uint8Array, or URL without null bytes. Received '/tm\\x00p'");
    let o = SpawnOptions {
        argv0: Some("a\0".into()),
        ..d()
    };
    assert_eq!(err(&mut lp, "/bin/true", &[], o), "ERR_INVALID_ARG_VALUE: The property 'options.argv0' must be a string without null bytes. Received 'a\\x00'");
    let o = SpawnOptions {
        stdio: vec![Stdio::Ipc, Stdio::Ipc],
        ..d()
    };
    assert_eq!(
        err(&mut lp, "/bin/true", &[], o),
        "ERR_IPC_ONE_PIPE: Child process can have only one IPC pipe"
    );
    let o = SpawnOptions {
        stdio: vec![Stdio::Pipe, Stdio::Pipe, Stdio::Pipe, Stdio::Fd(99_999)],
        ..d()
    };
    assert_eq!(
        err(&mut lp, "/bin/true", &[], o),
        "EBADF: bad file descriptor, spawn '/bin/true'"
    );
    assert!(!lp.run(RunMode::Default, &mut Seen::default()).unwrap());
}

#[test]
fn close_waits_for_every_hold_to_be_released() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    };
    let c = child::spawn(
        &mut lp,
        "/bin/true",
        NO_ARGS,
        o,
        |lp, seen: &mut Seen, c, ev| {
            if let ChildEvent::Exit { .. } = ev {
                let t = ruv_core::Timer::new(lp).unwrap();
                t.start(lp, 5, 0, move |lp, seen: &mut Seen, t| {
                    seen.events.push("release 1".into());
                    c.release_close(lp);
                    t.close(lp).unwrap();
                    let t2 = ruv_core::Timer::new(lp).unwrap();
                    t2.start(lp, 5, 0, move |lp, seen: &mut Seen, t| {
                        seen.events.push("release 2".into());
                        c.release_close(lp);
                        t.close(lp).unwrap();
                    })
                    .unwrap();
                })
                .unwrap();
            }
            record(lp, seen, c, ev);
        },
    )
    .unwrap();
    c.hold_close(&mut lp).unwrap();
    c.hold_close(&mut lp).unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(
        seen.events,
        ["spawn", "exit 0", "release 1", "release 2", "close 0"]
    );
    assert_eq!(c.hold_close(&mut lp).unwrap_err().code(), Code::EBADF);
    c.release_close(&mut lp);
}

#[test]
fn with_uid_and_gid_the_fork_path_runs_and_reports_like_posix_spawn() {
    let (uid, gid) = (
        rustix::process::getuid().as_raw(),
        rustix::process::getgid().as_raw(),
    );
    let fork = |o: SpawnOptions| SpawnOptions {
        uid: Some(uid),
        gid: Some(gid),
        ..o
    };
    let seen = run("/usr/bin/id", &["-u"], fork(SpawnOptions::default()));
    assert_eq!(text(&seen, 1), format!("{uid}\n"));
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    let seen = run("/nope", NO_ARGS, fork(SpawnOptions::default()));
    assert_eq!(seen.events, ["error ENOENT", "close -2"]);
    let seen = run(
        "/bin/true",
        NO_ARGS,
        fork(SpawnOptions {
            cwd: Some("/nope-dir".into()),
            ..SpawnOptions::default()
        }),
    );
    assert_eq!(seen.events, ["error ENOENT", "close -2"]);
    let o = fork(SpawnOptions {
        detached: true,
        cwd: Some("/tmp".into()),
        stdio: vec![Stdio::Pipe; 4],
        ..SpawnOptions::default()
    });
    let seen = run(
        "/bin/sh",
        &["-c", "pwd; echo x >&3; cut -d' ' -f6 /proc/$$/stat"],
        o,
    );
    let out = text(&seen, 1);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("/tmp"));
    assert_eq!(text(&seen, 3), "x\n");
    assert_ne!(
        lines.next().unwrap(),
        spawn_support::stat_fields(&std::fs::read_to_string("/proc/self/stat").unwrap())[3]
    );
}

#[test]
fn a_callback_error_is_the_loops_uncaught_error() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    };
    child::spawn(&mut lp, "/bin/true", NO_ARGS, o, |_, _, _, ev| match ev {
        ChildEvent::Exit { .. } => Err(ruv_core::Error::new(Code::EINVAL).with_detail("from exit")),
        _ => Ok(()),
    })
    .unwrap();
    let e = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(e.to_string(), "EINVAL: from exit");
    // the loop goes on to the close
    lp.run(RunMode::Default, &mut ()).unwrap();
}

#[test]
fn an_error_returned_at_close_still_frees_the_child() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    };
    let c = child::spawn(&mut lp, "/bin/true", NO_ARGS, o, |_, _, _, ev| match ev {
        ChildEvent::Close { .. } => Err(ruv_core::Error::new(Code::EINVAL)),
        _ => Ok(()),
    })
    .unwrap();
    assert!(lp.run(RunMode::Default, &mut ()).is_err());
    assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
    assert_eq!(c.pid(&lp), None);
    assert!(c.has_ref(&lp).is_err());
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ruv-spawn-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
