//! Starting a child: `posix_spawn` where the options allow it, fork+exec otherwise, and the
//! two signal calls. The only file of the crate with `unsafe` code.
//!
//! Everything the child needs (paths, argv, envp, the fd of each slot) is allocated before
//! the spawn, in a [`Plan`]; after `fork` the child makes only async-signal-safe calls
//! (`sigaction`, `setsid`, `dup2`, `chdir`, `setgroups`, `setgid`, `setuid`,
//! `prctl(PR_SET_PDEATHSIG)`, `getppid`, `kill`, `pthread_sigmask`, `execve`, `write`,
//! `_exit`) and touches no lock and no allocator.
//!
//! * **posix_spawn** (glibc: `clone(CLONE_VM | CLONE_VFORK)`, so its cost does not grow with
//!   the parent's memory; the calling thread waits only until the child execs): the slots
//!   are `dup2` file actions, the working directory is `posix_spawn_file_actions_addchdir_np`
//!   (glibc ≥ 2.29), `detached` is `POSIX_SPAWN_SETSID` (glibc ≥ 2.26); the signal mask is
//!   emptied and every signal reset to its default disposition in the child
//!   (`POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF`), since a Rust parent ignores SIGPIPE
//!   and an ignored disposition would survive `exec`. glibc reports an exec failure as the
//!   return value, having reaped the failed child.
//! * **fork+exec** (with `uid`/`gid` or a parent-death signal, which posix_spawn cannot
//!   set): signals are blocked
//!   around `fork` (but for the ones that report a crash) so that no handler of the parent
//!   runs in the child; the child resets dispositions 1–31 to their defaults before it
//!   unblocks them, then execs. An exec failure's errno comes back through a close-on-exec
//!   pipe (end of file means the exec happened), and the failed child is reaped at once.
//!
//! Every fd a slot names is above the highest slot number (the caller raises them), so
//! placing slot `i` with `dup2(fd, i)` never overwrites an fd another slot still needs, and
//! each is close-on-exec, so only the placed copies reach the program.

use std::ffi::{c_char, c_int, CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::ptr;

/// Everything one spawn needs, allocated before it starts.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The program, resolved against `PATH` already.
    pub(crate) path: CString,
    /// argv, `argv[0]` included.
    pub(crate) argv: Vec<CString>,
    /// `KEY=value` strings.
    pub(crate) envp: Vec<CString>,
    pub(crate) cwd: Option<CString>,
    /// The fd each slot gets (`None`: nothing placed there). Each is close-on-exec and
    /// numbered at least `slots.len()`.
    pub(crate) slots: Vec<Option<RawFd>>,
    /// The owners of the fds in `slots`: closed when the plan is dropped.
    #[allow(
        dead_code,
        reason = "held for its Drop: the child ends close with the plan"
    )]
    pub(crate) keep: Vec<OwnedFd>,
    pub(crate) detached: bool,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
    /// `PR_SET_PDEATHSIG` in the child.
    pub(crate) pdeathsig: Option<rustix::process::Signal>,
}

impl Plan {
    /// Whether this plan needs fork+exec (posix_spawn cannot change the user or group,
    /// nor set a parent-death signal).
    pub(crate) fn needs_fork(&self) -> bool {
        self.uid.is_some() || self.gid.is_some() || self.pdeathsig.is_some()
    }
}

const SH: &CStr = c"/bin/sh";

/// The signal numbered `n` (1 to 64, else `None`) for `PR_SET_PDEATHSIG`.
pub(crate) fn pdeath_signal(n: i32) -> Option<rustix::process::Signal> {
    if !(1..=64).contains(&n) {
        return None;
    }
    // SAFETY: 1..=64 are signal numbers the kernel knows (real-time ones included, which
    // rustix's named constructor refuses); the value only goes to prctl and to kill of the
    // child itself, never raised in this process.
    Some(unsafe { rustix::process::Signal::from_raw_unchecked(n) })
}

/// A null-terminated array of pointers into `strs` (valid while `strs` is).
fn ptrs(strs: &[CString]) -> Vec<*mut c_char> {
    let mut v: Vec<*mut c_char> = strs.iter().map(|s| s.as_ptr().cast_mut()).collect();
    v.push(ptr::null_mut());
    v
}

/// argv for running `path` with `/bin/sh`, as `execvp` does for a file without a `#!`
/// line (`ENOEXEC`): `sh path argv[1..]`.
fn script_argv(plan: &Plan) -> Vec<*mut c_char> {
    let mut v = vec![SH.as_ptr().cast_mut(), plan.path.as_ptr().cast_mut()];
    v.extend(plan.argv.iter().skip(1).map(|s| s.as_ptr().cast_mut()));
    v.push(ptr::null_mut());
    v
}

/// Starts the child; its pid, or the errno of the failure (the failed child, if there was
/// one, is reaped already).
pub(crate) fn spawn(plan: &Plan) -> Result<u32, i32> {
    if plan.needs_fork() {
        fork_exec(plan)
    } else {
        posix_spawn(plan)
    }
}

