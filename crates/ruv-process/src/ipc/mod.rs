//! The IPC channel of `fork`, speaking Node's protocol.
//!
//! A [`Channel`] is one end of a Unix stream socket (a `socketpair`) on a loop: a `Copy` id
//! in ruv-core's handle registry. Messages go both ways; each side reports through one event
//! callback ([`ChannelEvent`]: `Message`, `Internal`, `Drain`, `Error`, `Disconnect` last).
//!
//! * **json** ([`Serialization::Json`]) is Node's own wire format, byte for byte: each
//!   message is `JSON.stringify(msg) + '\n'`, so a ruv program talks to a `node` parent or
//!   child (`process.send` / `process.on('message')`). Send any `Serialize`; receive a
//!   [`serde_json::Value`] or any `Deserialize` ([`Message::deserialize`]).
//! * **ruv** ([`Serialization::Ruv`]) is for ruv ↔ ruv: length-prefixed frames with a
//!   postcard payload (or raw bytes), typed on both ends, for speed.
//! * Node's **advanced** mode is V8's serializer, which ruv does not speak:
//!   [`Serialization::from_name`]`("advanced")` is `ERR_IPC_UNSUPPORTED_SERIALIZATION`.
//! * Messages whose `cmd` is a string starting with `NODE_` are internal (Node's rule):
//!   handle passing (`NODE_HANDLE`, `NODE_HANDLE_ACK`, `NODE_HANDLE_NACK`) is done by the
//!   channel itself; every other one is a [`ChannelEvent::Internal`], never a `Message`.
//! * **Handle passing**: [`Channel::send_handle`] sends a TCP server, a TCP socket or a UDP
//!   socket with a message (its fd in `SCM_RIGHTS`, Node's `NODE_HANDLE` envelope), one in
//!   flight at a time; the receiving side gets it from [`Message::handle`].
//! * The child's side: [`channel`] opens the channel a parent (`node` or ruv) passed in
//!   `NODE_CHANNEL_FD`.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_process::ipc::{Channel, ChannelEvent, Serialization};
//! use serde_json::{json, Value};
//! use std::os::unix::net::UnixStream;
//!
//! let (a, b) = UnixStream::pair().unwrap();
//! // the other end: a loop on its own thread answering each message
//! let peer = std::thread::spawn(move || -> ruv_core::Result<()> {
//!     let mut lp: Loop<()> = Loop::new()?;
//!     let ch = Channel::open(&mut lp, b.into(), Serialization::Json)?;
//!     ch.on_event(&mut lp, |lp, _, ch, ev| -> ruv_core::Result<()> {
//!         if let ChannelEvent::Message(m) = ev {
//!             let v: Value = m.deserialize()?;
//!             ch.send(lp, &json!({ "pong": v }))?;
//!         }
//!         Ok(())
//!     })?;
//!     lp.run(RunMode::Default, &mut ())?; // until the other side disconnects
//!     Ok(())
//! });
//! let mut lp: Loop<Vec<Value>> = Loop::new()?;
//! let ch = Channel::open(&mut lp, a.into(), Serialization::Json)?;
//! ch.on_event(&mut lp, |lp, got, ch, ev| -> ruv_core::Result<()> {
//!     match ev {
//!         ChannelEvent::Message(m) => {
//!             got.push(m.deserialize()?);
//!             ch.disconnect(lp)?;
//!         }
//!         ChannelEvent::Error(e) => return Err(e),
//!         _ => {}
//!     }
//!     Ok(())
//! })?;
//! assert!(ch.send(&mut lp, &json!({ "hello": 1 }))?); // true: below the high-water mark
//! let mut got = Vec::new();
//! lp.run(RunMode::Default, &mut got)?;
//! assert_eq!(got, [json!({ "pong": { "hello": 1 } })]);
//! peer.join().unwrap()?;
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Design, wire format and the differences from Node: `docs/process-ipc.md`.

mod channel;
mod child;
mod handles;
mod read;
mod wire;
mod write;

pub use channel::{Channel, EventFn};
pub use child::{channel, INHERITED_ENV};
pub use handles::{ReceivedHandle, SendHandle};
/// The `serde_json` this crate uses (for [`serde_json::Value`], `json!`, `RawValue`).
pub use serde_json;

use ruv_core::{Code, Error, Result};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::Cell;

/// The codes of this module's errors (Node's where Node has one).
pub mod codes {
    use ruv_core::Code;

