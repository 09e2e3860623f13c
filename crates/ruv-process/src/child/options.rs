//! Spawn options, their validation (Node's errors), and what a spawn is made of: argv, the
//! environment, the resolved program and the fd of each stdio slot.

use super::signal::Signal;
use super::sys::{self, Plan};
use ruv_core::{Code, Error, Result};
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Node's code for a second `Ipc` slot.
pub const ERR_IPC_ONE_PIPE: Code = Code::new(
    "ERR_IPC_ONE_PIPE",
    "Child process can have only one IPC pipe",
);
/// Node's code for an `Ipc` slot given to a synchronous spawn.
pub const ERR_IPC_SYNC_FORK: Code = Code::new(
    "ERR_IPC_SYNC_FORK",
    "IPC cannot be used with synchronous forks",
);

/// The variables removed from every child's environment (inherited or given): a channel
/// is never passed on by accident to a grandchild.
pub const STRIPPED_ENV: [&str; 3] = [
    "NODE_CHANNEL_FD",
    "NODE_CHANNEL_SERIALIZATION_MODE",
    "NODE_UNIQUE_ID",
];

/// What one stdio slot of the child is connected to (Node's `stdio` array entries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stdio {
    /// A new stream between parent and child (Node's `'pipe'`; a Unix socket pair, as
    /// libuv makes it). The parent's end is [`ChildProcess::stdio`](super::ChildProcess::stdio).
    Pipe,
    /// The parent's own fd of the same number (Node's `'inherit'`, which is `[0, 1, 2]`).
    Inherit,
    /// Nothing: `/dev/null` for slots 0–2, no fd at all for higher ones (Node's `'ignore'`).
    Ignore,
    /// A copy of this fd of the parent (Node's integer entries). The fd is borrowed: ruv
    /// duplicates it during [`spawn`](super::spawn) and never closes the caller's fd.
    /// An fd that is not open is `EBADF`.
    Fd(RawFd),
    /// The IPC channel (Node's `'ipc'`; at most one): a Unix socket pair whose child end
    /// gets this slot's number, announced to the child in `NODE_CHANNEL_FD` and
    /// `NODE_CHANNEL_SERIALIZATION_MODE`. The parent's end is
    /// [`ChildProcess::take_ipc_fd`](super::ChildProcess::take_ipc_fd).
    Ipc,
}

/// Options of [`spawn`](super::spawn) (Node's `child_process.spawn` options).
#[derive(Clone, Debug)]
pub struct SpawnOptions {
    /// The child's working directory (default: the parent's). A missing one is `ENOENT`
    /// (reported as an `Error` event, as Node does).
    pub cwd: Option<PathBuf>,
    /// The child's whole environment (`None`: the parent's). Either way `NODE_CHANNEL_FD`,
    /// `NODE_CHANNEL_SERIALIZATION_MODE` and `NODE_UNIQUE_ID` are removed (see
    /// [`STRIPPED_ENV`]). A key with `=` is passed on as Node passes it (`A=B` with value
    /// `c` is the entry `A=B=c`: the child sees `A` = `B=c`).
    pub env: Option<Vec<(OsString, OsString)>>,
    /// One entry per slot; missing entries of slots 0–2 are [`Stdio::Pipe`] (the default is
    /// `[Pipe, Pipe, Pipe]`).
    pub stdio: Vec<Stdio>,
    /// Runs the child in a new session (`setsid`): it leaves the parent's process group
    /// and controlling terminal, and outlives a signal sent to that group.
    pub detached: bool,
    /// The child's user id (`setuid`; the spawn then uses fork+exec, see `docs/process.md`).
    pub uid: Option<u32>,
    /// The child's group id (`setgid`, with supplementary groups dropped).
    pub gid: Option<u32>,
    /// `argv[0]` (default: the program as given).
    pub argv0: Option<OsString>,
    /// Runs `program args…` joined by spaces through this shell with `-c` (Node's
    /// `shell: '/bin/sh'`; Node's `shell: true` is `Some("/bin/sh".into())`).
    pub shell: Option<OsString>,
    /// Variables added after the stripping of [`STRIPPED_ENV`] (to set one of those names
    /// on purpose: cluster's `NODE_UNIQUE_ID` for its workers).
    pub extra_env: Vec<(OsString, OsString)>,
    /// The IPC serialization announced to the child (`"json"`, the default); used only with
    /// an [`Stdio::Ipc`] slot.
    pub serialization: String,
    /// Kills the child with [`kill_signal`](Self::kill_signal) after this many ms (0: never).
    pub timeout: u64,
    /// The signal of [`timeout`](Self::timeout) (default `SIGTERM`).
    pub kill_signal: Signal,
    /// Linux's `PR_SET_PDEATHSIG`: the child gets this signal when the parent dies, even
    /// a child that never looks at its IPC channel (a worker spinning in a loop dies with a
    /// SIGKILLed primary). posix_spawn cannot set it, so the spawn uses fork+exec, on the
    /// calling thread (never the pool's, see `docs/process.md`). The kernel sends it when
    /// the *thread* that spawned the child exits: spawn from the loop's thread, and keep
    /// that thread for the child's life. Cleared by the kernel when the child execs a
    /// set-user-ID or set-group-ID program. `None` (the default): nothing is set.
    pub parent_death_signal: Option<Signal>,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        SpawnOptions {
            cwd: None,
            env: None,
            stdio: Vec::new(),
            detached: false,
            uid: None,
            gid: None,
            argv0: None,
            shell: None,
            extra_env: Vec::new(),
            serialization: "json".into(),
            timeout: 0,
            kill_signal: Signal::SIGTERM,
            parent_death_signal: None,
        }
    }
}

