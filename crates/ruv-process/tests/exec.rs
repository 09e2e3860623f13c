//! exec / exec_file and the blocking spawn_sync / exec_file_sync: output, Node's errors,
//! max_buffer and timeout.

use ruv_core::{Code, Loop, RunMode};
use ruv_process::child::{
    self, Data, Encoding, ExecError, ExecOptions, Output, Signal, Stdio, SyncOptions,
    ERR_CHILD_PROCESS_FAILED, ERR_CHILD_PROCESS_STDIO_MAXBUFFER, ERR_IPC_SYNC_FORK, NO_ARGS,
};

type Res = Option<Result<Output, ExecError>>;

fn exec(cmd: &str, o: ExecOptions) -> Result<Output, ExecError> {
    let mut lp: Loop<Res> = Loop::new().unwrap();
    child::exec(&mut lp, cmd, o, |_, got: &mut Res, r| *got = Some(r)).unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    got.expect("the callback ran")
}

fn exec_file(file: &str, args: &[&str], o: ExecOptions) -> Result<Output, ExecError> {
    let mut lp: Loop<Res> = Loop::new().unwrap();
    child::exec_file(&mut lp, file, args, o, |_, got: &mut Res, r| *got = Some(r)).unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    got.expect("the callback ran")
}

#[test]
fn exec_runs_a_shell_line_and_collects_stdout_and_stderr_as_text() {
    let out = exec("echo out; echo err >&2", ExecOptions::default()).unwrap();
    assert_eq!(out.stdout, "out\n");
    assert_eq!(out.stderr, "err\n");
    assert_eq!((out.code, out.signal), (Some(0), None));
}

#[test]
fn a_non_zero_exit_is_command_failed_with_the_code_and_the_output() {
    let e = exec_file(
        "/bin/sh",
        &["-c", "echo out; echo err >&2; exit 3"],
        ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.error.code(), ERR_CHILD_PROCESS_FAILED);
    assert_eq!(
        e.to_string(),
        "Command failed: /bin/sh -c echo out; echo err >&2; exit 3\nerr\n"
    );
    assert_eq!((e.code, e.signal, e.killed), (Some(3), None, false));
    assert_eq!(e.cmd, "/bin/sh -c echo out; echo err >&2; exit 3");
    assert_eq!(
        (e.stdout.clone(), e.stderr.clone()),
        (Data::Utf8("out\n".into()), Data::Utf8("err\n".into()))
    );
    // a missing command through the shell: the shell's 127, as Node reports it
    let e = exec("no-such-command-ruv", ExecOptions::default()).unwrap_err();
    assert_eq!(e.code, Some(127));
    assert!(
        e.to_string()
            .starts_with("Command failed: no-such-command-ruv\n"),
        "{e}"
    );
}

#[test]
fn a_missing_file_is_the_spawn_error() {
    let e = exec_file("no-such-file-ruv", &["a"], ExecOptions::default()).unwrap_err();
    assert_eq!(e.error.code(), Code::ENOENT);
    assert_eq!(
        e.to_string(),
        "ENOENT: no such file or directory, spawn 'no-such-file-ruv'"
    );
    assert_eq!(e.cmd, "no-such-file-ruv a");
    assert_eq!((e.code, e.signal, e.killed), (None, None, false));
}

#[test]
fn output_past_max_buffer_kills_the_child_and_keeps_exactly_max_buffer_bytes() {
    let e = exec("yes | head -c 10485760", ExecOptions::default()).unwrap_err();
    assert_eq!(e.error.code(), ERR_CHILD_PROCESS_STDIO_MAXBUFFER);
    assert_eq!(
        e.to_string(),
        "ERR_CHILD_PROCESS_STDIO_MAXBUFFER: stdout maxBuffer length exceeded"
    );
    assert_eq!(e.stdout.len(), 1 << 20);
    assert!(e.killed);
    assert!(e.stdout.as_bytes().chunks(2).all(|c| c == b"y\n"));
    // stderr has its own limit
    let o = ExecOptions {
        max_buffer: 10,
        ..ExecOptions::default()
    };
    let e = exec("echo 0123456789abc >&2; sleep 30", o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ERR_CHILD_PROCESS_STDIO_MAXBUFFER: stderr maxBuffer length exceeded"
    );
    assert_eq!(e.stderr, "0123456789");
    // with room enough, all of it
    let o = ExecOptions {
        max_buffer: 64 << 20,
        ..ExecOptions::default()
    };
    let out = exec("yes | head -c 10485760", o).unwrap();
    assert_eq!(out.stdout.len(), 10 << 20);
}

#[test]
fn the_timeout_kills_with_kill_signal_and_reports_killed() {
    let o = ExecOptions {
        timeout: 20,
        ..ExecOptions::default()
    };
    let e = exec("sleep 30", o).unwrap_err();
    assert_eq!(e.to_string(), "Command failed: sleep 30\n");
    assert_eq!(
        (e.code, e.signal, e.killed),
        (None, Some(Signal::SIGTERM), true)
    );
    let o = ExecOptions {
        timeout: 20,
        kill_signal: Signal::SIGKILL,
        ..ExecOptions::default()
    };
    let e = exec_file("/bin/sleep", &["30"], o).unwrap_err();
    assert_eq!(e.signal, Some(Signal::SIGKILL));
}

