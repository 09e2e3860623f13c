//! `exec` and `exec_file` (Node's `child_process.exec` / `execFile`): run a command, collect
//! its output up to `max_buffer`, with an optional timeout, and get one callback at the end.

use super::process::{ChildEvent, ChildProcess};
use super::signal::Signal;
use super::{spawn, SpawnOptions};
use ruv_core::stream::StreamEvent;
use ruv_core::{CallbackResult, Code, Error, Loop, Result, Timer};
use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;

/// Node's code for output past `maxBuffer` (`stdout maxBuffer length exceeded`).
pub const ERR_CHILD_PROCESS_STDIO_MAXBUFFER: Code = Code::new(
    "ERR_CHILD_PROCESS_STDIO_MAXBUFFER",
    "maxBuffer length exceeded",
);

/// ruv's code for a command that exited with a non-zero code or was ended by a signal (Node
/// has none: its error's `code` is the exit code, which ruv keeps in [`ExecError::code`]).
pub const ERR_CHILD_PROCESS_FAILED: Code = Code::new("ERR_CHILD_PROCESS_FAILED", "Command failed");

/// How the collected output is handed over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// As bytes (Node's `encoding: 'buffer'`).
    Buffer,
    /// As text, invalid UTF-8 replaced by U+FFFD (Node's default, `'utf8'`).
    #[default]
    Utf8,
}

/// Collected output: bytes or text, as [`Encoding`] asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// [`Encoding::Buffer`].
    Buffer(Vec<u8>),
    /// [`Encoding::Utf8`].
    Utf8(String),
}

impl Data {
    pub(crate) fn new(bytes: Vec<u8>, enc: Encoding) -> Data {
        match enc {
            Encoding::Buffer => Data::Buffer(bytes),
            Encoding::Utf8 => Data::Utf8(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        }
    }

    /// The bytes (the UTF-8 of the text for [`Data::Utf8`]).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Data::Buffer(b) => b,
            Data::Utf8(s) => s.as_bytes(),
        }
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Data::Buffer(b) => b,
            Data::Utf8(s) => s.into_bytes(),
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether there is no output.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq<str> for Data {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Data {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Display for Data {
    /// The output as text (invalid UTF-8 replaced).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// Options of [`exec`] and [`exec_file`] (Node's).
#[derive(Clone, Debug)]
pub struct ExecOptions {
    /// As [`SpawnOptions::cwd`].
    pub cwd: Option<PathBuf>,
    /// As [`SpawnOptions::env`].
    pub env: Option<Vec<(OsString, OsString)>>,
    /// The most bytes kept of stdout, and of stderr (default 1 MiB, Node 20's); past it the
    /// child is killed and the result is `ERR_CHILD_PROCESS_STDIO_MAXBUFFER` with the
    /// output so far (cut at exactly `max_buffer` bytes). `usize::MAX`: no limit.
    pub max_buffer: usize,
    /// Kills the child with [`kill_signal`](Self::kill_signal) after this many ms (0: never).
    pub timeout: u64,
    /// The signal of the timeout and of `max_buffer` (default `SIGTERM`).
    pub kill_signal: Signal,
    /// Bytes or text.
    pub encoding: Encoding,
    /// The shell (`exec`: `/bin/sh` when `None`; `exec_file`: none unless given).
    pub shell: Option<OsString>,
    /// As [`SpawnOptions::uid`].
    pub uid: Option<u32>,
    /// As [`SpawnOptions::gid`].
    pub gid: Option<u32>,
    /// As [`SpawnOptions::argv0`].
    pub argv0: Option<OsString>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            cwd: None,
            env: None,
            max_buffer: 1024 * 1024,
            timeout: 0,
            kill_signal: Signal::SIGTERM,
            encoding: Encoding::Utf8,
            shell: None,
            uid: None,
            gid: None,
            argv0: None,
        }
    }
}

/// A command's output after it exited with code 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// What it wrote to stdout.
    pub stdout: Data,
    /// What it wrote to stderr.
    pub stderr: Data,
    /// Its exit code (0).
    pub code: Option<i32>,
    /// `None`.
    pub signal: Option<Signal>,
}

/// Why a command failed, with the output it gave (Node's `execFile` error and its
/// `stdout` / `stderr` arguments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    /// `ERR_CHILD_PROCESS_FAILED` (non-zero exit or a signal),
    /// `ERR_CHILD_PROCESS_STDIO_MAXBUFFER`, or the spawn's error (`ENOENT` …).
    pub error: Error,
    /// The exit code (`None` if a signal ended it, or it never ran).
    pub code: Option<i32>,
    /// The signal that ended it.
    pub signal: Option<Signal>,
    /// Whether ruv killed it (timeout, `max_buffer`) or a `kill` succeeded.
    pub killed: bool,
    /// The command as Node writes it in the message: the file and the arguments joined by
    /// spaces (for `exec`, the command line).
    pub cmd: String,
    /// Stdout so far.
    pub stdout: Data,
    /// Stderr so far.
    pub stderr: Data,
}

