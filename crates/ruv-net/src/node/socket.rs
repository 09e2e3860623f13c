//! Node's `net.Socket` over a [`Tcp`].

use super::server::{self, Server};
use crate::stream::{self, StreamId};
use crate::Tcp;
use ruv_core::registry::{Callback, HandleId};
use ruv_core::stream::StreamEvent;
use ruv_core::{CallbackResult, Code, Error, Loop, Result, Timer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;

/// What a [`Socket`] tells its callback: Node's `net.Socket` events.
#[derive(Debug)]
pub enum SocketEvent<'a> {
    /// The connection is established (`'connect'`; client sockets only).
    Connect,
    /// Data read (`'data'`): valid for the call.
    Data(&'a [u8]),
    /// The peer ended its side (`'end'`).
    End,
    /// The write queue drained after a `write` returned `false` (`'drain'`).
    Drain,
    /// `end` was called and everything is flushed (`'finish'`).
    Finish,
    /// No activity for the [`set_timeout`](Socket::set_timeout) delay (`'timeout'`);
    /// nothing is closed.
    Timeout,
    /// The socket failed (`'error'`); it is destroyed, `Close` follows.
    Error(Error),
    /// The socket is closed (`'close'`), the last event; `had_error` as Node's.
    Close {
        /// Whether an `Error` was emitted.
        had_error: bool,
    },
}

/// Options of a socket (Node's `allowHalfOpen`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SocketOptions {
    /// Keep the writable side open after the peer ended (default false: end it, then
    /// destroy the socket once both sides are done).
    pub allow_half_open: bool,
}

/// A Node-level socket: a `Copy` id; its [`Tcp`] is [`tcp`](Socket::tcp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Socket(pub(crate) Tcp);

type SockFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Socket, SocketEvent<'a>) -> Result<()>>;

struct State<S> {
    cb: Option<Rc<RefCell<SockFn<S>>>>,
    site: &'static Location<'static>,
    allow_half_open: bool,
    read_ended: bool,
    write_ended: bool,
    finished: bool,
    destroyed: bool,
    had_error: bool,
    timeout: u64,
    timer: Option<Timer>,
    server: Option<Server>,
    /// Data read before the program set a callback (Node's paused mode): kept, and reading
    /// paused, until [`Socket::on`].
    buffered: Vec<u8>,
}

type Table<S> = HashMap<HandleId, State<S>>;

fn table<S: 'static>(lp: &mut Loop<S>) -> &mut Table<S> {
    lp.extension_or_insert_with(Table::<S>::new)
}

fn state<S: 'static>(lp: &mut Loop<S>, sock: Socket) -> Option<&mut State<S>> {
    table(lp).get_mut(&sock.0.id())
}

/// Calls the socket's callback with `ev`.
fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, sock: Socket, ev: SocketEvent<'_>) -> Result<()> {
    let Some(cb) = state(lp, sock).and_then(|st| st.cb.clone()) else {
        return Ok(());
    };
    let mut f = cb.borrow_mut();
    (*f)(lp, s, sock, ev)
}

/// Activity: the idle timer starts over.
fn touch<S: 'static>(lp: &mut Loop<S>, sock: Socket) {
    if let Some(st) = state(lp, sock) {
        if let (Some(t), ms) = (st.timer, st.timeout) {
            if ms > 0 {
                let _ = t.restart(lp, ms, 0);
            }
        }
    }
}

/// Both sides done: Node's autoDestroy.
fn maybe_destroy<S: 'static>(lp: &mut Loop<S>, sock: Socket) {
    if state(lp, sock).is_some_and(|st| st.read_ended && st.finished) {
        sock.destroy(lp, None);
    }
}

