//! `spawn_sync` and `exec_file_sync` (Node's `spawnSync` / `execFileSync`): blocking, for
//! scripts and start-up code; no loop involved. The calling thread waits in `poll(2)` on
//! the child's pipes and its pidfd, feeding `input` to stdin, until the child has exited
//! and its output has ended (or the timeout or `max_buffer` ended it).

use super::exec::{Data, Encoding, ExecError, ERR_CHILD_PROCESS_FAILED};
use super::options::{self, ParentEnd, SpawnOptions, Stdio, ERR_IPC_SYNC_FORK};
use super::signal::Signal;
use super::sys;
use rustix::event::{PollFd, PollFlags};
use rustix::process::{Pid, WaitOptions};
use ruv_core::{Code, Error, Result};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Options of [`spawn_sync`] and [`exec_file_sync`] (Node's).
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// As [`SpawnOptions::cwd`].
    pub cwd: Option<PathBuf>,
    /// As [`SpawnOptions::env`].
    pub env: Option<Vec<(OsString, OsString)>>,
    /// As [`SpawnOptions::stdio`] ([`Stdio::Ipc`] is `ERR_IPC_SYNC_FORK`).
    pub stdio: Vec<Stdio>,
    /// As [`SpawnOptions::detached`].
    pub detached: bool,
    /// As [`SpawnOptions::uid`].
    pub uid: Option<u32>,
    /// As [`SpawnOptions::gid`].
    pub gid: Option<u32>,
    /// As [`SpawnOptions::argv0`].
    pub argv0: Option<OsString>,
    /// As [`SpawnOptions::shell`].
    pub shell: Option<OsString>,
    /// Written to the child's stdin (a pipe), which is then closed; without it, stdin is
    /// closed at once.
    pub input: Option<Vec<u8>>,
    /// Kills the child with [`kill_signal`](Self::kill_signal) after this many ms (0: never);
    /// the result's error is then `ETIMEDOUT`.
    pub timeout: u64,
    /// The signal of the timeout and of `max_buffer` (default `SIGTERM`).
    pub kill_signal: Signal,
    /// The most bytes kept per output pipe (default 1 MiB); past it the child is killed and
    /// the result's error is `ENOBUFS`.
    pub max_buffer: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            cwd: None,
            env: None,
            stdio: Vec::new(),
            detached: false,
            uid: None,
            gid: None,
            argv0: None,
            shell: None,
            input: None,
            timeout: 0,
            kill_signal: Signal::SIGTERM,
            max_buffer: 1024 * 1024,
        }
    }
}

/// What [`spawn_sync`] returns (Node's `spawnSync` result).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOutput {
    /// The child's pid.
    pub pid: u32,
    /// Its exit code (`None` if a signal ended it).
    pub status: Option<i32>,
    /// The signal that ended it.
    pub signal: Option<Signal>,
    /// Slot 1's output (empty if it was not a pipe).
    pub stdout: Vec<u8>,
    /// Slot 2's output (empty if it was not a pipe).
    pub stderr: Vec<u8>,
    /// Each slot's output (`None` for slots that are not pipes, and for stdin).
    pub output: Vec<Option<Vec<u8>>>,
    /// `ETIMEDOUT` after the timeout, `ENOBUFS` past `max_buffer` (syscall `spawnSync`).
    pub error: Option<Error>,
}

/// Runs `program` to completion (Node's `child_process.spawnSync`).
///
/// # Errors
/// The errors of [`spawn`](super::spawn), all returned (`ENOENT`, `EACCES` … with syscall
/// `spawnSync`), and `ERR_IPC_SYNC_FORK` for an [`Stdio::Ipc`] slot. A timeout or too much
/// output is not an `Err`: see [`SyncOutput::error`].
pub fn spawn_sync<A: AsRef<OsStr>>(
    program: impl AsRef<OsStr>,
    args: &[A],
    o: SyncOptions,
) -> Result<SyncOutput> {
    if o.stdio.contains(&Stdio::Ipc) {
        return Err(
            Error::new(ERR_IPC_SYNC_FORK).with_detail("IPC cannot be used with synchronous forks")
        );
    }
    let so = SpawnOptions {
        cwd: o.cwd.clone(),
        env: o.env.clone(),
        stdio: o.stdio.clone(),
        detached: o.detached,
        uid: o.uid,
        gid: o.gid,
        argv0: o.argv0.clone(),
        shell: o.shell.clone(),
        ..SpawnOptions::default()
    };
    let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
    let mut cmd = options::command(program.as_ref(), &args, &so, &[])?;
    let file = cmd.file.clone();
    let fail = |errno: i32| options::spawn_error(errno, &file, "spawnSync");
    let slots =
        options::slots(&so.stdio).map_err(|e| fail(e.code().errno().unwrap_or(libc::EINVAL)))?;
    let plan = cmd.plan(slots.child, slots.keep, &so).map_err(fail)?;
    let pid = sys::spawn(&plan).map_err(fail)?;
    drop(plan);
    let mut run = Run::new(pid, slots.parent, &o);
    run.wait(&o, &file);
    Ok(run.finish())
}