    /// Node's: a message sent on a channel that was disconnected (`Channel closed`).
    pub const ERR_IPC_CHANNEL_CLOSED: Code = Code::new("ERR_IPC_CHANNEL_CLOSED", "Channel closed");
    /// Node's: `disconnect` called on a channel already disconnected.
    pub const ERR_IPC_DISCONNECTED: Code = Code::new(
        "ERR_IPC_DISCONNECTED",
        "IPC channel is already disconnected",
    );
    /// Node's: a handle of a kind that cannot be sent (or received).
    pub const ERR_INVALID_HANDLE_TYPE: Code =
        Code::new("ERR_INVALID_HANDLE_TYPE", "This handle type cannot be sent");
    /// ruv's: a serialization ruv does not speak (Node's `advanced`, V8's serializer).
    pub const ERR_IPC_UNSUPPORTED_SERIALIZATION: Code = Code::new(
        "ERR_IPC_UNSUPPORTED_SERIALIZATION",
        "unsupported IPC serialization",
    );
    /// ruv's: bytes on the channel that are not a message (invalid JSON, a malformed ruv
    /// frame), or a message that does not deserialize into the type asked for. Node throws
    /// a `SyntaxError` on its receiving side instead.
    pub const ERR_IPC_INVALID_MESSAGE: Code =
        Code::new("ERR_IPC_INVALID_MESSAGE", "invalid IPC message");
    /// ruv's: a message over the channel's size limit (it is skipped).
    pub const ERR_IPC_MESSAGE_TOO_LARGE: Code =
        Code::new("ERR_IPC_MESSAGE_TOO_LARGE", "IPC message too large");
    /// ruv's: a passed handle the peer did not receive after Node's 3 retransmissions
    /// (Node emits a `SentHandleNotReceivedWarning`).
    pub const ERR_IPC_HANDLE_NOT_RECEIVED: Code = Code::new(
        "ERR_IPC_HANDLE_NOT_RECEIVED",
        "Handle did not reach the receiving process correctly",
    );
    /// ruv's: this process's inherited channel (`NODE_CHANNEL_FD`) is open on another loop.
    pub const ERR_IPC_CHANNEL_TAKEN: Code = Code::new(
        "ERR_IPC_CHANNEL_TAKEN",
        "IPC channel already open on another loop",
    );
}

/// Node's rule for `send`'s return value: `false` once this many bytes wait to be written
/// (Node: `channel.writeQueueSize < 65536 * 2`, "more than 2 reads behind").
pub const HIGH_WATER_MARK: usize = 2 * 65536;

/// The default limit on one received message: V8's longest string (`2**29 - 24`
/// characters), past which Node itself cannot receive a json message either. Set another
/// with [`Channel::set_max_message_size`].
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = (1 << 29) - 24;

/// How messages are written on the channel (Node's `serialization` option of `fork`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Serialization {
    /// Node's default: newline-delimited JSON (`'json'`).
    #[default]
    Json,
    /// ruv's binary mode, between ruv processes (`'ruv'`): `u32` LE length, a kind byte, a
    /// postcard (or raw) payload.
    Ruv,
}

impl Serialization {
    /// The mode's name, as `NODE_CHANNEL_SERIALIZATION_MODE` carries it.
    pub fn name(self) -> &'static str {
        match self {
            Serialization::Json => "json",
            Serialization::Ruv => "ruv",
        }
    }

    /// The mode named `name` (`"json"`, `"ruv"`).
    ///
    /// # Errors
    /// `ERR_IPC_UNSUPPORTED_SERIALIZATION` for `"advanced"` (V8's serializer, which ruv
    /// does not speak); `ERR_INVALID_ARG_VALUE` for any other name.
    pub fn from_name(name: &str) -> Result<Serialization> {
        match name {
            "json" => Ok(Serialization::Json),
            "ruv" => Ok(Serialization::Ruv),
            "advanced" => Err(
                Error::new(codes::ERR_IPC_UNSUPPORTED_SERIALIZATION).with_detail(
                    "The 'advanced' serialization (V8's serializer) is not supported by ruv: \
                 use 'json' with a node peer, or 'ruv' between ruv processes",
                ),
            ),
            other => Err(Error::new(Code::ERR_INVALID_ARG_VALUE).with_detail(format!(
                "The property 'options.serialization' must be one of: 'json', 'ruv'. \
                 Received {}",
                ruv_core::node_inspect_str_for_error(other)
            ))),
        }
    }
}