impl fmt::Display for ExecError {
    /// Node's message: `Command failed: <cmd>\n<stderr>` for a failed command, the error's
    /// own message otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.error.code() == ERR_CHILD_PROCESS_FAILED {
            let all = self.error.to_string();
            let prefix = concat!("ERR_CHILD_PROCESS_FAILED", ": ");
            f.write_str(all.strip_prefix(prefix).unwrap_or(&all))
        } else {
            fmt::Display::fmt(&self.error, f)
        }
    }
}

impl std::error::Error for ExecError {}

type DoneFn<S> =
    Box<dyn FnOnce(&mut Loop<S>, &mut S, std::result::Result<Output, ExecError>) -> Result<()>>;

struct St<S> {
    out: Vec<u8>,
    err: Vec<u8>,
    ex: Option<Error>,
    killed: bool,
    done: bool,
    max: usize,
    kill_signal: Signal,
    enc: Encoding,
    cmd: String,
    child: Option<ChildProcess>,
    timer: Option<Timer>,
    cb: Option<DoneFn<S>>,
}

/// Runs `command` through the shell (`/bin/sh -c`, or [`ExecOptions::shell`]) and calls
/// `cb` once with its output (Node's `child_process.exec`).
///
/// # Errors
/// As [`spawn`](super::spawn); then `cb` is never called.
#[track_caller]
pub fn exec<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    command: impl AsRef<OsStr>,
    mut options: ExecOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, std::result::Result<Output, ExecError>) -> R + 'static,
) -> Result<ChildProcess> {
    if options.shell.is_none() {
        options.shell = Some("/bin/sh".into());
    }
    exec_file(lp, command, super::NO_ARGS, options, cb)
}

/// Runs `file` with `args` (no shell unless [`ExecOptions::shell`]) and calls `cb` once,
/// after the child's `Close`, with its output (Node's `child_process.execFile`): `Ok` for
/// exit code 0; else an [`ExecError`] — `Command failed: <cmd>\n<stderr>` with the code or
/// signal, `ERR_CHILD_PROCESS_STDIO_MAXBUFFER` (the child killed, the output cut at
/// `max_buffer`), or the spawn's error (`ENOENT` …). The child's stdin stays open for
/// writing ([`ChildProcess::stdin`]).
///
/// # Errors
/// As [`spawn`](super::spawn); then `cb` is never called.
#[track_caller]
pub fn exec_file<S: 'static, A: AsRef<OsStr>, R: CallbackResult>(
    lp: &mut Loop<S>,
    file: impl AsRef<OsStr>,
    args: &[A],
    options: ExecOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, std::result::Result<Output, ExecError>) -> R + 'static,
) -> Result<ChildProcess> {
    let file = file.as_ref();
    let mut cmd = file.to_string_lossy().into_owned();
    for a in args {
        cmd.push(' ');
        cmd.push_str(&a.as_ref().to_string_lossy());
    }
    let st = Rc::new(RefCell::new(St {
        out: Vec::new(),
        err: Vec::new(),
        ex: None,
        killed: false,
        done: false,
        max: options.max_buffer,
        kill_signal: options.kill_signal,
        enc: options.encoding,
        cmd,
        child: None,
        timer: None,
        cb: Some(Box::new(move |lp, s, r| cb(lp, s, r).into_result())),
    }));
    let so = SpawnOptions {
        cwd: options.cwd,
        env: options.env,
        uid: options.uid,
        gid: options.gid,
        argv0: options.argv0,
        shell: options.shell,
        ..SpawnOptions::default()
    };
    let on_child = st.clone();
    let child = spawn(lp, file, args, so, move |lp, s, _c, ev| -> Result<()> {
        match ev {
            ChildEvent::Close { code, signal } => finish(lp, s, &on_child, code, signal),
            ChildEvent::Error(e) => {
                on_child.borrow_mut().ex = Some(e);
                destroy_output(lp, &on_child);
                finish(lp, s, &on_child, None, None)
            }
            ChildEvent::Spawn | ChildEvent::Exit { .. } => Ok(()),
        }
    })?;
    st.borrow_mut().child = Some(child);
    for (n, slot) in [(1, Which::Out), (2, Which::Err)] {
        if let Some(pipe) = child.stdio(lp, n) {
            let st = st.clone();
            pipe.on_event(lp, move |lp, _s, _p, ev| {
                if let StreamEvent::Data(d) = ev {
                    collect(lp, &st, slot, d);
                }
            })?;
        }
    }
    if options.timeout > 0 {
        let t = Timer::new(lp)?;
        let on_timer = st.clone();
        t.start(lp, options.timeout, 0, move |lp, _s: &mut S, t| {
            kill(lp, &on_timer);
            t.close(lp).map(drop)
        })?;
        st.borrow_mut().timer = Some(t);
    }
    Ok(child)
}

