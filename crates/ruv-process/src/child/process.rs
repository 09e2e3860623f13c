//! The child process handle: its state in the loop's registry, the spawn, and Node's event
//! order (`Spawn` or `Error` on the next tick, `Exit` when reaped, `Close` once `Exit` was
//! emitted, every stream the child writes to has closed, and every hold is released).

use super::options::{self, ParentEnd, SpawnOptions, Stdio};
use super::reap;
use super::signal::Signal;
use super::stdio::ChildPipe;
use super::sys::{self, Plan};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Error, IoWatcher, Loop, Result, Timer, WorkClass};
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU64, Ordering};

/// A child process on a loop (Node's `ChildProcess`): a `Copy` id into the loop's registry.
/// It is valid from [`spawn`](super::spawn) until its `Close` event has been delivered;
/// after that, getters answer `None` and `kill` answers `false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildProcess(pub(crate) HandleId);

/// The events of a child process, in Node's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildEvent {
    /// The child is running (Node's `'spawn'`), on the tick after [`spawn`](super::spawn).
    Spawn,
    /// The child was reaped (Node's `'exit'`): its exit code, or the signal that ended it.
    /// Output may still be arriving on its stdio streams.
    Exit {
        /// The exit code (`None` when a signal ended the child).
        code: Option<i32>,
        /// The signal that ended it.
        signal: Option<Signal>,
    },
    /// Everything is over (Node's `'close'`): after `Exit` (or after a spawn `Error`), once
    /// every stream the child writes to has closed and every
    /// [`hold_close`](ChildProcess::hold_close) was released. The last event. The code is
    /// `-errno` after a failed spawn, as Node's (`-2` for `ENOENT`).
    Close {
        /// As in `Exit`.
        code: Option<i32>,
        /// As in `Exit`.
        signal: Option<Signal>,
    },
    /// The spawn failed (`ENOENT`, `EACCES` …: syscall `spawn`, the program as the path), or
    /// a `kill` was refused (`EPERM`, syscall `kill`). After a spawn failure no `Spawn` and no
    /// `Exit` follow, only `Close`.
    Error(Error),
}

/// The stored event callback.
pub(crate) type ChildFn<S> =
    Box<dyn FnMut(&mut Loop<S>, &mut S, ChildProcess, ChildEvent) -> Result<()>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Spawning,
    Running,
    Exited,
    Failed,
}

/// One stdio slot of a child.
pub(crate) struct Slot {
    pub(crate) pipe: Option<ChildPipe>,
    /// The user set an event callback (else the internal one drains it after exit).
    pub(crate) subscribed: bool,
    pub(crate) closed: bool,
}

/// A child's state (its liveness flags are the registry `Handle` around it).
pub(crate) struct Child<S> {
    pub(crate) pid: Option<u32>,
    pub(crate) file: OsString,
    pub(crate) args: Vec<OsString>,
    pub(crate) phase: Phase,
    /// The pidfd and its watcher (pidfd reaping), or `None` (SIGCHLD reaping).
    pub(crate) pidfd: Option<(OwnedFd, IoWatcher)>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) holds: usize,
    pub(crate) ipc_fd: Option<OwnedFd>,
    pub(crate) killed: bool,
    pub(crate) exit_code: Option<i32>,
    pub(crate) signal_code: Option<Signal>,
    pub(crate) close_queued: bool,
    pub(crate) timer: Option<Timer>,
    pub(crate) cb: Option<Callback<ChildFn<S>>>,
}

pub(crate) fn child<S: 'static>(lp: &Loop<S>, id: HandleId) -> Option<&Child<S>> {
    lp.handle::<Child<S>>(id).ok().map(|h| &h.data)
}

pub(crate) fn child_mut<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Option<&mut Child<S>> {
    lp.handle_mut::<Child<S>>(id).ok().map(|h| &mut h.data)
}

fn cb_field<S>(c: &mut Child<S>) -> &mut Option<Callback<ChildFn<S>>> {
    &mut c.cb
}

/// Emits `ev` to the child's callback (nothing for a stale child).
pub(crate) fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ev: ChildEvent) {
    let kind = match ev {
        ChildEvent::Spawn => "child.spawn",
        ChildEvent::Exit { .. } => "child.exit",
        ChildEvent::Close { .. } => "child.close",
        ChildEvent::Error(_) => "child.error",
    };
    lp.dispatch_handle::<Child<S>, ChildFn<S>>(s, id, kind, cb_field::<S>, |f, lp, s| {
        f(lp, s, ChildProcess(id), ev)
    });
}