impl std::str::FromStr for Serialization {
    type Err = Error;
    fn from_str(s: &str) -> Result<Serialization> {
        Serialization::from_name(s)
    }
}

/// What a channel tells its event callback.
#[derive(Debug)]
pub enum ChannelEvent<'a> {
    /// A message from the peer (Node's `'message'`).
    Message(Message<'a>),
    /// An internal message (`cmd` starting with `NODE_`), which Node routes to
    /// `'internalMessage'` (the cluster's messages, for instance). Handle passing's own
    /// messages are consumed by the channel and never reported.
    Internal(InternalMessage<'a>),
    /// The bytes waiting to be written went from the high-water mark or more to nothing,
    /// after a `send` returned `false` (ruv's addition: Node users wait for `send`'s
    /// callback instead).
    Drain,
    /// A message that could not be received (invalid JSON, over the size limit, a handle
    /// of an unsupported kind) or a write failure other than the peer going away. The
    /// channel stays open: the next message still arrives.
    Error(Error),
    /// The channel is closed (Node's `'disconnect'`): by [`Channel::disconnect`] on either
    /// side, or the peer exiting. Always the last event; the id is stale afterwards.
    Disconnect,
}

impl ChannelEvent<'_> {
    /// The callback kind the loop reports this event's callback as (`"ipc.message"` …).
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelEvent::Message(_) => "ipc.message",
            ChannelEvent::Internal(_) => "ipc.internal",
            ChannelEvent::Drain => "ipc.drain",
            ChannelEvent::Error(_) => "ipc.error",
            ChannelEvent::Disconnect => "ipc.disconnect",
        }
    }
}

/// A received user message, valid during the event callback.
#[derive(Debug)]
pub struct Message<'a> {
    mode: Serialization,
    bytes: Cow<'a, [u8]>,
    handle: &'a Cell<Option<ReceivedHandle>>,
}

impl<'a> Message<'a> {
    pub(crate) fn new(
        mode: Serialization,
        bytes: Cow<'a, [u8]>,
        handle: &'a Cell<Option<ReceivedHandle>>,
    ) -> Message<'a> {
        Message {
            mode,
            bytes,
            handle,
        }
    }

    /// The message as `T`: from its JSON (json mode; `T` may be [`serde_json::Value`]) or
    /// its postcard bytes (ruv mode, where `T` must be the type the peer sent). `T` may
    /// borrow from the message (`&str`, `&RawValue`).
    ///
    /// # Errors
    /// `ERR_IPC_INVALID_MESSAGE` when the message does not deserialize as `T`.
    pub fn deserialize<'de, T: Deserialize<'de>>(&'de self) -> Result<T> {
        let detail = |e: &dyn std::fmt::Display| {
            Error::new(codes::ERR_IPC_INVALID_MESSAGE)
                .with_detail(format!("the message does not deserialize as expected: {e}"))
        };
        match self.mode {
            Serialization::Json => serde_json::from_slice(&self.bytes).map_err(|e| detail(&e)),
            Serialization::Ruv => postcard::from_bytes(&self.bytes).map_err(|e| detail(&e)),
        }
    }

    /// The message's payload: its JSON text (json mode, without the `\n`) or the bytes of
    /// the ruv frame (postcard, or what [`Channel::send_bytes`] sent).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The serialization it came in.
    pub fn serialization(&self) -> Serialization {
        self.mode
    }

    /// The handle that came with the message, taken (the first call gets it). A handle not
    /// taken during the callback is closed after it.
    pub fn handle(&self) -> Option<ReceivedHandle> {
        self.handle.take()
    }
}

/// A received internal message (`{"cmd": "NODE_…", …}`), valid during the event callback.
#[derive(Debug)]
pub struct InternalMessage<'a> {
    value: &'a Value,
    handle: &'a Cell<Option<ReceivedHandle>>,
}

impl<'a> InternalMessage<'a> {
    pub(crate) fn new(
        value: &'a Value,
        handle: &'a Cell<Option<ReceivedHandle>>,
    ) -> InternalMessage<'a> {
        InternalMessage { value, handle }
    }

    /// The message.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// Its `cmd` (`"NODE_CLUSTER"` …).
    pub fn cmd(&self) -> &'a str {
        self.value.get("cmd").and_then(Value::as_str).unwrap_or("")
    }

    /// The handle that came with it (Node's cluster passes servers this way), taken; closed
    /// after the callback if not taken.
    pub fn handle(&self) -> Option<ReceivedHandle> {
        self.handle.take()
    }
}
