//! Message ports: Node's `MessageChannel` / `MessagePort` for ruv loops.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_worker::{MessageChannel, PortEvent};
//!
//! let (a, b) = MessageChannel::new::<String>();
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! b.attach(&mut lp, |lp, log, port, ev| match ev {
//!     PortEvent::Message(m) => {
//!         log.push(m);
//!         port.close(lp).map(drop)
//!     }
//!     PortEvent::Close => Ok(log.push("closed".into())),
//! })?;
//! // the other end may live on another thread; posting needs no loop
//! std::thread::spawn(move || a.post_message("hi".to_string())).join().unwrap();
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["hi", "closed"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! * A channel is two [`PortEnd`]s. An end is a plain `Send` value: post into it from any
//!   thread, move it anywhere (through another port, too: Node's port transfer), and
//!   [`attach`](PortEnd::attach) it to one loop to receive: it becomes a [`MessagePort`]
//!   handle there, and messages arrive as [`PortEvent::Message`] in that loop's poll phase,
//!   FIFO, with one wake-up per burst.
//! * Messages are moved, never copied or serialized: a 64 MiB `Vec<u8>` crosses in O(1), and
//!   the sender no longer has it (Node's transfer list, enforced by the compiler).
//! * [`MessagePort::close`] (or dropping an end) closes both directions: each attached end
//!   gets [`PortEvent::Close`] (the far one after the messages sent before the close); posting
//!   afterwards returns `false`. [`MessagePort::detach`] takes the end off its loop again,
//!   unread messages included, to be sent elsewhere.
//! * An attached port is active: while referenced it keeps its loop alive
//!   ([`MessagePort::set_ref`] turns that off).
//!
//! Ports are typed (`PortEnd<T>`), not `Box<dyn Any>`: a wrong-type receive — Node's
//! `'messageerror'` — cannot happen, and there is no downcast per message. A program that wants
//! Node's untyped ports uses `T = Box<dyn Any + Send>`; the JavaScript runtime uses its
//! structured-clone value type as `T`. docs/worker.md gives the reasons.

use crate::codes::ERR_PORT_CLOSED;
use crate::queue::{Queue, Rewake};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{Async, AsyncSender, CallbackResult, CloseToken, Error, Loop, Result};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

/// Makes entangled pairs of ports (Node's `new MessageChannel()`).
#[derive(Debug)]
pub struct MessageChannel;

impl MessageChannel {
    /// Two entangled ends: what one posts, the other receives.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<T: Send + 'static>() -> (PortEnd<T>, PortEnd<T>) {
        let (x, y) = (Arc::new(Queue::new()), Arc::new(Queue::new()));
        (
            PortEnd {
                rx: x.clone(),
                tx: y.clone(),
            },
            PortEnd { rx: y, tx: x },
        )
    }
}

/// One end of a message channel, not attached to a loop: `Send`, movable anywhere (through
/// another port too). Dropping it closes the channel.
pub struct PortEnd<T> {
    pub(crate) rx: Arc<Queue<T>>,
    pub(crate) tx: Arc<Queue<T>>,
}

impl<T> std::fmt::Debug for PortEnd<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortEnd")
            .field("closed", &self.tx.is_closed())
            .field("unread", &self.rx.len())
            .finish()
    }
}

/// A handle that posts into the other end of a port from anywhere, without its loop — for a
/// caller that cannot reach the loop when it posts (the JavaScript runtime's native
/// functions). `Clone + Send`; it does not keep the channel open: once either end closes,
/// posting returns `false`.
pub struct PortSender<T> {
    tx: Arc<Queue<T>>,
}

impl<T> Clone for PortSender<T> {
    fn clone(&self) -> Self {
        PortSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> std::fmt::Debug for PortSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortSender")
            .field("closed", &self.tx.is_closed())
            .finish()
    }
}

impl<T: Send + 'static> PortSender<T> {
    /// Posts `msg` to the far end, as [`PortEnd::post_message`]; `false` once closed.
    #[inline]
    pub fn post_message(&self, msg: T) -> bool {
        self.tx.push(msg).is_ok()
    }
}

impl<T> Drop for PortEnd<T> {
    fn drop(&mut self) {
        self.rx.close(true);
        self.tx.close(false);
    }
}