/// Runs `f` on the next tick (ruv-node's queue). Called outside a callback (a spawn in
/// `main`), an empty deferred callback makes the loop drain the queue.
pub(crate) fn tick<S: 'static>(lp: &mut Loop<S>, f: impl FnOnce(&mut Loop<S>, &mut S) + 'static) {
    if ruv_node::next_tick(lp, f).is_err() {
        // ruv-node could not install its handles: run from the pending phase instead.
        return;
    }
    if lp.current_callback().is_none() {
        lp.defer(|_: &mut Loop<S>, _: &mut S| {});
    }
}

/// Parents at least this large (resident bytes) run fork+exec on the pool, off the loop
/// thread (fork's cost grows with the parent's page tables; posix_spawn's does not).
static OFFLOAD_RSS: AtomicU64 = AtomicU64::new(64 << 20);

/// Sets the resident size from which fork+exec spawns run on the pool (for tests; 0: always).
#[doc(hidden)]
pub fn __set_offload_threshold(bytes: u64) {
    OFFLOAD_RSS.store(bytes, Ordering::Relaxed);
}

/// The parent's resident size, from `/proc/self/statm`.
fn resident_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = s.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

#[track_caller]
pub(crate) fn spawn_boxed<S: 'static>(
    lp: &mut Loop<S>,
    program: &OsStr,
    args: &[&OsStr],
    o: SpawnOptions,
    cb: Callback<ChildFn<S>>,
) -> Result<ChildProcess> {
    let ipc: Vec<usize> = (0..o.stdio.len())
        .filter(|&i| o.stdio[i] == Stdio::Ipc)
        .collect();
    if ipc.len() > 1 {
        return Err(Error::new(options::ERR_IPC_ONE_PIPE)
            .with_detail("Child process can have only one IPC pipe"));
    }
    if o.parent_death_signal.is_some_and(|s| s.as_raw() == 0) {
        return Err(Error::new(ruv_core::Code::ERR_INVALID_ARG_VALUE)
            .with_detail("The property 'options.parentDeathSignal' must be a signal, not 0"));
    }
    let fd_var = ipc.first().map(|i| i.to_string());
    let mut extra = Vec::new();
    if let Some(fd) = &fd_var {
        extra.push(("NODE_CHANNEL_FD", fd.as_str()));
        extra.push(("NODE_CHANNEL_SERIALIZATION_MODE", o.serialization.as_str()));
    }
    let cmd = options::command(program, args, &o, &extra)?;
    let id = lp.handles::<Child<S>>().insert(Handle::new(Child {
        pid: None,
        file: cmd.file.clone(),
        args: cmd.args.clone(),
        phase: Phase::Spawning,
        pidfd: None,
        slots: Vec::new(),
        holds: 0,
        ipc_fd: None,
        killed: false,
        exit_code: None,
        signal_code: None,
        close_queued: false,
        timer: None,
        cb: Some(cb),
    }));
    let me = ChildProcess(id);
    let slots = match options::slots(&o.stdio) {
        Ok(s) => s,
        Err(e) => {
            let errno = e.code().errno().unwrap_or(libc::EINVAL);
            if matches!(errno, libc::EMFILE | libc::ENFILE) {
                // Node: the error is an event, and no stdio is set up.
                fail_later(lp, id, errno);
                return Ok(me);
            }
            lp.handles::<Child<S>>().remove(id);
            return Err(options::spawn_error(errno, &cmd.file, "spawn"));
        }
    };
    let mut table = Vec::with_capacity(slots.parent.len());
    let mut ipc_fd = None;
    for (i, end) in slots.parent.into_iter().enumerate() {
        let pipe = match end {
            ParentEnd::Pipe(fd) => match open_pipe(lp, id, i, fd) {
                Ok(p) => Some(p),
                Err(e) => {
                    undo(lp, id, table);
                    return Err(e);
                }
            },
            ParentEnd::Ipc(fd) => {
                ipc_fd = Some(fd);
                None
            }
            ParentEnd::None => None,
        };
        table.push(Slot {
            pipe,
            subscribed: false,
            closed: false,
        });
    }
    if let Some(c) = child_mut(lp, id) {
        c.slots = table;
        c.ipc_fd = ipc_fd;
    }
    let mut cmd = cmd;
    let plan = match cmd.plan(slots.child, slots.keep, &o) {
        Ok(p) => p,
        Err(errno) => return finish_inline(lp, id, Err(errno), &o),
    };
    // PR_SET_PDEATHSIG follows the spawning thread: never a pool thread
    let offload = plan.needs_fork()
        && plan.pdeathsig.is_none()
        && resident_bytes().is_some_and(|r| r >= OFFLOAD_RSS.load(Ordering::Relaxed));
    if offload {
        return spawn_on_pool(lp, id, plan, o);
    }
    let res = sys::spawn(&plan);
    drop(plan);
    finish_inline(lp, id, res, &o)
}

