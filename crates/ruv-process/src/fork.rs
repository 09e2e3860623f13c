//! Node's `child_process.fork`: a child with an IPC channel on an extra stdio slot.
//!
//! The child is spawned with `[inherit, inherit, inherit, ipc]` (Node's default; `silent`
//! makes 0–2 pipes), `NODE_CHANNEL_FD=3` and `NODE_CHANNEL_SERIALIZATION_MODE` in its
//! environment, exactly as Node's fork does, so the child may be a ruv program (it finds its
//! channel with [`ipc::channel`](crate::ipc::channel)) or a node script
//! (`exec_path: Some("node")`, whose `process.send` / `process.on('message')` then talk to
//! this parent). The child's events and the channel's arrive through one callback, in
//! Node's order; `Close` waits for the channel to be closed too.
//!
//! ```no_run
//! use ruv_core::{Loop, RunMode};
//! use ruv_process::fork::{fork, ForkEvent, ForkOptions};
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! let child = fork(&mut lp, "target/debug/examples/fork_child", &[] as &[&str],
//!     ForkOptions::default(), |lp, _, me, ev| {
//!         match ev {
//!             ForkEvent::Spawn => { me.send(lp, &serde_json::json!({ "ping": 1 }))?; }
//!             ForkEvent::Message(m) => {
//!                 println!("got {}", String::from_utf8_lossy(m.bytes()));
//!                 me.disconnect(lp)?;
//!             }
//!             _ => {}
//!         }
//!         Ok::<(), ruv_core::Error>(())
//!     })?;
//! lp.run(RunMode::Default, &mut ())?;
//! # let _ = child;
//! # Ok::<(), ruv_core::Error>(())
//! ```

use crate::child::{self, ChildEvent, ChildProcess, Signal, SpawnOptions, Stdio};
use crate::ipc::{Channel, ChannelEvent, InternalMessage, Message, SendHandle, Serialization};
use ruv_core::{CallbackResult, Code, Error, Loop, Result};
use serde::Serialize;
use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::rc::Rc;

/// Options of [`fork`] (Node's `child_process.fork` options).
#[derive(Clone, Debug, Default)]
pub struct ForkOptions {
    /// The program that runs `module` (Node's `execPath`): `None` runs `module` itself (a
    /// ruv program); `Some("node")` runs `node [exec_argv…] module args…`.
    pub exec_path: Option<PathBuf>,
    /// Arguments for `exec_path` before `module` (Node's `execArgv`).
    pub exec_argv: Vec<OsString>,
    /// The child's working directory.
    pub cwd: Option<PathBuf>,
    /// The child's environment (`None`: the parent's, without its own `NODE_CHANNEL_*`).
    /// `NODE_CHANNEL_FD`, `NODE_CHANNEL_SERIALIZATION_MODE` and `NODE_UNIQUE_ID` are
    /// removed from it either way (see [`STRIPPED_ENV`](crate::child::STRIPPED_ENV)).
    pub env: Option<Vec<(OsString, OsString)>>,
    /// Variables set after that stripping, as [`SpawnOptions::extra_env`]: how a cluster
    /// primary gives each worker its `NODE_UNIQUE_ID`.
    pub extra_env: Vec<(OsString, OsString)>,
    /// Pipes for the child's stdin, stdout and stderr instead of the parent's own (Node's
    /// `silent`).
    pub silent: bool,
    /// Runs the child in a new session.
    pub detached: bool,
    /// The channel's serialization: `Json` (Node's, the default: works with node) or `Ruv`
    /// (between ruv programs).
    pub serialization: Serialization,
    /// Kills the child after this many ms (0: never), with `kill_signal`.
    pub timeout: u64,
    /// The signal of `timeout` (`SIGTERM` when `None`).
    pub kill_signal: Option<Signal>,
    /// The signal the child gets when this process dies (Linux's `PR_SET_PDEATHSIG`; see
    /// [`SpawnOptions::parent_death_signal`]): a cluster worker busy in a loop still dies
    /// with a SIGKILLed primary.
    pub parent_death_signal: Option<Signal>,
}

/// A forked child: its process and its channel (`Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Forked {
    /// The process (pid, kill, stdio when `silent`).
    pub child: ChildProcess,
    /// The IPC channel.
    pub channel: Channel,
}