/// `ERR_INVALID_ARG_VALUE` for a string with a NUL byte, worded as Node words it.
fn nul_error(what: &str, argument: bool, v: &OsStr) -> Error {
    let received = ruv_core::node_inspect_str_for_error(&v.to_string_lossy());
    let kind = if argument { "argument" } else { "property" };
    Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
        "The {kind} '{what}' must be a string without null bytes. Received {received}"
    ))
}

fn cstring(v: &OsStr, what: impl FnOnce() -> (String, bool)) -> Result<CString> {
    CString::new(v.as_bytes()).map_err(|_| {
        let (name, argument) = what();
        nul_error(&name, argument, v)
    })
}

/// A validated command: what the child runs and Node's `spawnfile` / `spawnargs`.
#[derive(Debug)]
pub(crate) struct Command {
    /// Node's `spawnfile`: the program (the shell, with `shell`).
    pub(crate) file: OsString,
    /// Node's `spawnargs`: argv, `argv[0]` included.
    pub(crate) args: Vec<OsString>,
    pub(crate) argv: Vec<CString>,
    pub(crate) envp: Vec<CString>,
    pub(crate) cwd: Option<CString>,
    /// The program resolved against the child's `PATH`, or the errno of the search.
    pub(crate) path: std::result::Result<CString, i32>,
}

/// Validates program, args and options as Node does (`ERR_INVALID_ARG_VALUE` for an empty
/// program or a NUL byte anywhere), builds argv and the environment, and resolves the
/// program. `extra_env` is appended (the IPC variables).
pub(crate) fn command(
    program: &OsStr,
    args: &[&OsStr],
    o: &SpawnOptions,
    extra_env: &[(&str, &str)],
) -> Result<Command> {
    if program.is_empty() {
        return Err(Error::new(Code::ERR_INVALID_ARG_VALUE)
            .with_detail("The argument 'file' cannot be empty. Received ''"));
    }
    cstring(program, || ("file".into(), true))?;
    for (i, a) in args.iter().enumerate() {
        cstring(a, || (format!("args[{i}]"), true))?;
    }
    let cwd = match &o.cwd {
        Some(c) => Some(CString::new(c.as_os_str().as_bytes()).map_err(|_| {
            let received = ruv_core::node_inspect_str_for_error(&c.to_string_lossy());
            Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
                "The property 'options.cwd' must be a string, Uint8Array, or URL without \
                 null bytes. Received {received}"
            ))
        })?),
        None => None,
    };
    let (file, mut args): (OsString, Vec<OsString>) = match &o.shell {
        Some(sh) => {
            cstring(sh, || ("options.shell".into(), false))?;
            let mut line = program.to_os_string();
            for a in args {
                line.push(" ");
                line.push(a);
            }
            (sh.clone(), vec!["-c".into(), line])
        }
        None => (
            program.to_os_string(),
            args.iter().map(|a| a.to_os_string()).collect(),
        ),
    };
    let argv0 = match &o.argv0 {
        Some(a) => {
            cstring(a, || ("options.argv0".into(), false))?;
            a.clone()
        }
        None => file.clone(),
    };
    args.insert(0, argv0);
    let argv = args
        .iter()
        .map(|a| CString::new(a.as_bytes()).expect("checked above"))
        .collect();
    cstring(OsStr::new(&o.serialization), || {
        ("options.serialization".into(), false)
    })?;
    let (envp, path_var) = environment(o.env.as_deref(), &o.extra_env, extra_env)?;
    let path = resolve(&file, path_var.as_deref(), o.cwd.as_deref());
    Ok(Command {
        file,
        args,
        argv,
        envp,
        cwd,
        path,
    })
}