#[derive(Clone, Copy)]
enum Which {
    Out,
    Err,
}

/// Keeps a chunk of output, up to the limit; past it, kills the child.
fn collect<S: 'static>(lp: &mut Loop<S>, st: &Rc<RefCell<St<S>>>, which: Which, d: &[u8]) {
    let over = {
        let mut g = st.borrow_mut();
        let g = &mut *g;
        let (buf, name) = match which {
            Which::Out => (&mut g.out, "stdout"),
            Which::Err => (&mut g.err, "stderr"),
        };
        let room = g.max.saturating_sub(buf.len());
        if d.len() <= room {
            buf.extend_from_slice(d);
            false
        } else {
            buf.extend_from_slice(&d[..room]);
            if g.ex.is_none() {
                g.ex = Some(
                    Error::new(ERR_CHILD_PROCESS_STDIO_MAXBUFFER)
                        .with_detail(format!("{name} maxBuffer length exceeded")),
                );
            }
            true
        }
    };
    if over {
        kill(lp, st);
    }
}

fn destroy_output<S: 'static>(lp: &mut Loop<S>, st: &Rc<RefCell<St<S>>>) {
    let Some(child) = st.borrow().child else {
        return;
    };
    for n in [1, 2] {
        if let Some(p) = child.stdio(lp, n) {
            p.destroy(lp, None);
        }
    }
}

/// Node's `kill()` of `execFile`: the output streams are destroyed, then the signal sent.
fn kill<S: 'static>(lp: &mut Loop<S>, st: &Rc<RefCell<St<S>>>) {
    destroy_output(lp, st);
    let (child, sig) = {
        let mut g = st.borrow_mut();
        g.killed = true;
        (g.child, g.kill_signal)
    };
    if let Some(c) = child {
        c.kill(lp, sig);
    }
}

/// Node's `exithandler`: runs the callback once, with the result.
fn finish<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    st: &Rc<RefCell<St<S>>>,
    code: Option<i32>,
    signal: Option<Signal>,
) -> Result<()> {
    let (cb, timer, res) = {
        let mut g = st.borrow_mut();
        if g.done {
            return Ok(());
        }
        g.done = true;
        let killed = g.killed || g.child.is_some_and(|c| c.killed(lp));
        let stdout = Data::new(std::mem::take(&mut g.out), g.enc);
        let stderr = Data::new(std::mem::take(&mut g.err), g.enc);
        let res = match g.ex.take() {
            None if code == Some(0) && signal.is_none() => Ok(Output {
                stdout,
                stderr,
                code,
                signal,
            }),
            ex => {
                let failed = ex.is_none();
                let error = ex.unwrap_or_else(|| {
                    Error::new(ERR_CHILD_PROCESS_FAILED)
                        .with_detail(format!("Command failed: {}\n{}", g.cmd, stderr))
                });
                Err(ExecError {
                    error,
                    code: if failed { code } else { None },
                    signal: if failed { signal } else { None },
                    killed,
                    cmd: g.cmd.clone(),
                    stdout,
                    stderr,
                })
            }
        };
        (g.cb.take(), g.timer.take(), res)
    };
    if let Some(t) = timer {
        let _ = t.close(lp);
    }
    match cb {
        Some(cb) => cb(lp, s, res),
        None => Ok(()),
    }
}