impl<T: Send + 'static> PortEnd<T> {
    /// Posts `msg` to the other end (moved, not copied). `false` if the channel is closed:
    /// the message is dropped, as Node's `postMessage` on a closed port is a no-op.
    #[inline]
    pub fn post_message(&self, msg: T) -> bool {
        self.tx.push(msg).is_ok()
    }

    /// Whether the channel is closed (by either end).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed() || self.rx.is_closed()
    }

    /// Takes the oldest message waiting for this end, if any (Node's `receiveMessageOnPort`).
    pub fn receive_message(&self) -> Option<T> {
        self.rx.pop()
    }

    /// A [`PortSender`] posting where this end posts (it stays valid after `attach`).
    pub fn sender(&self) -> PortSender<T> {
        PortSender {
            tx: self.tx.clone(),
        }
    }

    /// Attaches this end to `lp`: from now on its messages are delivered there as
    /// [`PortEvent::Message`] (those already waiting first), then [`PortEvent::Close`] once the
    /// channel closes. The port is active and referenced: it keeps `lp` alive until it closes
    /// or is unreferenced.
    ///
    /// # Errors
    /// `EBADF`-style errors from the loop if its async handle cannot be made (a loop being
    /// dropped).
    #[track_caller]
    pub fn attach<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut on_event: impl FnMut(&mut Loop<S>, &mut S, MessagePort<T>, PortEvent<T>) -> R + 'static,
    ) -> Result<MessagePort<T>> {
        let f: PortFn<S, T> = Rc::new(RefCell::new(Box::new(move |lp, s, port, ev| {
            on_event(lp, s, port, ev).into_result()
        })));
        let cb: PortCb<S, T> = Callback::new(f);
        let keep = Callback::at(cb.f.clone(), cb.site);
        let id = lp.handles::<Port<S, T>>().insert(Handle::new(Port {
            end: None,
            wake: None,
            rewake: None,
            batch: VecDeque::new(),
            on_event: Some(cb),
            keep: Some(keep),
            detached: false,
        }));
        let port = MessagePort(id, PhantomData);
        let wake = Async::new(lp, move |lp, s, _| deliver(lp, s, port))?;
        wake.set_ref(lp, false);
        let sender = wake.sender(lp)?;
        let h = lp.handle_mut::<Port<S, T>>(id)?;
        h.data.rewake = Some(sender.clone());
        self.rx.set_waker(Some(sender));
        h.data.end = Some(self);
        h.data.wake = Some(wake);
        lp.handle_set_active::<Port<S, T>>(id, true);
        Ok(port)
    }
}

/// What a [`MessagePort`] reports.
#[derive(Debug)]
pub enum PortEvent<T> {
    /// A message from the other end (Node's `'message'`).
    Message(T),
    /// The channel closed (either end closed it, or the other end was dropped): always the
    /// last event (Node's `'close'`).
    Close,
}

type PortFn<S, T> =
    Rc<RefCell<Box<dyn FnMut(&mut Loop<S>, &mut S, MessagePort<T>, PortEvent<T>) -> Result<()>>>>;
/// The callback, shared by the dispatch slot and the copy kept for `Close` (the slot's is
/// taken out while it runs, and dropped if the port closes meanwhile).
type PortCb<S, T> = Callback<PortFn<S, T>>;

/// A port's state on its loop.
pub(crate) struct Port<S, T> {
    /// `None` once closed or detached.
    end: Option<PortEnd<T>>,
    /// The async handle the other end's posts wake.
    wake: Option<Async>,
    /// Its sender, to wake it again after an interrupted delivery.
    rewake: Option<AsyncSender>,
    /// Messages taken from the queue and not yet delivered.
    batch: VecDeque<T>,
    on_event: Option<PortCb<S, T>>,
    keep: Option<PortCb<S, T>>,
    detached: bool,
}

/// A [`PortEnd`] attached to a loop: a `Copy` handle id, as every ruv handle.
pub struct MessagePort<T>(HandleId, PhantomData<fn() -> T>);

impl<T> Clone for MessagePort<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MessagePort<T> {}
impl<T> PartialEq for MessagePort<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for MessagePort<T> {}
impl<T> std::hash::Hash for MessagePort<T> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.hash(h)
    }
}
impl<T> std::fmt::Debug for MessagePort<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("MessagePort").field(&self.0).finish()
    }
}