/// One pipe of a running synchronous child.
struct Pipe {
    slot: usize,
    fd: Option<OwnedFd>,
    out: Vec<u8>,
}

struct Run {
    pid: u32,
    pidfd: Option<OwnedFd>,
    pipes: Vec<Pipe>,
    stdin: Option<(OwnedFd, Vec<u8>, usize)>,
    nslots: usize,
    status: Option<(Option<i32>, Option<Signal>)>,
    error: Option<Error>,
}

impl Run {
    fn new(pid: u32, parent: Vec<ParentEnd>, o: &SyncOptions) -> Run {
        let pidfd = Pid::from_raw(pid as i32).and_then(|p| {
            rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok()
        });
        let nslots = parent.len();
        let mut run = Run {
            pid,
            pidfd,
            pipes: Vec::new(),
            stdin: None,
            nslots,
            status: None,
            error: None,
        };
        for (slot, end) in parent.into_iter().enumerate() {
            let ParentEnd::Pipe(fd) = end else { continue };
            if rustix::io::ioctl_fionbio(&fd, true).is_err() {
                continue;
            }
            if slot == 0 {
                match &o.input {
                    Some(data) if !data.is_empty() => run.stdin = Some((fd, data.clone(), 0)),
                    // No input: the child reads end of file at once.
                    _ => drop(fd),
                }
            } else {
                run.pipes.push(Pipe {
                    slot,
                    fd: Some(fd),
                    out: Vec::new(),
                });
            }
        }
        run
    }

    /// Waits until the child has exited and its pipes have ended (or the limits hit).
    fn wait(&mut self, o: &SyncOptions, file: &OsStr) {
        let deadline = (o.timeout > 0).then(|| Instant::now() + Duration::from_millis(o.timeout));
        loop {
            let open = self.pipes.iter().any(|p| p.fd.is_some()) || self.stdin.is_some();
            if self.status.is_some() && !open {
                return;
            }
            if self.status.is_none() && self.pidfd.is_none() && !open {
                // No pidfd: block in waitpid (the timeout is then not enforced past here).
                self.status = Some(blocking_wait(self.pid));
                return;
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                self.stop(o, Code::ETIMEDOUT, file);
                continue;
            }
            self.poll_once(left);
            if self.pipes.iter().any(|p| p.out.len() > o.max_buffer) {
                for p in &mut self.pipes {
                    p.out.truncate(o.max_buffer);
                }
                self.stop(o, Code::ENOBUFS, file);
            }
        }
    }

    fn poll_once(&mut self, left: Option<Duration>) {
        let mut fds = Vec::new();
        let mut who = Vec::new();
        if let Some((fd, _, _)) = &self.stdin {
            fds.push(PollFd::new(fd, PollFlags::OUT));
            who.push(usize::MAX);
        }
        for (i, p) in self.pipes.iter().enumerate() {
            if let Some(fd) = &p.fd {
                fds.push(PollFd::new(fd, PollFlags::IN));
                who.push(i);
            }
        }
        if self.status.is_none() {
            if let Some(fd) = &self.pidfd {
                fds.push(PollFd::new(fd, PollFlags::IN));
                who.push(usize::MAX - 1);
            }
        }
        let ts = left.map(|d| rustix::event::Timespec {
            tv_sec: d.as_secs() as _,
            tv_nsec: d.subsec_nanos() as _,
        });
        match rustix::event::poll(&mut fds, ts.as_ref()) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let ready: Vec<(usize, bool)> = fds
            .iter()
            .zip(&who)
            .map(|(f, &w)| (w, !f.revents().is_empty()))
            .filter(|&(_, r)| r)
            .collect();
        drop(fds);
        for (w, _) in ready {
            match w {
                usize::MAX => self.feed(),
                x if x == usize::MAX - 1 => self.reap(),
                i => self.drain(i),
            }
        }
    }