fn open_pipe<S: 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
    i: usize,
    fd: OwnedFd,
) -> Result<ChildPipe> {
    let pipe = ruv_net::Pipe::open(lp, fd)?;
    let cp = ChildPipe {
        pipe,
        child: id,
        slot: i as u32,
    };
    cp.install(lp)?;
    Ok(cp)
}

/// Closes the streams made so far and forgets the child (a synchronous spawn error).
fn undo<S: 'static>(lp: &mut Loop<S>, id: HandleId, made: Vec<Slot>) {
    let mut pipes: Vec<ChildPipe> = made.iter().filter_map(|s| s.pipe).collect();
    if let Some(c) = child(lp, id) {
        pipes.extend(c.slots.iter().filter_map(|s| s.pipe));
    }
    for p in pipes {
        p.pipe.destroy(lp, None);
    }
    lp.handles::<Child<S>>().remove(id);
}

/// The end of an inline spawn: Node's errors that are events become events; the others
/// are returned.
fn finish_inline<S: 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
    res: std::result::Result<u32, i32>,
    o: &SpawnOptions,
) -> Result<ChildProcess> {
    match res {
        Ok(pid) => {
            started(lp, id, pid, o);
            tick(lp, move |lp, s| emit(lp, s, id, ChildEvent::Spawn));
        }
        Err(errno) if options::is_async_error(errno) => fail_later(lp, id, errno),
        Err(errno) => {
            let file = child(lp, id).map(|c| c.file.clone()).unwrap_or_default();
            undo(lp, id, Vec::new());
            return Err(options::spawn_error(errno, &file, "spawn"));
        }
    }
    Ok(ChildProcess(id))
}

/// fork+exec on a pool thread; the outcome comes back as an event (every error too).
fn spawn_on_pool<S: 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
    plan: Plan,
    o: SpawnOptions,
) -> Result<ChildProcess> {
    let work = move || {
        let res = sys::spawn(&plan);
        drop(plan);
        res
    };
    let queued = lp.queue_work(
        WorkClass::FastIo,
        work,
        move |lp, s, res: Result<_>| match res {
            Ok(Ok(pid)) => {
                started(lp, id, pid, &o);
                emit(lp, s, id, ChildEvent::Spawn);
            }
            Ok(Err(errno)) => fail_later(lp, id, errno),
            Err(e) => fail_later(lp, id, e.code().errno().unwrap_or(libc::EAGAIN)),
        },
    );
    if let Err(e) = queued {
        undo(lp, id, Vec::new());
        return Err(e);
    }
    Ok(ChildProcess(id))
}

/// The child runs: record its pid, start reaping it, and its timeout.
fn started<S: 'static>(lp: &mut Loop<S>, id: HandleId, pid: u32, o: &SpawnOptions) {
    if let Some(c) = child_mut(lp, id) {
        c.pid = Some(pid);
        c.phase = Phase::Running;
    }
    lp.handle_set_active::<Child<S>>(id, true);
    reap::watch(lp, id, pid);
    if o.timeout > 0 {
        let sig = o.kill_signal;
        let Ok(t) = Timer::new(lp) else { return };
        let armed = t.start(lp, o.timeout, 0, move |lp, _s: &mut S, t| {
            ChildProcess(id).kill(lp, sig);
            t.close(lp).map(drop)
        });
        if armed.is_ok() {
            if let Some(c) = child_mut(lp, id) {
                c.timer = Some(t);
            }
        }
    }
}