/// The child's `KEY=value` strings (the given or the inherited variables less
/// [`STRIPPED_ENV`], then `user_extra`, then `extra`) and its `PATH`.
fn environment(
    given: Option<&[(OsString, OsString)]>,
    user_extra: &[(OsString, OsString)],
    extra: &[(&str, &str)],
) -> Result<(Vec<CString>, Option<OsString>)> {
    let mut out = Vec::new();
    let mut path = None;
    let mut add = |k: &OsStr, v: &OsStr, strip: bool| -> Result<()> {
        if strip && STRIPPED_ENV.iter().any(|s| k == OsStr::new(s)) {
            return Ok(());
        }
        let what = || (format!("options.env['{}']", k.to_string_lossy()), false);
        cstring(k, what)?;
        cstring(v, what)?;
        if k == "PATH" && path.is_none() {
            path = Some(v.to_os_string());
        }
        let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
        kv.extend_from_slice(k.as_bytes());
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        out.push(CString::new(kv).expect("checked above"));
        Ok(())
    };
    match given {
        Some(vars) => {
            for (k, v) in vars {
                add(k, v, true)?;
            }
        }
        None => {
            for (k, v) in std::env::vars_os() {
                add(&k, &v, true)?;
            }
        }
    }
    for (k, v) in user_extra {
        add(k, v, false)?;
    }
    for (k, v) in extra {
        out.push(
            CString::new(format!("{k}={v}"))
                .map_err(|_| nul_error("options.serialization", false, OsStr::new(v)))?,
        );
    }
    Ok((out, path))
}

/// The default search path when the child's environment has no `PATH` (glibc's).
const DEFAULT_PATH: &str = "/usr/bin:/bin";

/// Resolves `file` as `execvp` would in the child: as it is if it contains a `/`, else
/// the first entry of `path` holding an executable regular file of that name. A candidate
/// that exists but cannot be run makes the search end in `EACCES` if nothing better is
/// found; otherwise it ends in `ENOENT`. Relative entries are looked up from `cwd` (where
/// the child will be when it execs) but passed on relative.
fn resolve(
    file: &OsStr,
    path: Option<&OsStr>,
    cwd: Option<&Path>,
) -> std::result::Result<CString, i32> {
    let c = |p: &OsStr| CString::new(p.as_bytes()).map_err(|_| libc::EINVAL);
    if file.as_bytes().contains(&b'/') {
        return c(file);
    }
    let path = path.unwrap_or(OsStr::new(DEFAULT_PATH));
    let mut seen_eacces = false;
    for dir in path.as_bytes().split(|&b| b == b':') {
        let dir = if dir.is_empty() { b"." as &[u8] } else { dir };
        let candidate = Path::new(OsStr::from_bytes(dir)).join(file);
        let probe = match cwd {
            Some(cwd) if candidate.is_relative() => cwd.join(&candidate),
            _ => candidate.clone(),
        };
        match rustix::fs::stat(&probe) {
            Ok(st) => {
                let regular = rustix::fs::FileType::from_raw_mode(st.st_mode)
                    == rustix::fs::FileType::RegularFile;
                if regular && rustix::fs::access(&probe, rustix::fs::Access::EXEC_OK).is_ok() {
                    return c(candidate.as_os_str());
                }
                seen_eacces = true;
            }
            Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR) => {}
            Err(rustix::io::Errno::ACCESS) => seen_eacces = true,
            Err(e) => return Err(e.raw_os_error()),
        }
    }
    Err(if seen_eacces {
        libc::EACCES
    } else {
        libc::ENOENT
    })
}

/// The parent's end of one slot, once the child ends are in the plan.
#[derive(Debug)]
pub(crate) enum ParentEnd {
    None,
    Pipe(OwnedFd),
    Ipc(OwnedFd),
}

/// A `/dev/null` fd for ignored slots 0–2, opened once per process (close-on-exec).
fn dev_null() -> std::io::Result<BorrowedFd<'static>> {
    static NULL: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = NULL.get() {
        return Ok(fd.as_fd());
    }
    let fd = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    Ok(NULL.get_or_init(|| fd).as_fd())
}

