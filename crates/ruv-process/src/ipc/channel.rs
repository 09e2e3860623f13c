//! The channel handle: its state in the loop's registry and the public API. Reading and
//! delivery are in `read.rs`, writing and closing in `write.rs`.

use super::handles::{ReceivedHandle, SendHandle};
use super::wire::{self, Decoder, Payload};
use super::{codes, write, ChannelEvent, Serialization, DEFAULT_MAX_MESSAGE_SIZE};
use super::{read, HIGH_WATER_MARK};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Code, Error, Interest, IoWatcher, Loop, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

/// An IPC channel on a loop: a `Copy` id. Once the channel closed
/// ([`ChannelEvent::Disconnect`]), sends answer `ERR_IPC_CHANNEL_CLOSED`, as Node's do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Channel(pub(crate) HandleId);

/// The stored form of a channel's event callback.
pub type EventFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Channel, ChannelEvent<'a>) -> Result<()>>;

/// The stored form of a send's completion callback.
pub(crate) type DoneFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Result<()>>;

/// A send's completion callback and where it was registered.
pub(crate) struct Done<S>(Callback<DoneFn<S>>);

impl<S: 'static> Done<S> {
    #[track_caller]
    fn new<R: CallbackResult>(
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Done<S> {
        let f: DoneFn<S> = Box::new(move |lp, s, r| cb(lp, s, r).into_result());
        Done(Callback::new(f))
    }

    /// Runs it now, as a top-level callback of the channel.
    pub(crate) fn run(self, lp: &mut Loop<S>, s: &mut S, id: HandleId, res: Result<()>) {
        let Callback { f, site } = self.0;
        lp.run_callback(s, "ipc.send", Some(id), site, move |lp, s| f(lp, s, res));
    }

    /// Runs it from the loop's next pending phase.
    pub(crate) fn defer(self, lp: &mut Loop<S>, id: HandleId, res: Result<()>) {
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| self.run(lp, s, id, res));
    }
}

/// Bytes to write, in order: messages are serialized straight into the last segment; a
/// message that carries an fd starts a segment of its own (the fd goes with its first byte).
pub(crate) struct Seg<S> {
    pub(crate) bytes: Vec<u8>,
    /// How much of `bytes` is written.
    pub(crate) off: usize,
    pub(crate) fd: Option<OwnedFd>,
    /// Completion callbacks, with the offset in `bytes` their message ends at.
    pub(crate) cbs: VecDeque<(usize, Done<S>)>,
}

impl<S> Seg<S> {
    pub(crate) fn new(bytes: Vec<u8>, fd: Option<OwnedFd>) -> Seg<S> {
        Seg {
            bytes,
            off: 0,
            fd,
            cbs: VecDeque::new(),
        }
    }
}

/// A message sent while a handle is in flight: it waits for the handle's acknowledgement,
/// as Node queues everything behind a handle to keep messages in order.
pub(crate) struct Held<S> {
    pub(crate) bytes: Vec<u8>,
    pub(crate) fd: Option<OwnedFd>,
    pub(crate) cb: Option<Done<S>>,
}

/// The handle sent and not acknowledged yet: its envelope and fd, kept to send again on a
/// `NODE_HANDLE_NACK`.
pub(crate) struct InFlight<S> {
    pub(crate) bytes: Vec<u8>,
    pub(crate) fd: OwnedFd,
    pub(crate) retransmissions: u32,
    pub(crate) cb: Option<Done<S>>,
}

/// A message received while no event callback was set (Node keeps them for the first
/// `'message'` listener too).
pub(crate) struct Early {
    pub(crate) internal: Option<Value>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) handle: Option<ReceivedHandle>,
}

/// The read buffer (initialized up to its length; `filled` bytes read, `pos` consumed) and
/// the decoder that splits it into messages.
pub(crate) struct Reader {
    pub(crate) buf: Vec<u8>,
    pub(crate) filled: usize,
    pub(crate) pos: usize,
    pub(crate) dec: Decoder,
}