/// A failed spawn: `Error` on the next tick, then the streams are ended and `Close` follows.
pub(crate) fn fail_later<S: 'static>(lp: &mut Loop<S>, id: HandleId, errno: i32) {
    let Some(c) = child_mut(lp, id) else { return };
    c.phase = Phase::Failed;
    c.exit_code = Some(-errno);
    let err = options::spawn_error(errno, &c.file, "spawn");
    tick(lp, move |lp, s| {
        emit(lp, s, id, ChildEvent::Error(err));
        finish_streams(lp, id);
        maybe_close(lp, id);
    });
}

/// The child was reaped (`status` is `None` if someone else reaped it).
pub(crate) fn exited<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    code: Option<i32>,
    signal: Option<Signal>,
) {
    let Some(c) = child_mut(lp, id) else { return };
    c.phase = Phase::Exited;
    c.exit_code = code;
    c.signal_code = signal;
    let timer = c.timer.take();
    let pidfd = c.pidfd.take();
    if let Some((fd, w)) = pidfd {
        // deregistered before the fd closes
        let _ = w.close(lp);
        drop(fd);
    }
    if let Some(t) = timer {
        let _ = t.close(lp);
    }
    lp.handle_set_active::<Child<S>>(id, false);
    emit(lp, s, id, ChildEvent::Exit { code, signal });
    tick(lp, move |lp, _s| {
        finish_streams(lp, id);
        maybe_close(lp, id);
    });
}

/// After exit (or a failed spawn): stdin is destroyed, as Node destroys it, and streams the
/// user never read are read now, their data dropped (Node's `flushStdio`), so they end.
fn finish_streams<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = child(lp, id) else { return };
    let todo: Vec<(ChildPipe, bool)> = c
        .slots
        .iter()
        .filter_map(|sl| sl.pipe.map(|p| (p, sl.subscribed)))
        .collect();
    for (p, subscribed) in todo {
        if p.pipe.is_closing(lp) {
            continue;
        }
        if p.slot == 0 {
            p.pipe.destroy(lp, None);
        } else if !subscribed {
            p.pipe.resume(lp);
        }
    }
}

/// Queues `Close` if everything it waits for is done.
pub(crate) fn maybe_close<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = child_mut(lp, id) else { return };
    let over = matches!(c.phase, Phase::Exited | Phase::Failed);
    let streams_done = c.phase == Phase::Failed
        || c.slots
            .iter()
            .enumerate()
            .all(|(i, sl)| i == 0 || sl.pipe.is_none() || sl.closed);
    if !over || !streams_done || c.holds > 0 || c.close_queued {
        return;
    }
    c.close_queued = true;
    tick(lp, move |lp, s| {
        let Some(c) = child_mut(lp, id) else { return };
        let ev = ChildEvent::Close {
            code: c.exit_code,
            signal: c.signal_code,
        };
        let cb = c.cb.take();
        // Closed first, so that the handle is freed (in the closing phase) even if the
        // callback fails; getters still answer during the callback.
        let _ = lp.close_handle::<Child<S>>(id);
        if let Some(Callback { mut f, site }) = cb {
            lp.run_callback(s, "child.close", Some(id), site, move |lp, s| {
                f(lp, s, ChildProcess(id), ev)
            });
        }
    });
}

/// A stdio stream of the child closed.
pub(crate) fn stream_closed<S: 'static>(lp: &mut Loop<S>, id: HandleId, slot: u32) {
    let Some(c) = child_mut(lp, id) else { return };
    if let Some(sl) = c.slots.get_mut(slot as usize) {
        sl.closed = true;
    }
    maybe_close(lp, id);
}

/// The user set a stdio stream's callback.
pub(crate) fn subscribe<S: 'static>(lp: &mut Loop<S>, id: HandleId, slot: u32) {
    if let Some(sl) = child_mut(lp, id).and_then(|c| c.slots.get_mut(slot as usize)) {
        sl.subscribed = true;
    }
}

/// Spawns with a typed callback (see [`spawn`](super::spawn)).
#[track_caller]
pub(crate) fn spawn_typed<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    program: &OsStr,
    args: &[&OsStr],
    o: SpawnOptions,
    mut cb: impl FnMut(&mut Loop<S>, &mut S, ChildProcess, ChildEvent) -> R + 'static,
) -> Result<ChildProcess> {
    let f: ChildFn<S> = Box::new(move |lp, s, c, ev| cb(lp, s, c, ev).into_result());
    spawn_boxed(lp, program, args, o, Callback::new(f))
}