impl<T: Send + 'static> MessagePort<T> {
    /// The handle id.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Posts `msg` to the other end; `false` (and the message dropped) if the channel is
    /// closed or this handle is stale.
    #[inline]
    pub fn post_message<S: 'static>(self, lp: &Loop<S>, msg: T) -> bool {
        match lp.handle::<Port<S, T>>(self.0) {
            Ok(h) => h.data.end.as_ref().is_some_and(|e| e.post_message(msg)),
            Err(_) => false,
        }
    }

    /// Takes the oldest undelivered message now, if any (Node's `receiveMessageOnPort`).
    pub fn receive_message<S: 'static>(self, lp: &mut Loop<S>) -> Option<T> {
        let h = lp.handle_mut::<Port<S, T>>(self.0).ok()?;
        if let Some(m) = h.data.batch.pop_front() {
            return Some(m);
        }
        h.data.end.as_ref()?.receive_message()
    }

    /// Closes the channel: both ends get [`PortEvent::Close`] (this one in this loop's
    /// closing phase, then the token's callback). Messages this end had not read are
    /// dropped; those it sent before are still delivered to the other end.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `EINVAL` if it is already closing.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<CloseToken<'_, S>> {
        close_port::<S, T>(lp, self.0)
    }

    /// Takes this end off its loop, to be sent to another (Node's port transfer): the handle
    /// ends here without events (the channel lives on in the returned end, unread messages
    /// included, in order). If the other end has closed, the moved end still carries the
    /// unread messages, then reports `Close` where it is attached next.
    ///
    /// # Errors
    /// `ERR_PORT_CLOSED` if this port is stale or closing.
    pub fn detach<S: 'static>(self, lp: &mut Loop<S>) -> Result<PortEnd<T>> {
        let closed =
            || Error::new(ERR_PORT_CLOSED).with_detail("the port is closed and cannot be moved");
        let h = lp
            .open_handle_mut::<Port<S, T>>(self.0)
            .map_err(|_| closed())?;
        let end = h.data.end.take().ok_or_else(closed)?;
        let mut batch = std::mem::take(&mut h.data.batch);
        end.rx.put_back(&mut batch);
        end.rx.set_waker(None);
        h.data.detached = true;
        let wake = h.data.wake.take();
        if let Some(w) = wake {
            w.close(lp)?;
        }
        lp.close_handle_with::<Port<S, T>>(self.0, finish_port::<S, T>)?;
        Ok(end)
    }

    /// Referenced or not: an unreferenced port does not keep its loop alive (Node's
    /// `port.unref()` / `port.ref()`). No-op on a stale id.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<Port<S, T>>(self.0, on);
    }

    /// Whether the port keeps its loop alive (Node's `hasRef`).
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp.handle::<Port<S, T>>(self.0)?.has_ref())
    }

    /// Whether the port is closing (or detached).
    pub fn is_closing<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp.handle::<Port<S, T>>(self.0)?.is_closing())
    }
}

/// Delivers what waits for `port` (its async handle's callback).
fn deliver<S: 'static, T: Send + 'static>(lp: &mut Loop<S>, s: &mut S, port: MessagePort<T>) {
    let id = port.0;
    let (closed, rewake) = {
        let Ok(h) = lp.handle_mut::<Port<S, T>>(id) else {
            return;
        };
        if h.is_closing() {
            return;
        }
        let p = &mut h.data;
        let rewake = p.rewake.as_ref().map(Rewake::new);
        let Some(end) = &p.end else {
            return;
        };
        let closed = if !p.batch.is_empty() {
            // an uncaught error left a batch half-delivered: deliver it before anything newer
            let mut newer = VecDeque::new();
            let closed = end.rx.take(&mut newer);
            p.batch.append(&mut newer);
            closed
        } else {
            end.rx.take(&mut p.batch)
        };
        (closed, rewake)
    };
    loop {
        let msg = match lp.handle_mut::<Port<S, T>>(id) {
            Ok(h) if !h.is_closing() && h.data.end.is_some() => match h.data.batch.pop_front() {
                Some(m) => m,
                None => break,
            },
            // closed or detached by a callback: what is left is dropped with the handle, or
            // went back to the queue with the detached end
            _ => return,
        };
        lp.dispatch_handle::<Port<S, T>, _>(
            s,
            id,
            "port.message",
            |p| &mut p.on_event,
            move |f, lp, s| (f.borrow_mut())(lp, s, port, PortEvent::Message(msg)),
        );
    }
    if let Some(r) = rewake {
        r.done();
    }
    if closed {
        // the other end closed: after its last messages, this end closes too
        let _ = close_port::<S, T>(lp, id);
    }
}

fn close_port<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
) -> Result<CloseToken<'_, S>> {
    let h = lp.handle_mut::<Port<S, T>>(id)?;
    if h.is_closing() {
        return Err(Error::new(ruv_core::Code::EINVAL).with_detail("port is already closing"));
    }
    let end = h.data.end.take();
    let wake = h.data.wake.take();
    h.data.batch.clear();
    // closes both directions (the drop); the other end is woken to see it
    drop(end);
    if let Some(w) = wake {
        w.close(lp)?;
    }
    lp.close_handle_with::<Port<S, T>>(id, finish_port::<S, T>)
}

/// The closing phase: frees the slot, then reports `Close` (not for a detached port).
fn finish_port<S: 'static, T: Send + 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(h) = lp.handles::<Port<S, T>>().remove(id) else {
        return;
    };
    let Port { keep, detached, .. } = h.data;
    if detached {
        return;
    }
    if let Some(cb) = keep {
        let port = MessagePort(id, PhantomData);
        lp.run_callback(s, "port.close", Some(id), cb.site, move |lp, s| {
            (cb.f.borrow_mut())(lp, s, port, PortEvent::Close)
        });
    }
}