/// A channel's state (its liveness flags are the registry's `Handle` around it).
pub(crate) struct State<S> {
    pub(crate) sock: Option<OwnedFd>,
    pub(crate) watcher: IoWatcher,
    pub(crate) interest: Option<Interest>,
    pub(crate) mode: Serialization,
    /// Node's `connected`: false from `disconnect()` on, or once the channel closed.
    pub(crate) connected: bool,
    /// `None` while lent out to deliver the messages of a read.
    pub(crate) reader: Option<Reader>,
    pub(crate) max: usize,
    /// Received fds, each waiting for its `NODE_HANDLE` message.
    pub(crate) fds: VecDeque<OwnedFd>,
    /// Inside this channel's I/O callback: sends are flushed when it returns.
    pub(crate) in_io: bool,
    pub(crate) out: VecDeque<Seg<S>>,
    /// Bytes in `out` not written yet.
    pub(crate) queued: usize,
    /// A write would block: waiting for a writable edge.
    pub(crate) blocked: bool,
    pub(crate) need_drain: bool,
    pub(crate) flush_scheduled: bool,
    pub(crate) held: VecDeque<Held<S>>,
    pub(crate) held_bytes: usize,
    pub(crate) in_flight: Option<InFlight<S>>,
    /// What closed the channel, for the callbacks still pending.
    pub(crate) error: Option<Error>,
    pub(crate) on_event: Option<Callback<EventFn<S>>>,
    /// An event callback is set (`on_event` is empty while it runs, this is not).
    pub(crate) listening: bool,
    pub(crate) early: VecDeque<Early>,
    /// A child's channel: referenced only while listening or writing (Node's child).
    pub(crate) counted: bool,
    pub(crate) explicit_ref: Option<bool>,
    /// `disconnect()` was called: close once everything queued is written.
    pub(crate) closing: bool,
    /// Closed: the socket is released and `Disconnect` is on its way.
    pub(crate) dead: bool,
}

/// The open (not closing) state of `id`, or `EBADF`.
pub(crate) fn state<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Result<&mut State<S>> {
    Ok(&mut lp.open_handle_mut::<State<S>>(id)?.data)
}

/// The state of a channel that can still send, or `ERR_IPC_CHANNEL_CLOSED`.
fn sendable<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Result<&mut State<S>> {
    match lp.open_handle_mut::<State<S>>(id) {
        Ok(h) if h.data.connected => Ok(&mut h.data),
        _ => Err(Error::new(codes::ERR_IPC_CHANNEL_CLOSED)),
    }
}

/// Sets the handle's referenced flag from the rule in force (explicit `set_ref`, else a
/// child's channel only while it listens or writes, else always).
pub(crate) fn update_ref<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Ok(h) = lp.handle::<State<S>>(id) else {
        return;
    };
    let st = &h.data;
    let want = st
        .explicit_ref
        .unwrap_or(!st.counted || st.listening || st.queued > 0);
    if want != h.has_ref() {
        lp.handle_set_ref::<State<S>>(id, want);
    }
}

/// The last segment, to append a message to.
pub(crate) fn tail<S>(st: &mut State<S>) -> &mut Seg<S> {
    if st.out.is_empty() {
        st.out.push_back(Seg::new(Vec::new(), None));
    }
    st.out.back_mut().expect("just ensured")
}

/// Sends a handle's envelope with a duplicate of its fd and keeps it as the one in flight.
pub(crate) fn start_handle<S>(
    st: &mut State<S>,
    bytes: Vec<u8>,
    fd: OwnedFd,
    cb: Option<Done<S>>,
) -> Result<()> {
    let dup =
        rustix::io::fcntl_dupfd_cloexec(&fd, 0).map_err(|e| Error::from_io(&e.into(), "dup"))?;
    st.queued += bytes.len();
    st.out.push_back(Seg::new(bytes.clone(), Some(dup)));
    st.in_flight = Some(InFlight {
        bytes,
        fd,
        retransmissions: 0,
        cb,
    });
    Ok(())
}

/// Appends a message that does not wait behind a handle (or was released from the hold
/// queue).
pub(crate) fn append<S>(st: &mut State<S>, bytes: &[u8], cb: Option<Done<S>>) {
    let seg = tail(st);
    seg.bytes.extend_from_slice(bytes);
    let end = seg.bytes.len();
    if let Some(cb) = cb {
        seg.cbs.push_back((end, cb));
    }
    st.queued += bytes.len();
}

/// Node's backpressure answer; remembers that a `Drain` is owed when it is `false`.
fn queued_below<S>(st: &mut State<S>) -> bool {
    let below = st.queued + st.held_bytes < HIGH_WATER_MARK;
    if !below {
        st.need_drain = true;
    }
    below
}