/// The socket's stream events, as Node's socket turns them into its events.
fn on_stream<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    sock: Socket,
    ev: StreamEvent<'_>,
) -> Result<()> {
    match ev {
        StreamEvent::Data(d) => {
            touch(lp, sock);
            match state(lp, sock) {
                Some(st) if st.cb.is_none() => {
                    st.buffered.extend_from_slice(d);
                    sock.0.pause(lp);
                    Ok(())
                }
                _ => emit(lp, s, sock, SocketEvent::Data(d)),
            }
        }
        StreamEvent::End => {
            if let Some(st) = state(lp, sock) {
                st.read_ended = true;
            }
            emit(lp, s, sock, SocketEvent::End)?;
            let half = state(lp, sock).is_some_and(|st| st.allow_half_open || st.write_ended);
            if !half && !sock.0.is_closing(lp) {
                sock.end(lp, None)?;
            }
            maybe_destroy(lp, sock);
            Ok(())
        }
        StreamEvent::Drain => {
            touch(lp, sock);
            emit(lp, s, sock, SocketEvent::Drain)
        }
        StreamEvent::Finish => {
            if let Some(st) = state(lp, sock) {
                st.finished = true;
            }
            emit(lp, s, sock, SocketEvent::Finish)?;
            maybe_destroy(lp, sock);
            Ok(())
        }
        StreamEvent::Error(e) => {
            if let Some(st) = state(lp, sock) {
                st.had_error = true;
            }
            let res = emit(lp, s, sock, SocketEvent::Error(e));
            sock.destroy(lp, None);
            res
        }
        StreamEvent::Close => {
            sock.destroy(lp, None); // counts the connection off its server if not done yet
            let Some(st) = table(lp).remove(&sock.0.id()) else {
                return Ok(());
            };
            if let Some(t) = st.timer {
                let _ = t.close(lp);
            }
            let Some(cb) = st.cb else { return Ok(()) };
            let mut f = cb.borrow_mut();
            (*f)(
                lp,
                s,
                sock,
                SocketEvent::Close {
                    had_error: st.had_error,
                },
            )
        }
    }
}

/// Wraps `tcp` as a socket: its stream events go to the Node layer (registered at `site`).
pub(crate) fn adopt<S: 'static>(
    lp: &mut Loop<S>,
    tcp: Tcp,
    opts: SocketOptions,
    server: Option<Server>,
    cb: Option<SockFn<S>>,
    site: &'static Location<'static>,
) -> Result<Socket> {
    let sock = Socket(tcp);
    table(lp).insert(
        tcp.id(),
        State {
            cb: cb.map(|f| Rc::new(RefCell::new(f))),
            site,
            allow_half_open: opts.allow_half_open,
            read_ended: false,
            write_ended: false,
            finished: false,
            destroyed: false,
            had_error: false,
            timeout: 0,
            timer: None,
            server,
            buffered: Vec::new(),
        },
    );
    let f: stream::EventCb<S> = Box::new(move |lp, s, _: StreamId, ev| on_stream(lp, s, sock, ev));
    stream::set_on_event(lp, tcp.0, Callback::at(f, site))?;
    Ok(sock)
}

