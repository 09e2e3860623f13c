//! `child_process.fork` and the child's side of its channel (`process.send`,
//! `process.on('message')`), on ruv-process, speaking Node's JSON protocol.

use ruv_core::Loop;
use ruv_process::fork::{ForkEvent, ForkOptions};
use ruv_process::ipc::{ChannelEvent, Serialization};

use crate::host::{Arg, Host, Reply};

/// The callback id the prelude gives the parent channel's events.
const PARENT: u32 = 0;

/// A signal as its name for the prelude (`null` when none).
pub(crate) fn signal_name(s: Option<ruv_process::child::Signal>) -> Arg {
    match s.and_then(|s| s.name()) {
        Some(n) => Arg::Str(n.to_string()),
        None => Arg::Null,
    }
}

/// An exit code for the prelude (`null` when none).
pub(crate) fn code(c: Option<i32>) -> Arg {
    c.map_or(Arg::Null, |c| Arg::Num(f64::from(c)))
}

/// Forks `module` with this program as the runtime (Node's `process.execPath`).
pub(crate) fn fork(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    module: String,
    args: Vec<String>,
    exec_argv: Vec<String>,
) -> ruv_core::Result<()> {
    let forked = fork_start(lp, id, &module, &args, exec_argv)?;
    host.add_child(id, forked);
    Ok(())
}

/// Starts the child of `fork` (its events go to callback `id`), on the loop only.
pub(crate) fn fork_start(
    lp: &mut Loop<Host>,
    id: u32,
    module: &str,
    args: &[String],
    exec_argv: Vec<String>,
) -> ruv_core::Result<ruv_process::fork::Forked> {
    let opts = ForkOptions {
        exec_path: Some(std::env::current_exe().map_err(|e| ruv_core::Error::from_io(&e, "fork"))?),
        exec_argv: exec_argv.into_iter().map(Into::into).collect(),
        serialization: Serialization::Json,
        ..ForkOptions::default()
    };
    let forked =
        ruv_process::fork::fork(lp, module, args, opts, move |lp, h: &mut Host, me, ev| {
            let reply = match ev {
                ForkEvent::Spawn => Reply::Event(
                    "spawn",
                    vec![me.pid(lp).map_or(Arg::Null, |p| Arg::Num(f64::from(p)))],
                ),
                ForkEvent::Message(m) => Reply::Event(
                    "message",
                    vec![Arg::Str(String::from_utf8_lossy(m.bytes()).into_owned())],
                ),
                ForkEvent::Internal(_) | ForkEvent::Drain => return,
                ForkEvent::Disconnect => Reply::Event("disconnect", vec![]),
                ForkEvent::Exit { code: c, signal } => {
                    Reply::Event("exit", vec![code(c), signal_name(signal)])
                }
                ForkEvent::Close { code: c, signal } => {
                    h.remove_child(id);
                    // the last event: the prelude forgets the callback
                    h.call(
                        lp,
                        id,
                        false,
                        Reply::Event("close", vec![code(c), signal_name(signal)]),
                    );
                    return;
                }
                ForkEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
            };
            h.call(lp, id, true, reply);
        })?;
    Ok(forked)
}

/// Sends JSON text to child `id` or (id 0) to the parent; `done` is called when written.
pub(crate) fn send(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    json: String,
    done: u32,
) -> ruv_core::Result<()> {
    let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
        ruv_core::Error::new(ruv_core::Code::ERR_INVALID_ARG_VALUE).with_detail(e.to_string())
    })?;
    let channel = if id == PARENT {
        host.parent(lp)?
    } else {
        host.child(id).map(|f| f.channel)
    };
    let Some(channel) = channel else {
        return Err(ruv_core::Error::new(
            ruv_process::ipc::codes::ERR_IPC_CHANNEL_CLOSED,
        ));
    };
    if done == 0 {
        return channel.send(lp, &value).map(drop);
    }
    channel
        .send_cb(lp, &value, move |lp, h: &mut Host, r| {
            let arg = match r {
                Ok(()) => Arg::Null,
                Err(e) => Arg::Error(e),
            };
            h.call(lp, done, false, Reply::Event("sent", vec![arg]))
        })
        .map(drop)
}

/// Closes the channel to child `id` or (0) to the parent.
pub(crate) fn disconnect(lp: &mut Loop<Host>, host: &mut Host, id: u32) -> ruv_core::Result<()> {
    let channel = if id == PARENT {
        host.parent(lp)?
    } else {
        host.child(id).map(|f| f.channel)
    };
    match channel {
        Some(c) => c.disconnect(lp),
        None => Ok(()),
    }
}

/// Signals forked child `id`.
pub(crate) fn kill(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    signal: &str,
) -> ruv_core::Result<()> {
    let sig = parse_signal(signal)?;
    if let Some(f) = host.child(id) {
        f.kill(lp, sig);
    }
    Ok(())
}

/// A signal by Node's name, or `ERR_UNKNOWN_SIGNAL`.
pub(crate) fn parse_signal(signal: &str) -> ruv_core::Result<ruv_process::child::Signal> {
    ruv_process::child::Signal::from_name(signal).ok_or_else(|| {
        ruv_core::Error::new(ruv_process::child::ERR_UNKNOWN_SIGNAL)
            .with_detail(format!("Unknown signal: {signal}"))
    })
}

/// `process.on('message' | 'disconnect')` listeners came (`on`) or went: the channel's
/// events go to the prelude while there are listeners, and keep the loop alive then.
pub(crate) fn parent_ref(lp: &mut Loop<Host>, host: &mut Host, on: bool) -> ruv_core::Result<()> {
    let Some(channel) = host.parent(lp)? else {
        return Ok(());
    };
    if !on {
        channel.remove_on_event(lp);
        return Ok(());
    }
    channel.on_event(lp, |lp, h: &mut Host, _, ev| {
        let reply = match ev {
            ChannelEvent::Message(m) => Reply::Event(
                "message",
                vec![Arg::Str(String::from_utf8_lossy(m.bytes()).into_owned())],
            ),
            ChannelEvent::Disconnect => Reply::Event("disconnect", vec![]),
            ChannelEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
            ChannelEvent::Internal(_) | ChannelEvent::Drain => return,
        };
        h.call(lp, PARENT, true, reply);
    })
}