/// Queues one outgoing message (the one path of every `send*`).
fn submit<S: 'static, T: Serialize + ?Sized>(
    lp: &mut Loop<S>,
    id: HandleId,
    msg: Payload<'_, T>,
    handle: Option<(SendHandle, bool)>,
    cb: Option<Done<S>>,
) -> Result<bool> {
    if let Some((h, keep_open)) = handle {
        return submit_handle(lp, id, msg, h, keep_open, cb);
    }
    // the common path: one look-up of the state
    let st = sendable(lp, id)?;
    let mode = st.mode;
    if st.in_flight.is_some() || !st.held.is_empty() {
        let mut bytes = Vec::new();
        wire::encode(mode, &mut bytes, msg)?;
        st.held_bytes += bytes.len();
        st.held.push_back(Held {
            bytes,
            fd: None,
            cb,
        });
    } else {
        let seg = tail(st);
        let before = seg.bytes.len();
        wire::encode(mode, &mut seg.bytes, msg)?;
        let end = seg.bytes.len();
        if let Some(cb) = cb {
            seg.cbs.push_back((end, cb));
        }
        st.queued += end - before;
    }
    let below = queued_below(st);
    let next = write::step(st);
    write::run_step(lp, id, next);
    Ok(below)
}

/// A message with a handle: its envelope waits behind the handle in flight, if any.
fn submit_handle<S: 'static, T: Serialize + ?Sized>(
    lp: &mut Loop<S>,
    id: HandleId,
    msg: Payload<'_, T>,
    h: SendHandle,
    keep_open: bool,
    cb: Option<Done<S>>,
) -> Result<bool> {
    let mode = sendable(lp, id)?.mode;
    let (header, fd) = h.prepare(lp)?;
    let mut bytes = Vec::new();
    wire::encode_handle(mode, &mut bytes, header, msg)?;
    let st = sendable(lp, id)?;
    if st.in_flight.is_some() || !st.held.is_empty() {
        st.held_bytes += bytes.len();
        st.held.push_back(Held {
            bytes,
            fd: Some(fd),
            cb,
        });
    } else {
        start_handle(st, bytes, fd, cb)?;
    }
    let below = queued_below(st);
    if !keep_open {
        h.close(lp);
    }
    write::after_queue(lp, id);
    Ok(below)
}