struct Attrs(libc::posix_spawnattr_t);
impl Drop for Attrs {
    fn drop(&mut self) {
        // SAFETY: initialised by posix_spawnattr_init and destroyed once, here.
        unsafe { libc::posix_spawnattr_destroy(&mut self.0) };
    }
}

struct Actions(libc::posix_spawn_file_actions_t);
impl Drop for Actions {
    fn drop(&mut self) {
        // SAFETY: initialised by posix_spawn_file_actions_init and destroyed once, here.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
    }
}

fn check(r: c_int) -> Result<(), i32> {
    if r == 0 {
        Ok(())
    } else {
        Err(r)
    }
}

fn posix_spawn(plan: &Plan) -> Result<u32, i32> {
    // SAFETY: all-zero bytes are a valid value for these plain C structs; each is
    // initialised by its *_init call before any other use, and destroyed by its guard.
    let (mut attrs, mut actions) = unsafe {
        let mut a: libc::posix_spawnattr_t = std::mem::zeroed();
        check(libc::posix_spawnattr_init(&mut a))?;
        let attrs = Attrs(a);
        let mut f: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        check(libc::posix_spawn_file_actions_init(&mut f))?;
        (attrs, Actions(f))
    };
    let mut flags = libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;
    if plan.detached {
        flags |= c_int::from(libc::POSIX_SPAWN_SETSID);
    }
    // SAFETY: `attrs` and `actions` are initialised; the sigsets are initialised by
    // sigemptyset/sigfillset before they are read; the strings passed are NUL-terminated
    // and outlive the posix_spawn call (file actions copy their path arguments).
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        let mut full: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigfillset(&mut full);
        check(libc::posix_spawnattr_setflags(
            &mut attrs.0,
            flags as libc::c_short,
        ))?;
        check(libc::posix_spawnattr_setsigmask(&mut attrs.0, &empty))?;
        check(libc::posix_spawnattr_setsigdefault(&mut attrs.0, &full))?;
        if let Some(cwd) = &plan.cwd {
            check(libc::posix_spawn_file_actions_addchdir_np(
                &mut actions.0,
                cwd.as_ptr(),
            ))?;
        }
        for (slot, fd) in plan.slots.iter().enumerate() {
            if let Some(fd) = *fd {
                check(libc::posix_spawn_file_actions_adddup2(
                    &mut actions.0,
                    fd,
                    slot as c_int,
                ))?;
            }
        }
    }
    let argv = ptrs(&plan.argv);
    let envp = ptrs(&plan.envp);
    let run = |path: *const c_char, argv: &[*mut c_char]| -> Result<u32, i32> {
        let mut pid: libc::pid_t = 0;
        loop {
            // SAFETY: `path`, `argv` and `envp` are null-terminated arrays of NUL-terminated
            // strings that live until this returns; attrs and actions are initialised.
            let r = unsafe {
                libc::posix_spawn(
                    &mut pid,
                    path,
                    &actions.0,
                    &attrs.0,
                    argv.as_ptr(),
                    envp.as_ptr(),
                )
            };
            match r {
                0 => return Ok(pid as u32),
                libc::EINTR => continue,
                e => return Err(e),
            }
        }
    };
    match run(plan.path.as_ptr(), &argv) {
        Err(libc::ENOEXEC) => run(SH.as_ptr(), &script_argv(plan)),
        r => r,
    }
}

/// The signals blocked around `fork`: all but those that report a crash, so that a child
/// that faults before exec dies instead of hanging (libuv's set).
fn fork_mask() -> libc::sigset_t {
    // SAFETY: sigfillset initialises the set before sigdelset reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for sig in [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGTRAP,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGSYS,
            libc::SIGABRT,
        ] {
            libc::sigdelset(&mut set, sig);
        }
        set
    }
}

/// What the child of `fork` reads: pointers into the plan, made before the fork.
struct ChildArgs<'a> {
    plan: &'a Plan,
    argv: &'a [*mut c_char],
    script: &'a [*mut c_char],
    envp: &'a [*mut c_char],
    err_fd: RawFd,
    /// The forking process, to see whether it died before the child set its pdeathsig.
    parent: rustix::process::Pid,
}

