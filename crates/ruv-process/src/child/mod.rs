//! Child processes (Node's `child_process`): [`spawn`], [`exec`], [`exec_file`] on the
//! loop, and the blocking [`spawn_sync`] and [`exec_file_sync`].
//!
//! A [`ChildProcess`] is a `Copy` id into the loop's registry, with one event callback
//! ([`ChildEvent`]: `Spawn` or `Error` on the next tick, `Exit` when the child is reaped,
//! `Close` last, once its output has all been delivered) and its stdio slots as
//! [`ChildPipe`] streams on the one event model (`Data`, `End`, `Drain`, `Finish`,
//! `Error`, `Close`).
//!
//! ```
//! use ruv_core::stream::StreamEvent;
//! use ruv_core::{Loop, RunMode};
//! use ruv_process::child::{self, ChildEvent, SpawnOptions};
//!
//! #[derive(Default)]
//! struct Seen { out: Vec<u8>, events: Vec<String> }
//!
//! let mut lp: Loop<Seen> = Loop::new()?;
//! let opts = SpawnOptions::default();
//! let c = child::spawn(&mut lp, "/bin/echo", &["hello"], opts, |_, seen, _, ev| {
//!     let name = match ev {
//!         ChildEvent::Spawn => "spawn".to_string(),
//!         ChildEvent::Exit { code, .. } => format!("exit {code:?}"),
//!         ChildEvent::Close { code, .. } => format!("close {code:?}"),
//!         ChildEvent::Error(e) => format!("error {e}"),
//!     };
//!     seen.events.push(name);
//! })?;
//! let stdout = c.stdout(&lp).expect("stdout is a pipe by default");
//! stdout.on_event(&mut lp, |_, seen, _, ev| {
//!     if let StreamEvent::Data(d) = ev {
//!         seen.out.extend_from_slice(d);
//!     }
//! })?;
//! let mut seen = Seen::default();
//! lp.run(RunMode::Default, &mut seen)?;
//! assert_eq!(seen.out, b"hello\n");
//! assert_eq!(seen.events, ["spawn", "exit Some(0)", "close Some(0)"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! How the child is started (posix_spawn, or fork+exec off the loop thread), reaped (a
//! pidfd per child) and closed: `docs/process.md`.

mod exec;
mod methods;
mod options;
mod process;
mod reap;
mod signal;
mod stdio;
mod sync;
mod sys;

pub use exec::{
    exec, exec_file, Data, Encoding, ExecError, ExecOptions, Output, ERR_CHILD_PROCESS_FAILED,
    ERR_CHILD_PROCESS_STDIO_MAXBUFFER,
};
pub use options::{SpawnOptions, Stdio, ERR_IPC_ONE_PIPE, ERR_IPC_SYNC_FORK, STRIPPED_ENV};
#[doc(hidden)]
pub use process::__set_offload_threshold;
pub use process::{ChildEvent, ChildProcess};
#[doc(hidden)]
pub use reap::__force_sigchld_reaping;
pub use signal::{Signal, ERR_UNKNOWN_SIGNAL};
pub use stdio::ChildPipe;
pub use sync::{exec_file_sync, spawn_sync, SyncOptions, SyncOutput};

use ruv_core::{CallbackResult, Loop, Result};
use std::ffi::OsStr;

/// An empty argument list, for `spawn(lp, "/bin/true", NO_ARGS, …)`.
pub const NO_ARGS: &[&str] = &[];

/// Starts `program` with `args` (Node's `child_process.spawn`); `cb` gets the child's
/// [`ChildEvent`]s. A program without a `/` is looked up in the child's `PATH`.
///
/// The call returns the child at once. A failure to start it with `ENOENT`, `EACCES`,
/// `EAGAIN`, `EMFILE` or `ENFILE` is an [`Error`](ChildEvent::Error) event on the next
/// tick (the child then has no pid; its stdio streams exist and end at once), as in Node.
///
/// # Errors
/// As Node throws: `ERR_INVALID_ARG_VALUE` for an empty program or a NUL byte in the
/// program, an argument, `cwd`, `argv0`, `shell` or the environment;
/// `ERR_IPC_ONE_PIPE` for two [`Stdio::Ipc`] slots; and any other failure of the spawn
/// itself (`ENOTDIR` for a cwd that is a file, `EBADF` for an [`Stdio::Fd`] that is not
/// open, `EPERM` …: syscall `spawn`, the program as the path). With `uid` or `gid` in a
/// large parent, the spawn runs on the pool and all of its failures are events.
#[track_caller]
pub fn spawn<S: 'static, A: AsRef<OsStr>, R: CallbackResult>(
    lp: &mut Loop<S>,
    program: impl AsRef<OsStr>,
    args: &[A],
    options: SpawnOptions,
    cb: impl FnMut(&mut Loop<S>, &mut S, ChildProcess, ChildEvent) -> R + 'static,
) -> Result<ChildProcess> {
    let args: Vec<&OsStr> = args.iter().map(AsRef::as_ref).collect();
    process::spawn_typed(lp, program.as_ref(), &args, options, cb)
}