impl Channel {
    /// Opens a channel on `fd`, a connected Unix stream socket (one end of a
    /// `socketpair`), and starts reading. The channel is referenced (it keeps the loop
    /// alive until it closes, as a Node parent's channel does); [`set_ref`](Self::set_ref)
    /// changes that. The fd is made non-blocking and closed with the channel.
    ///
    /// # Errors
    /// `ENOTSOCK` if `fd` is not a socket; `EPROTOTYPE` if it is not a Unix stream socket
    /// (handles travel in `SCM_RIGHTS`, which only those carry).
    pub fn open<S: 'static>(lp: &mut Loop<S>, fd: OwnedFd, mode: Serialization) -> Result<Channel> {
        Channel::open_with(lp, fd, mode, false)
    }

    /// `open`, with Node's child rule for liveness when `counted`.
    pub(crate) fn open_with<S: 'static>(
        lp: &mut Loop<S>,
        fd: OwnedFd,
        mode: Serialization,
        counted: bool,
    ) -> Result<Channel> {
        use rustix::net::{sockopt, AddressFamily, SocketType};
        let sys = |e: rustix::io::Errno| Error::from_io(&e.into(), "getsockopt");
        let ty = sockopt::socket_type(fd.as_fd()).map_err(sys)?;
        let family = sockopt::socket_domain(fd.as_fd()).map_err(sys)?;
        if ty != SocketType::STREAM || family != AddressFamily::UNIX {
            return Err(Error::op(Code::EPROTOTYPE, "open")
                .with_detail("an IPC channel must be a Unix stream socket"));
        }
        rustix::io::ioctl_fionbio(fd.as_fd(), true)
            .map_err(|e| Error::from_io(&e.into(), "ioctl"))?;
        let watcher = IoWatcher::new(lp, fd.as_raw_fd())?;
        // The channel's own handle flags keep the loop alive, not the watcher's.
        watcher.set_ref(lp, false);
        let id = lp.handles::<State<S>>().insert(Handle::new(State {
            sock: Some(fd),
            watcher,
            interest: None,
            mode,
            connected: true,
            reader: Some(Reader {
                buf: Vec::new(),
                filled: 0,
                pos: 0,
                dec: Decoder::new(mode, DEFAULT_MAX_MESSAGE_SIZE),
            }),
            max: DEFAULT_MAX_MESSAGE_SIZE,
            fds: VecDeque::new(),
            in_io: false,
            out: VecDeque::new(),
            queued: 0,
            blocked: false,
            need_drain: false,
            flush_scheduled: false,
            held: VecDeque::new(),
            held_bytes: 0,
            in_flight: None,
            error: None,
            on_event: None,
            listening: false,
            early: VecDeque::new(),
            counted,
            explicit_ref: None,
            closing: false,
            dead: false,
        }));
        if let Err(e) = write::update_io(lp, id, true) {
            // never active: removing it changes no liveness count
            lp.handles::<State<S>>().remove(id);
            watcher.close(lp).ok();
            return Err(e);
        }
        lp.handle_set_active::<State<S>>(id, true);
        update_ref(lp, id);
        Ok(Channel(id))
    }

    /// The untyped id of this channel.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Sets the channel's one event callback (replacing any earlier one). Messages received
    /// before it was set are delivered to it, from the loop. On a child's channel
    /// ([`channel`](super::channel)), a callback makes the channel keep the loop alive, as
    /// a `'message'` or `'disconnect'` listener does in a Node child.
    ///
    /// # Errors
    /// `EBADF` for a closed channel.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Channel, ChannelEvent<'_>) -> R + 'static,
    ) -> Result<()> {
        let f: EventFn<S> = Box::new(move |lp, s, ch, ev| cb(lp, s, ch, ev).into_result());
        let st = state(lp, self.0)?;
        st.on_event = Some(Callback::new(f));
        st.listening = true;
        let early = !st.early.is_empty();
        update_ref(lp, self.0);
        if early {
            let id = self.0;
            lp.defer(move |lp: &mut Loop<S>, s: &mut S| read::deliver_early(lp, s, id));
        }
        Ok(())
    }

    /// Removes the event callback (Node's removing the last listener): messages received
    /// meanwhile wait for the next one, and a child's channel stops keeping the loop alive.
    /// A no-op on a closed channel.
    pub fn remove_on_event<S: 'static>(self, lp: &mut Loop<S>) {
        if let Ok(st) = state(lp, self.0) {
            st.on_event = None;
            st.listening = false;
            update_ref(lp, self.0);
        }
    }

    /// Sends `msg` (Node's `send(msg)`); returns Node's backpressure boolean: `false` once
    /// [`HIGH_WATER_MARK`](super::HIGH_WATER_MARK) bytes or more wait to be written (then
    /// [`ChannelEvent::Drain`] comes when they are). Messages are written in order, from
    /// the loop (those sent from the channel's own callbacks when that callback returns).
    ///
    /// # Errors
    /// `ERR_IPC_CHANNEL_CLOSED` after `disconnect` or once the channel closed;
    /// `ERR_INVALID_ARG_VALUE` if `msg` cannot be serialized (nothing is sent).
    pub fn send<S: 'static, T: Serialize + ?Sized>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
    ) -> Result<bool> {
        submit(lp, self.0, Payload::User(msg), None, None)
    }

    /// [`send`](Self::send) with a callback, run once from the loop: `Ok(())` when the
    /// message was written to the socket, else the error (`ERR_IPC_CHANNEL_CLOSED` if the
    /// channel closed first). Not called when `send_cb` itself returns an error.
    #[track_caller]
    pub fn send_cb<S: 'static, T: Serialize + ?Sized, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<bool> {
        submit(lp, self.0, Payload::User(msg), None, Some(Done::new(cb)))
    }

    /// Sends raw bytes as one message (ruv mode only: the receiver's
    /// [`Message::bytes`](super::Message::bytes) are these bytes).
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` on a json channel; as [`send`](Self::send).
    pub fn send_bytes<S: 'static>(self, lp: &mut Loop<S>, bytes: &[u8]) -> Result<bool> {
        submit::<S, ()>(lp, self.0, Payload::Bytes(bytes), None, None)
    }

    /// Sends `msg` with a handle (Node's `send(msg, handle, { keepOpen }, cb)`): the
    /// socket's fd travels in `SCM_RIGHTS` with Node's `NODE_HANDLE` envelope, and the peer
    /// gets the message with the handle open on its loop. One handle is in flight at a
    /// time: until the peer acknowledges it (`NODE_HANDLE_ACK`), later messages wait, in
    /// order. With `keep_open: false` the handle is closed here at once (the socket lives on
    /// in the duplicate the channel keeps until the acknowledgement; Node honours
    /// `keepOpen` for sockets only and leaves servers open). `cb` runs once: `Ok(())` when
    /// the peer acknowledged, `ERR_IPC_CHANNEL_CLOSED` if the channel closed first (a child
    /// that exited), `ERR_IPC_HANDLE_NOT_RECEIVED` after 3 retransmissions the peer could
    /// not receive; the channel's duplicate of the fd is closed in every case.
    ///
    /// # Errors
    /// As [`send`](Self::send); `EBADF` for a stale handle.
    #[track_caller]
    pub fn send_handle<S: 'static, T: Serialize + ?Sized, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
        handle: SendHandle,
        keep_open: bool,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<bool> {
        let h = Some((handle, keep_open));
        submit(lp, self.0, Payload::User(msg), h, Some(Done::new(cb)))
    }

    /// Sends an internal message (`{"cmd": "NODE_…", …}`: the peer reports it as
    /// [`ChannelEvent::Internal`]), optionally with a handle, as Node's cluster does. In
    /// json mode this is [`send`](Self::send) of the value; in ruv mode the frame is marked
    /// internal.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` if `msg` is not internal by Node's rule; as
    /// [`send_handle`](Self::send_handle).
    #[track_caller]
    pub fn send_internal<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        msg: &Value,
        handle: Option<(SendHandle, bool)>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<bool> {
        if !wire::is_internal(msg) {
            return Err(Error::new(Code::ERR_INVALID_ARG_VALUE)
                .with_detail("an internal message is an object whose cmd starts with NODE_"));
        }
        submit(
            lp,
            self.0,
            Payload::Internal(msg),
            handle,
            Some(Done::new(cb)),
        )
    }

    /// Closes the channel (Node's `disconnect()`): no more sends (`connected` is false at
    /// once); what was sent before is written (and a handle in flight acknowledged) first,
    /// then the socket is closed and [`ChannelEvent::Disconnect`] comes, from the loop, on
    /// this side (the peer sees its own `Disconnect`).
    ///
    /// # Errors
    /// `ERR_IPC_DISCONNECTED` if it is already disconnected (or closed).
    pub fn disconnect<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let st = match lp.open_handle_mut::<State<S>>(self.0) {
            Ok(h) if h.data.connected => &mut h.data,
            _ => return Err(Error::new(codes::ERR_IPC_DISCONNECTED)),
        };
        st.connected = false;
        st.closing = true;
        let id = self.0;
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| write::maybe_close(lp, s, id));
        Ok(())
    }

    /// Node's `connected`: true until `disconnect` is called or the channel closes.
    pub fn connected<S: 'static>(self, lp: &Loop<S>) -> bool {
        matches!(lp.handle::<State<S>>(self.0), Ok(h) if !h.is_closing() && h.data.connected)
    }

    /// Node's `channel.ref()` / `channel.unref()`: an unreferenced channel does not keep
    /// the loop alive. Once called, it overrides the child's rule (see
    /// [`on_event`](Self::on_event)). A no-op on a closed channel.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        if let Ok(st) = state(lp, self.0) {
            st.explicit_ref = Some(on);
            update_ref(lp, self.0);
        }
    }

    /// Whether the channel is referenced. `EBADF` for a closed channel.
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp.handle::<State<S>>(self.0)?.has_ref())
    }

    /// The channel's serialization. `EBADF` for a closed channel.
    pub fn serialization<S: 'static>(self, lp: &Loop<S>) -> Result<Serialization> {
        Ok(lp.handle::<State<S>>(self.0)?.data.mode)
    }

    /// Bytes waiting to be written (Node's `channel.writeQueueSize`, plus messages held
    /// behind a handle in flight). `EBADF` for a closed channel.
    pub fn write_queue_size<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        let st = &lp.handle::<State<S>>(self.0)?.data;
        Ok(st.queued + st.held_bytes)
    }

    /// Sets the largest message this side accepts (default
    /// [`DEFAULT_MAX_MESSAGE_SIZE`](super::DEFAULT_MAX_MESSAGE_SIZE)): a larger one is
    /// skipped, with an `ERR_IPC_MESSAGE_TOO_LARGE` error event, as it arrives (it is never
    /// held in memory whole), and the messages after it are delivered.
    ///
    /// # Errors
    /// `EBADF` for a closed channel.
    pub fn set_max_message_size<S: 'static>(self, lp: &mut Loop<S>, bytes: usize) -> Result<()> {
        let st = state(lp, self.0)?;
        st.max = bytes;
        if let Some(r) = st.reader.as_mut() {
            r.dec.max = bytes;
        }
        Ok(())
    }
}