fn fork_exec(plan: &Plan) -> Result<u32, i32> {
    let (rd, wr) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| e.raw_os_error())?;
    // The child places slots 0..n with dup2: the error pipe must not be one of them.
    let wr = raise(wr, plan.slots.len()).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    let argv = ptrs(&plan.argv);
    let script = script_argv(plan);
    let envp = ptrs(&plan.envp);
    let args = ChildArgs {
        plan,
        argv: &argv,
        script: &script,
        envp: &envp,
        err_fd: wr.as_raw_fd(),
        parent: rustix::process::getpid(),
    };
    let mask = fork_mask();
    // SAFETY: pthread_sigmask gets initialised sets. After fork the child runs only
    // `child`, which makes async-signal-safe calls on memory allocated before the fork
    // and never returns. The parent restores its mask at once.
    let pid = unsafe {
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &mask, &mut old);
        let pid = libc::fork();
        if pid == 0 {
            child(&args);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, ptr::null_mut());
        pid
    };
    if pid < 0 {
        return Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    drop(wr);
    let mut buf = [0u8; 4];
    let got = loop {
        match rustix::io::read(&rd, &mut buf) {
            Err(rustix::io::Errno::INTR) => continue,
            r => break r,
        }
    };
    match got {
        Ok(0) => Ok(pid as u32),
        other => {
            // The exec failed (or the child died before it): reap it now.
            let pid = rustix::process::Pid::from_raw(pid).expect("fork returned a pid > 0");
            while let Err(rustix::io::Errno::INTR) =
                rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty())
            {
            }
            Err(match other {
                Ok(4) => i32::from_ne_bytes(buf),
                _ => libc::EPIPE,
            })
        }
    }
}

/// The child after `fork`: async-signal-safe calls only, then exec or `_exit(127)`.
fn child(a: &ChildArgs<'_>) -> ! {
    let fail = || -> ! {
        // SAFETY: errno is thread-local and readable at any time; write and _exit are
        // async-signal-safe; the buffer lives on this stack.
        unsafe {
            let e = *libc::__errno_location();
            let b = e.to_ne_bytes();
            libc::write(a.err_fd, b.as_ptr().cast(), b.len());
            libc::_exit(127)
        }
    };
    let p = a.plan;
    // SAFETY: only async-signal-safe calls, on data allocated before the fork (the plan and
    // the pointer arrays, which are null-terminated arrays of NUL-terminated strings);
    // every fd used is open (owned by the plan).
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        for sig in 1..32 {
            if sig == libc::SIGKILL || sig == libc::SIGSTOP {
                continue;
            }
            if libc::sigaction(sig, &dfl, ptr::null_mut()) != 0 {
                fail();
            }
        }
        if p.detached && libc::setsid() == -1 {
            fail();
        }
        for (slot, fd) in p.slots.iter().enumerate() {
            if let Some(fd) = *fd {
                if libc::dup2(fd, slot as c_int) == -1 {
                    fail();
                }
            }
        }
        if let Some(cwd) = &p.cwd {
            if libc::chdir(cwd.as_ptr()) != 0 {
                fail();
            }
        }
        if p.uid.is_some() || p.gid.is_some() {
            // Drops supplementary groups when root gives up its privileges; fails (and is
            // ignored) for others, as in libuv.
            libc::setgroups(0, ptr::null());
        }
        if let Some(gid) = p.gid {
            if libc::setgid(gid) != 0 {
                fail();
            }
        }
        if let Some(uid) = p.uid {
            if libc::setuid(uid) != 0 {
                fail();
            }
        }
        // After setuid/setgid, which clear it. A parent that died before this call was
        // not seen: the child has been re-parented, so it signals itself (delivered when
        // the mask is emptied below, with the default disposition).
        if let Some(sig) = p.pdeathsig {
            if rustix::process::set_parent_process_death_signal(Some(sig)).is_err() {
                fail();
            }
            if rustix::process::getppid() != Some(a.parent) {
                rustix::process::kill_process(rustix::process::getpid(), sig).ok();
            }
        }
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::pthread_sigmask(libc::SIG_SETMASK, &empty, ptr::null_mut());
        libc::execve(
            p.path.as_ptr(),
            a.argv.as_ptr().cast(),
            a.envp.as_ptr().cast(),
        );
        if *libc::__errno_location() == libc::ENOEXEC {
            libc::execve(
                SH.as_ptr(),
                a.script.as_ptr().cast(),
                a.envp.as_ptr().cast(),
            );
        }
    }
    fail()
}

/// `fd`, or a close-on-exec copy of it numbered at least `min` (the original closed).
pub(crate) fn raise(fd: OwnedFd, min: usize) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() as usize >= min {
        return Ok(fd);
    }
    Ok(rustix::io::fcntl_dupfd_cloexec(&fd, min as RawFd)?)
}

/// `pidfd_send_signal(2)`: signals the process the pidfd names, never a later one with the
/// same pid.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: the syscall takes an fd (open: borrowed), a signal number, a null siginfo
    // pointer (allowed: the kernel fills in a default) and flags 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `kill(2)` of one pid (never 0 or negative: those name process groups).
pub(crate) fn kill(pid: u32, sig: i32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: kill takes plain integers; `pid` is positive, so it names one process.
    if unsafe { libc::kill(pid, sig) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A close-on-exec copy of the caller's fd number `fd`, numbered at least `min` (`EBADF`
/// if `fd` is not open). The caller's fd is only read, never closed.
pub(crate) fn dup_cloexec(fd: RawFd, min: usize) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC takes any integer (a closed fd is EBADF) and returns a new
    // fd that nothing else owns.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min as c_int) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `r` was just returned by fcntl: open, and owned by no one else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(r) })
}
