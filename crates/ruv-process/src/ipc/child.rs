//! The child's side: the channel a parent (`node`'s `child_process.fork`, or ruv's `fork`)
//! opened for this process, found in the environment.

use super::{codes, Channel, Serialization};
use ruv_core::{Code, Error, Loop, Result};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The variables a forked process inherits for its channel, as Node sets and reads them:
/// the spawn layer leaves them out of the environment of the processes this one spawns
/// (Node deletes them from `process.env`; ruv never calls `set_var`).
pub const INHERITED_ENV: [&str; 3] = [
    "NODE_CHANNEL_FD",
    "NODE_CHANNEL_SERIALIZATION_MODE",
    "NODE_UNIQUE_ID",
];

/// What the environment said, read once per process.
#[derive(Clone, Copy, Debug)]
struct Inherited {
    fd: RawFd,
    mode: Serialization,
}

static ENV: OnceLock<Result<Option<Inherited>>> = OnceLock::new();
/// The inherited fd became an `OwnedFd` (at most once per process).
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The loop extension that remembers the loop's channel.
struct ChildChannel(Channel);

fn read_env() -> Result<Option<Inherited>> {
    let Some(raw) = std::env::var_os("NODE_CHANNEL_FD") else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let text = raw.to_string_lossy();
    let fd: RawFd = match text.parse() {
        Ok(fd) if fd >= 0 => fd,
        _ => {
            return Err(Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
                "NODE_CHANNEL_FD must be a file descriptor number. Received {}",
                ruv_core::node_inspect_str_for_error(&text)
            )))
        }
    };
    // SAFETY: F_GETFD only reads the descriptor's flags; any integer is a valid argument (a
    // closed one is EBADF).
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(Error::new(Code::EBADF).with_detail(format!(
            "NODE_CHANNEL_FD={fd} is not an open file descriptor"
        )));
    }
    let mode = match std::env::var("NODE_CHANNEL_SERIALIZATION_MODE") {
        Ok(m) if !m.is_empty() => Serialization::from_name(&m)?,
        _ => Serialization::Json,
    };
    Ok(Some(Inherited { fd, mode }))
}

/// The channel a parent opened for this process (Node's `process.send` /
/// `process.on('message')`): `Ok(None)` when there is none (`NODE_CHANNEL_FD` is not set).
///
/// The environment is read once per process (`NODE_CHANNEL_FD`, and
/// `NODE_CHANNEL_SERIALIZATION_MODE`: `json` by default, or `ruv`), and the channel opens
/// on the first loop that asks; asking again on that loop gives the same channel. As in a
/// Node child, the channel keeps the loop alive only while an event callback is set (Node:
/// while something listens for `'message'` or `'disconnect'`) or a send is being written:
/// a child that only sends exits when its work is done. The fd is made close-on-exec, so
/// it never leaks into the processes this one spawns.
///
/// # Errors
/// `ERR_IPC_CHANNEL_TAKEN` on a second loop; `ERR_INVALID_ARG_VALUE` for a
/// `NODE_CHANNEL_FD` that is not a number, `EBADF` for one that is not open,
/// `ERR_IPC_UNSUPPORTED_SERIALIZATION` when the parent asked for `advanced`; the
/// [`Channel::open`] errors (the same each time: the environment is not read again).
pub fn channel<S: 'static>(lp: &mut Loop<S>) -> Result<Option<Channel>> {
    if let Some(c) = lp.extension::<ChildChannel>() {
        return Ok(Some(c.0));
    }
    let Some(inh) = *ENV.get_or_init(read_env).as_ref().map_err(Clone::clone)? else {
        return Ok(None);
    };
    if TAKEN.swap(true, Ordering::SeqCst) {
        return Err(
            Error::new(codes::ERR_IPC_CHANNEL_TAKEN).with_detail(format!(
            "The IPC channel of this process (NODE_CHANNEL_FD={}) is already open on another loop",
            inh.fd
        )),
        );
    }
    // SAFETY: the fd was checked open when the environment was read; it was inherited for
    // the channel, and nothing else in this process owns it: `TAKEN` makes this the one
    // `OwnedFd` ever made from it.
    let fd = unsafe { OwnedFd::from_raw_fd(inh.fd) };
    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)
        .map_err(|e| Error::from_io(&e.into(), "fcntl"))?;
    let ch = Channel::open_with(lp, fd, inh.mode, true)?;
    lp.insert_extension(ChildChannel(ch));
    Ok(Some(ch))
}