#[test]
fn buffer_encoding_keeps_bytes_and_utf8_replaces_invalid_sequences() {
    let o = ExecOptions {
        encoding: Encoding::Buffer,
        ..ExecOptions::default()
    };
    let out = exec("printf 'a\\377b'", o).unwrap();
    assert_eq!(out.stdout, Data::Buffer(vec![b'a', 0xff, b'b']));
    let out = exec("printf 'a\\377b'", ExecOptions::default()).unwrap();
    assert_eq!(out.stdout, Data::Utf8("a\u{fffd}b".into()));
}

#[test]
fn exec_options_reach_the_child() {
    let o = ExecOptions {
        cwd: Some("/tmp".into()),
        env: Some(vec![("X".into(), "from-env".into())]),
        ..ExecOptions::default()
    };
    let out = exec("pwd; echo $X", o).unwrap();
    assert_eq!(out.stdout, "/tmp\nfrom-env\n");
}

#[test]
fn the_childs_stdin_stays_writable_through_exec() {
    let mut lp: Loop<Res> = Loop::new().unwrap();
    let c = child::exec_file(
        &mut lp,
        "/bin/cat",
        NO_ARGS,
        ExecOptions::default(),
        |_, got: &mut Res, r| *got = Some(r),
    )
    .unwrap();
    let stdin = c.stdin(&lp).unwrap();
    stdin.write(&mut lp, &b"fed"[..]).unwrap();
    stdin.end(&mut lp).unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got.unwrap().unwrap().stdout, "fed");
}

#[test]
fn spawn_sync_returns_status_and_output() {
    let r = child::spawn_sync(
        "/bin/sh",
        &["-c", "echo out; echo err >&2; exit 4"],
        SyncOptions::default(),
    )
    .unwrap();
    assert_eq!((r.status, r.signal), (Some(4), None));
    assert_eq!(
        (r.stdout.as_slice(), r.stderr.as_slice()),
        (&b"out\n"[..], &b"err\n"[..])
    );
    assert!(r.pid > 0);
    assert_eq!(
        r.output,
        [None, Some(b"out\n".to_vec()), Some(b"err\n".to_vec())]
    );
    assert_eq!(r.error, None);
    // input goes to stdin, which is then closed
    let o = SyncOptions {
        input: Some(b"hello".to_vec()),
        ..SyncOptions::default()
    };
    let r = child::spawn_sync("/bin/cat", NO_ARGS, o).unwrap();
    assert_eq!(r.stdout, b"hello");
    // no input: stdin is closed at once (cat does not wait)
    let r = child::spawn_sync("/bin/cat", NO_ARGS, SyncOptions::default()).unwrap();
    assert_eq!((r.status, r.stdout.len()), (Some(0), 0));
    // a large input, larger than the socket buffer, while the child writes it back
    let big = vec![b'x'; 4 << 20];
    let o = SyncOptions {
        input: Some(big.clone()),
        max_buffer: 8 << 20,
        ..SyncOptions::default()
    };
    let r = child::spawn_sync("/bin/cat", NO_ARGS, o).unwrap();
    assert_eq!(r.stdout, big);
}

#[test]
fn spawn_sync_timeout_and_max_buffer_are_errors_in_the_result() {
    let o = SyncOptions {
        timeout: 20,
        ..SyncOptions::default()
    };
    let r = child::spawn_sync("/bin/sleep", &["30"], o).unwrap();
    assert_eq!((r.status, r.signal), (None, Some(Signal::SIGTERM)));
    let e = r.error.unwrap();
    assert_eq!(e.code(), Code::ETIMEDOUT);
    assert_eq!(
        e.to_string(),
        format!(
            "ETIMEDOUT: {}, spawnSync '/bin/sleep'",
            Code::ETIMEDOUT.description()
        )
    );
    let o = SyncOptions {
        max_buffer: 1000,
        ..SyncOptions::default()
    };
    let r = child::spawn_sync("/bin/sh", &["-c", "yes | head -c 100000; sleep 30"], o).unwrap();
    assert_eq!(r.error.unwrap().code(), Code::ENOBUFS);
    assert_eq!(r.stdout.len(), 1000);
    assert_eq!(r.signal, Some(Signal::SIGTERM));
}

#[test]
fn spawn_sync_errors_are_returned() {
    let e = child::spawn_sync("/nope", NO_ARGS, SyncOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ENOENT: no such file or directory, spawnSync '/nope'"
    );
    let o = SyncOptions {
        stdio: vec![Stdio::Pipe, Stdio::Pipe, Stdio::Pipe, Stdio::Ipc],
        ..SyncOptions::default()
    };
    assert_eq!(
        child::spawn_sync("/bin/true", NO_ARGS, o)
            .unwrap_err()
            .code(),
        ERR_IPC_SYNC_FORK
    );
    let e = child::spawn_sync("/bin/echo", &["a\0"], SyncOptions::default()).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
}

#[test]
fn exec_file_sync_returns_stdout_or_nodes_command_failed() {
    let out = child::exec_file_sync("/bin/echo", &["hi"], SyncOptions::default()).unwrap();
    assert_eq!(out, b"hi\n");
    let o = SyncOptions {
        stdio: vec![Stdio::Pipe; 3],
        ..SyncOptions::default()
    };
    let e =
        child::exec_file_sync("/bin/sh", &["-c", "echo out; echo err >&2; exit 3"], o).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Command failed: /bin/sh -c echo out; echo err >&2; exit 3\nerr\n"
    );
    assert_eq!(e.code, Some(3));
    assert_eq!(e.stdout.as_bytes(), b"out\n");
    let e = child::exec_file_sync("/nope", NO_ARGS, SyncOptions::default()).unwrap_err();
    assert_eq!(e.error.code(), Code::ENOENT);
}