/// What a forked child's callback gets: the child's and the channel's events (Node's
/// `ChildProcess` events of a forked child).
#[derive(Debug)]
pub enum ForkEvent<'a> {
    /// The child is running (`'spawn'`).
    Spawn,
    /// A message from the child (`'message'`).
    Message(Message<'a>),
    /// An internal (`NODE_…`) message (the cluster's).
    Internal(InternalMessage<'a>),
    /// The channel drained after a `send` returned `false`.
    Drain,
    /// The channel is closed (`'disconnect'`).
    Disconnect,
    /// The child was reaped (`'exit'`).
    Exit {
        /// The exit code (`None` when a signal ended it).
        code: Option<i32>,
        /// The signal that ended it.
        signal: Option<Signal>,
    },
    /// Everything is closed, the channel included (`'close'`): the last event.
    Close {
        /// As in `Exit`.
        code: Option<i32>,
        /// As in `Exit`.
        signal: Option<Signal>,
    },
    /// The spawn failed, a kill was refused, or a message could not be received.
    Error(Error),
}

type ForkFn<S> =
    Rc<RefCell<Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Forked, ForkEvent<'a>) -> Result<()>>>>;

fn call<S: 'static>(
    f: &ForkFn<S>,
    lp: &mut Loop<S>,
    s: &mut S,
    me: Forked,
    ev: ForkEvent<'_>,
) -> Result<()> {
    match f.try_borrow_mut() {
        Ok(mut cb) => (*cb)(lp, s, me, ev),
        // events never come from inside a call of the callback's own (both streams emit from
        // the loop); should one nest, it is reported rather than lost silently
        Err(_) => Err(Error::new(Code::ERR_INVALID_STATE)
            .with_detail("a fork event came while its callback was running")),
    }
}