impl Socket {
    /// Node's `net.connect(port, host)`: connects to `addr`; `cb` gets the socket's events,
    /// starting with `Connect` (or `Error` then `Close` if the connection fails).
    ///
    /// # Errors
    /// The `socket` error (`EMFILE` …), synchronously.
    #[track_caller]
    pub fn connect<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        addr: SocketAddr,
        opts: SocketOptions,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Socket, SocketEvent<'_>) -> R + 'static,
    ) -> Result<Socket> {
        let site = Location::caller();
        let slot: Rc<RefCell<Option<Socket>>> = Rc::new(RefCell::new(None));
        let me = slot.clone();
        let tcp = Tcp::connect(lp, addr, move |lp: &mut Loop<S>, s: &mut S, r| {
            let Some(sock) = *me.borrow() else {
                return Ok(());
            };
            match r {
                Ok(()) => {
                    touch(lp, sock);
                    emit(lp, s, sock, SocketEvent::Connect)
                }
                Err(e) => {
                    sock.destroy(lp, Some(e));
                    Ok(())
                }
            }
        })?;
        let f: SockFn<S> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        let sock = adopt(lp, tcp, opts, None, Some(f), site)?;
        *slot.borrow_mut() = Some(sock);
        Ok(sock)
    }

    /// Sets the socket's event callback. A server's socket reads from the start; data that
    /// came before its callback was set is kept (and reading paused, Node's paused mode)
    /// and emitted on the next tick after this call.
    ///
    /// # Errors
    /// `EBADF` for a destroyed socket.
    #[track_caller]
    pub fn on<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Socket, SocketEvent<'_>) -> R + 'static,
    ) -> Result<()> {
        let f: SockFn<S> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        let st = match state(lp, self) {
            Some(st) if !st.destroyed => st,
            _ => return Err(Error::new(Code::EBADF).with_detail("socket destroyed")),
        };
        st.cb = Some(Rc::new(RefCell::new(f)));
        st.site = Location::caller();
        let buffered = std::mem::take(&mut st.buffered);
        if buffered.is_empty() {
            self.0.resume(lp);
            return Ok(());
        }
        let sock = self;
        server::tick(lp, move |lp, s| {
            if state(lp, sock).is_some_and(|st| !st.destroyed) {
                emit(lp, s, sock, SocketEvent::Data(&buffered))?;
                sock.0.resume(lp);
            }
            Ok(())
        })
    }

    /// Writes `data`; `false` once the queue reached the high-water mark (wait for
    /// `Drain`). Activity for the idle timeout.
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` after [`end`](Socket::end), `ERR_STREAM_DESTROYED`
    /// after [`destroy`](Socket::destroy).
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
    ) -> Result<bool> {
        self.writable(lp)?;
        touch(lp, self);
        self.0.write(lp, data)
    }

    fn writable<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        match state(lp, self) {
            Some(st) if st.destroyed => Err(Error::new(Code::ERR_STREAM_DESTROYED)),
            Some(st) if st.write_ended => Err(Error::new(Code::ERR_STREAM_WRITE_AFTER_END)),
            Some(_) => Ok(()),
            None => Err(Error::new(Code::ERR_STREAM_DESTROYED)),
        }
    }

    /// Node's `end([data])`: writes `data` if given, then ends the writable side (`Finish`
    /// once flushed). A no-op on an ended or destroyed socket.
    ///
    /// # Errors
    /// The write's or shutdown's synchronous error.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>, data: Option<Vec<u8>>) -> Result<()> {
        if self.writable(lp).is_err() {
            return Ok(());
        }
        if let Some(d) = data {
            self.write(lp, d)?;
        }
        if let Some(st) = state(lp, self) {
            st.write_ended = true;
        }
        self.0.end(lp)
    }

    /// Node's `destroy([err])`: closes the socket now (`Error(err)` if given, then
    /// `Close`); the server it came from counts it off at once. A no-op when destroyed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        let Some(st) = state(lp, self) else { return };
        if st.destroyed {
            return;
        }
        st.destroyed = true;
        if err.is_some() {
            st.had_error = true;
        }
        let server = st.server.take();
        if let Some(t) = st.timer {
            t.stop(lp);
        }
        self.0.destroy(lp, err);
        if let Some(server) = server {
            server::connection_gone(lp, server);
        }
    }

    /// Node's `setTimeout(ms)`: after `ms` without reads or writes, `Timeout` is emitted
    /// (again after the next activity); 0 turns it off. The timer does not keep the loop
    /// alive.
    ///
    /// # Errors
    /// `EBADF` for a destroyed socket.
    pub fn set_timeout<S: 'static>(self, lp: &mut Loop<S>, ms: u64) -> Result<()> {
        let timer = match state(lp, self) {
            Some(st) if !st.destroyed => st.timer,
            _ => return Err(Error::new(Code::EBADF).with_detail("socket destroyed")),
        };
        let timer = match timer {
            Some(t) => t,
            None => {
                let t = Timer::new(lp)?;
                t.set_ref(lp, false);
                let sock = self;
                t.start(lp, u64::MAX, 0, move |lp, s, _| -> Result<()> {
                    if state(lp, sock).is_some_and(|st| !st.destroyed) {
                        return emit(lp, s, sock, SocketEvent::Timeout);
                    }
                    Ok(())
                })?;
                t.stop(lp);
                if let Some(st) = state(lp, self) {
                    st.timer = Some(t);
                }
                t
            }
        };
        if let Some(st) = state(lp, self) {
            st.timeout = ms;
        }
        if ms == 0 {
            timer.stop(lp);
            Ok(())
        } else {
            timer.restart(lp, ms, 0)
        }
    }

    /// Node's `pause()`: no `Data` until [`resume`](Socket::resume).
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        self.0.pause(lp)
    }

    /// Node's `resume()`.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        self.0.resume(lp)
    }

    /// The TCP socket underneath (for `set_nodelay`, `set_keepalive`, `write_queue_size` …).
    pub fn tcp(self) -> Tcp {
        self.0
    }

    /// The local address.
    ///
    /// # Errors
    /// `EBADF` once destroyed.
    pub fn local_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        self.0.local_addr(lp)
    }

    /// The peer's address (`remoteAddress`/`remotePort`).
    ///
    /// # Errors
    /// `EBADF` once destroyed, `ENOTCONN` before the connection is made.
    pub fn remote_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        self.0.peer_addr(lp)
    }

    /// Node's `destroyed`.
    pub fn is_destroyed<S: 'static>(self, lp: &Loop<S>) -> bool {
        lp.extension::<Table<S>>()
            .and_then(|t| t.get(&self.0.id()))
            .is_none_or(|st| st.destroyed)
    }
}