fn socket_pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
    Ok(socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )?)
}

/// How the slots are set up: the parent's end of each, and the plan's fds.
pub(crate) struct Slots {
    pub(crate) parent: Vec<ParentEnd>,
    pub(crate) child: Vec<Option<RawFd>>,
    pub(crate) keep: Vec<OwnedFd>,
}

/// Makes the fds of every slot (socket pairs for pipes and the channel, copies of inherited
/// and given fds, `/dev/null`). `Err` carries the failing call's error (`EMFILE` …).
pub(crate) fn slots(stdio: &[Stdio]) -> Result<Slots> {
    let n = stdio.len().max(3);
    let mut s = Slots {
        parent: Vec::with_capacity(n),
        child: Vec::with_capacity(n),
        keep: Vec::with_capacity(n),
    };
    let io = |e: std::io::Error, call: &'static str| Error::from_io(&e, call);
    for i in 0..n {
        let entry = stdio
            .get(i)
            .unwrap_or(if i < 3 { &Stdio::Pipe } else { &Stdio::Ignore });
        let (parent, child) = match entry {
            Stdio::Pipe | Stdio::Ipc => {
                let (a, b) = socket_pair().map_err(|e| io(e, "socketpair"))?;
                let b = sys::raise(b, n).map_err(|e| io(e, "fcntl"))?;
                let p = if *entry == Stdio::Pipe {
                    ParentEnd::Pipe(a)
                } else {
                    rustix::io::ioctl_fionbio(&a, true).map_err(|e| io(e.into(), "ioctl"))?;
                    ParentEnd::Ipc(a)
                };
                (p, Some(b))
            }
            Stdio::Inherit | Stdio::Fd(_) => {
                let fd = match entry {
                    Stdio::Fd(fd) => *fd,
                    _ => i as RawFd,
                };
                if fd < 0 {
                    return Err(Error::op(Code::EBADF, "spawn"));
                }
                let copy = sys::dup_cloexec(fd, n).map_err(|e| {
                    Error::op(
                        Code::from_errno(e.raw_os_error().unwrap_or(libc::EBADF)),
                        "spawn",
                    )
                })?;
                (ParentEnd::None, Some(copy))
            }
            Stdio::Ignore if i < 3 => {
                let null = dev_null().map_err(|e| io(e, "open"))?;
                let copy = rustix::io::fcntl_dupfd_cloexec(null, n as RawFd)
                    .map_err(|e| io(e.into(), "fcntl"))?;
                (ParentEnd::None, Some(copy))
            }
            Stdio::Ignore => (ParentEnd::None, None),
        };
        s.parent.push(parent);
        s.child
            .push(child.as_ref().map(std::os::fd::AsRawFd::as_raw_fd));
        s.keep.extend(child);
    }
    Ok(s)
}

impl Command {
    /// The plan of this command with these slots (the child ends move into it), or the
    /// errno of the program's search.
    pub(crate) fn plan(
        &mut self,
        slots: Vec<Option<RawFd>>,
        keep: Vec<OwnedFd>,
        o: &SpawnOptions,
    ) -> std::result::Result<Plan, i32> {
        let path = std::mem::replace(&mut self.path, Err(libc::ENOENT))?;
        Ok(Plan {
            path,
            argv: std::mem::take(&mut self.argv),
            envp: std::mem::take(&mut self.envp),
            cwd: self.cwd.take(),
            slots,
            keep,
            detached: o.detached,
            uid: o.uid,
            gid: o.gid,
            pdeathsig: match o.parent_death_signal {
                Some(sig) => Some(super::sys::pdeath_signal(sig.as_raw()).ok_or(libc::EINVAL)?),
                None => None,
            },
        })
    }
}

/// The error of a failed spawn as Node reports it: the code, syscall `spawn` and the
/// program as the path (`ENOENT: no such file or directory, spawn '/nope'`; Node's
/// `err.syscall` is `'spawn /nope'`, which is `syscall` and `path` joined).
pub(crate) fn spawn_error(errno: i32, file: &OsStr, syscall: &'static str) -> Error {
    Error::op(Code::from_errno(errno), syscall).with_path(PathBuf::from(file))
}

/// Node's errors reported as an `Error` event (others are returned by `spawn`).
pub(crate) fn is_async_error(errno: i32) -> bool {
    matches!(
        errno,
        libc::EACCES | libc::EAGAIN | libc::EMFILE | libc::ENFILE | libc::ENOENT
    )
}