    fn feed(&mut self) {
        let Some((fd, data, off)) = &mut self.stdin else {
            return;
        };
        loop {
            match rustix::net::send(&*fd, &data[*off..], rustix::net::SendFlags::NOSIGNAL) {
                Ok(n) => {
                    *off += n;
                    if *off == data.len() {
                        self.stdin = None;
                        return;
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => return,
                // The child closed its stdin: the rest is dropped, as Node's EPIPE is.
                Err(_) => {
                    self.stdin = None;
                    return;
                }
            }
        }
    }

    fn drain(&mut self, i: usize) {
        let p = &mut self.pipes[i];
        let Some(fd) = &p.fd else { return };
        let mut buf = [0u8; 64 * 1024];
        loop {
            match rustix::io::read(fd, &mut buf) {
                Ok(0) => {
                    p.fd = None;
                    return;
                }
                Ok(n) => p.out.extend_from_slice(&buf[..n]),
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => return,
                Err(_) => {
                    p.fd = None;
                    return;
                }
            }
        }
    }

    fn reap(&mut self) {
        let Some(pid) = Pid::from_raw(self.pid as i32) else {
            return;
        };
        if let Ok(Some((_, st))) = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG) {
            self.status = Some((
                st.exit_status(),
                st.terminating_signal().and_then(Signal::from_raw),
            ));
        }
    }

    /// The timeout or `max_buffer` hit: kill the child, stop reading, wait for its exit.
    fn stop(&mut self, o: &SyncOptions, code: Code, file: &OsStr) {
        if self.error.is_none() {
            self.error = Some(options::spawn_error(
                code.errno().unwrap_or(libc::EIO),
                file,
                "spawnSync",
            ));
        }
        if self.status.is_none() {
            let sent = match &self.pidfd {
                Some(fd) => sys::pidfd_send_signal(fd.as_fd(), o.kill_signal.as_raw()),
                None => sys::kill(self.pid, o.kill_signal.as_raw()),
            };
            drop(sent);
            self.status = Some(blocking_wait(self.pid));
        }
        for p in &mut self.pipes {
            p.fd = None;
        }
        self.stdin = None;
    }

    fn finish(self) -> SyncOutput {
        let (status, signal) = self.status.unwrap_or((None, None));
        let mut output: Vec<Option<Vec<u8>>> = vec![None; self.nslots];
        for p in self.pipes {
            output[p.slot] = Some(p.out);
        }
        let get =
            |o: &Vec<Option<Vec<u8>>>, i: usize| o.get(i).cloned().flatten().unwrap_or_default();
        SyncOutput {
            pid: self.pid,
            status,
            signal,
            stdout: get(&output, 1),
            stderr: get(&output, 2),
            output,
            error: self.error,
        }
    }
}

fn blocking_wait(pid: u32) -> (Option<i32>, Option<Signal>) {
    let Some(pid) = Pid::from_raw(pid as i32) else {
        return (None, None);
    };
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::empty()) {
            Ok(Some((_, st))) => {
                return (
                    st.exit_status(),
                    st.terminating_signal().and_then(Signal::from_raw),
                )
            }
            Err(rustix::io::Errno::INTR) => {}
            _ => return (None, None),
        }
    }
}

/// Runs `file` to completion and returns its stdout (Node's `child_process.execFileSync`).
/// With the default `stdio`, what the child writes to stderr is also written to this
/// process's stderr, as Node does.
///
/// # Errors
/// An [`ExecError`]: the spawn's error (`ENOENT` …), `ETIMEDOUT` / `ENOBUFS`, or
/// `ERR_CHILD_PROCESS_FAILED` (`Command failed: <file> <args>\n<stderr>`) for a non-zero exit
/// code or a signal; with the output so far (as bytes).
pub fn exec_file_sync<A: AsRef<OsStr>>(
    file: impl AsRef<OsStr>,
    args: &[A],
    o: SyncOptions,
) -> std::result::Result<Vec<u8>, ExecError> {
    let file = file.as_ref();
    let mut cmd = o
        .argv0
        .as_deref()
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned();
    for a in args {
        cmd.push(' ');
        cmd.push_str(&a.as_ref().to_string_lossy());
    }
    let echo_stderr = o.stdio.is_empty();
    let fail = |error: Error, r: Option<SyncOutput>| {
        let r = r.unwrap_or(SyncOutput {
            pid: 0,
            status: None,
            signal: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            output: Vec::new(),
            error: None,
        });
        ExecError {
            killed: r.error.is_some(),
            error,
            code: r.status,
            signal: r.signal,
            cmd: cmd.clone(),
            stdout: Data::new(r.stdout, Encoding::Buffer),
            stderr: Data::new(r.stderr, Encoding::Buffer),
        }
    };
    let r = spawn_sync(file, args, o).map_err(|e| fail(e, None))?;
    if echo_stderr && !r.stderr.is_empty() {
        let mut err = std::io::stderr();
        drop(err.write_all(&r.stderr));
    }
    if let Some(e) = r.error.clone() {
        return Err(fail(e, Some(r)));
    }
    if r.status != Some(0) {
        let mut msg = format!("Command failed: {cmd}");
        if !r.stderr.is_empty() {
            msg.push('\n');
            msg.push_str(&String::from_utf8_lossy(&r.stderr));
        }
        return Err(fail(
            Error::new(ERR_CHILD_PROCESS_FAILED).with_detail(msg),
            Some(r),
        ));
    }
    Ok(r.stdout)
}