/// Node's `child_process.fork(module, args, options)`: spawns `module` (or `exec_path
/// module`) with an IPC channel; `cb` gets [`ForkEvent`]s.
///
/// # Errors
/// As [`child::spawn`] (an `ENOENT` for a missing program is an `Error` event, as Node's),
/// and the channel's setup errors.
#[track_caller]
pub fn fork<S: 'static, A: AsRef<OsStr>, R: CallbackResult>(
    lp: &mut Loop<S>,
    module: impl AsRef<OsStr>,
    args: &[A],
    opts: ForkOptions,
    mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Forked, ForkEvent<'a>) -> R + 'static,
) -> Result<Forked> {
    let (program, mut argv): (OsString, Vec<OsString>) = match &opts.exec_path {
        Some(p) => {
            let mut v = opts.exec_argv.clone();
            v.push(module.as_ref().to_owned());
            (p.clone().into_os_string(), v)
        }
        None => (module.as_ref().to_owned(), Vec::new()),
    };
    argv.extend(args.iter().map(|a| a.as_ref().to_owned()));
    let io = if opts.silent {
        Stdio::Pipe
    } else {
        Stdio::Inherit
    };
    let spawn_opts = SpawnOptions {
        cwd: opts.cwd.clone(),
        env: opts.env.clone(),
        extra_env: opts.extra_env.clone(),
        stdio: vec![io.clone(), io.clone(), io, Stdio::Ipc],
        detached: opts.detached,
        serialization: opts.serialization.name().to_string(),
        timeout: opts.timeout,
        kill_signal: opts.kill_signal.unwrap_or(Signal::SIGTERM),
        parent_death_signal: opts.parent_death_signal,
        ..SpawnOptions::default()
    };
    let f: ForkFn<S> = Rc::new(RefCell::new(Box::new(move |lp, s, me, ev| {
        cb(lp, s, me, ev).into_result()
    })));
    // the channel is known once spawn returned: the child's events look it up here
    let slot: Rc<std::cell::Cell<Option<Channel>>> = Rc::new(std::cell::Cell::new(None));
    let (f2, slot2) = (f.clone(), slot.clone());
    let child = child::spawn(lp, &program, &argv, spawn_opts, move |lp, s, child, ev| {
        let Some(channel) = slot2.get() else {
            return Ok(());
        };
        let me = Forked { child, channel };
        let ev = match ev {
            ChildEvent::Spawn => ForkEvent::Spawn,
            ChildEvent::Exit { code, signal } => ForkEvent::Exit { code, signal },
            ChildEvent::Close { code, signal } => ForkEvent::Close { code, signal },
            ChildEvent::Error(e) => ForkEvent::Error(e),
        };
        call(&f2, lp, s, me, ev)
    })?;
    let Some(fd) = child.take_ipc_fd(lp) else {
        return Err(Error::new(Code::EINVAL).with_detail("fork: the spawn made no IPC channel"));
    };
    let channel = Channel::open(lp, fd, opts.serialization)?;
    slot.set(Some(channel));
    // 'close' waits for the channel
    child.hold_close(lp)?;
    let me = Forked { child, channel };
    channel.on_event(lp, move |lp, s, _, ev| {
        let last = matches!(ev, ChannelEvent::Disconnect);
        let ev = match ev {
            ChannelEvent::Message(m) => ForkEvent::Message(m),
            ChannelEvent::Internal(m) => ForkEvent::Internal(m),
            ChannelEvent::Drain => ForkEvent::Drain,
            ChannelEvent::Error(e) => ForkEvent::Error(e),
            ChannelEvent::Disconnect => ForkEvent::Disconnect,
        };
        let r = call(&f, lp, s, me, ev);
        if last {
            child.release_close(lp);
        }
        r
    })?;
    Ok(me)
}

impl Forked {
    /// Sends a message to the child (Node's `child.send`): `false` when the channel's queue
    /// is at its high-water mark.
    ///
    /// # Errors
    /// `ERR_IPC_CHANNEL_CLOSED` after a disconnect; serialization errors.
    pub fn send<S: 'static, T: Serialize + ?Sized>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
    ) -> Result<bool> {
        self.channel.send(lp, msg)
    }

    /// Sends a message with a handle (a TCP server or socket, a UDP socket).
    ///
    /// # Errors
    /// As [`send`](Forked::send).
    pub fn send_handle<S: 'static, T: Serialize + ?Sized, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
        handle: SendHandle,
        keep_open: bool,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<bool> {
        self.channel.send_handle(lp, msg, handle, keep_open, cb)
    }

    /// Closes the channel (Node's `child.disconnect()`).
    ///
    /// # Errors
    /// `ERR_IPC_CHANNEL_CLOSED` when already closed.
    pub fn disconnect<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.channel.disconnect(lp)
    }

    /// Whether the channel is open (`child.connected`).
    pub fn connected<S: 'static>(self, lp: &Loop<S>) -> bool {
        self.channel.connected(lp)
    }

    /// Signals the child (`child.kill`): `false` if it was already reaped.
    pub fn kill<S: 'static>(self, lp: &mut Loop<S>, signal: Signal) -> bool {
        self.child.kill(lp, signal)
    }

    /// The child's pid (`None` if the spawn failed).
    pub fn pid<S: 'static>(self, lp: &Loop<S>) -> Option<u32> {
        self.child.pid(lp)
    }

    /// Referenced or not: an unreferenced forked child (process and channel) does not keep
    /// the loop alive.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        self.child.set_ref(lp, on);
        self.channel.set_ref(lp, on);
    }
}
