//! Node's `net.Server` over a listening [`Tcp`].

use super::codes::{ERR_SERVER_ALREADY_LISTEN, ERR_SERVER_NOT_RUNNING};
use super::socket::{self, Socket, SocketOptions};
use crate::stream::{self, StreamId};
use crate::Tcp;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Code, Error, Loop, Result};
use std::cell::RefCell;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;

/// Node's default `listen` backlog.
pub const DEFAULT_BACKLOG: i32 = 511;

/// What a [`Server`] tells its callback: Node's `net.Server` events.
#[derive(Debug)]
pub enum ServerEvent {
    /// Listening (`'listening'`), on the next tick after [`Server::listen`].
    Listening,
    /// A new connection (`'connection'`): set its callback with [`Socket::on`] (data that
    /// comes before is kept for it).
    Connection(Socket),
    /// An accept error (`'error'`: `EMFILE` …); the server goes on listening.
    Error(Error),
    /// The server is closed (`'close'`): on the next tick after [`Server::close`] when no
    /// connection is left, else after the last one is destroyed. The id is stale after it.
    Close,
}

/// Options of a server (Node's `net.createServer(options)`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerOptions {
    /// The `allow_half_open` of the sockets it accepts.
    pub allow_half_open: bool,
}

/// A Node-level server: a `Copy` id into ruv-core's registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Server(HandleId);

type ServerFn<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, Server, ServerEvent) -> Result<()>>;

struct State<S> {
    cb: Rc<RefCell<ServerFn<S>>>,
    site: &'static Location<'static>,
    opts: ServerOptions,
    listener: Option<Tcp>,
    connections: usize,
    /// `close` was called and `Close` is not queued yet.
    closing: bool,
}

fn state<S: 'static>(lp: &mut Loop<S>, server: Server) -> Result<&mut State<S>> {
    Ok(&mut lp.handle_mut::<State<S>>(server.0)?.data)
}

fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, server: Server, ev: ServerEvent) -> Result<()> {
    let Ok(st) = state(lp, server) else {
        return Ok(());
    };
    let cb = st.cb.clone();
    let mut f = cb.borrow_mut();
    (*f)(lp, s, server, ev)
}

/// Runs `f` on the next tick; an error it returns is the loop's uncaught error.
///
/// Ticks drain after a top-level callback. Called outside one (a `listen` in `main`, not
/// inside `ruv_node::enter`), the tick would wait for some callback, possibly forever (a
/// listener waits for a connection): an empty deferred callback runs the queue then.
pub(crate) fn tick<S: 'static>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> Result<()> + 'static,
) -> Result<()> {
    ruv_node::next_tick(lp, move |lp, s| {
        if let Err(e) = f(lp, s) {
            lp.report_error(s, e);
        }
    })?;
    if lp.current_callback().is_none() {
        lp.defer(|_: &mut Loop<S>, _: &mut S| {});
    }
    Ok(())
}

/// Node's `_emitCloseIfDrained`.
fn emit_close_if_drained<S: 'static>(lp: &mut Loop<S>, server: Server) {
    let Ok(st) = state(lp, server) else { return };
    if !st.closing || st.connections > 0 {
        return;
    }
    st.closing = false;
    let _ = tick(lp, move |lp, s| {
        let Some(h) = lp.handles::<State<S>>().remove(server.0) else {
            return Ok(());
        };
        let mut f = h.data.cb.borrow_mut();
        (*f)(lp, s, server, ServerEvent::Close)
    });
}

/// A socket of `server` was destroyed.
pub(crate) fn connection_gone<S: 'static>(lp: &mut Loop<S>, server: Server) {
    if let Ok(st) = state(lp, server) {
        st.connections = st.connections.saturating_sub(1);
        emit_close_if_drained(lp, server);
    }
}

fn on_connection<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    server: Server,
    listener: StreamId,
    res: Result<()>,
) -> Result<()> {
    if let Err(e) = res {
        return emit(lp, s, server, ServerEvent::Error(e));
    }
    let tcp = Tcp(stream::accept(lp, listener)?);
    let (opts, site) = match state(lp, server) {
        Ok(st) => (st.opts, st.site),
        Err(_) => return Ok(()),
    };
    let sock_opts = SocketOptions {
        allow_half_open: opts.allow_half_open,
    };
    let sock = socket::adopt(lp, tcp, sock_opts, Some(server), None, site)?;
    if let Ok(st) = state(lp, server) {
        st.connections += 1;
    }
    emit(lp, s, server, ServerEvent::Connection(sock))
}

impl Server {
    /// Node's `net.createServer(options, listener)`: `cb` gets the server's events.
    ///
    /// # Errors
    /// None today (the `Result` leaves room for options that can fail).
    #[track_caller]
    pub fn create<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        opts: ServerOptions,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Server, ServerEvent) -> R + 'static,
    ) -> Result<Server> {
        let f: ServerFn<S> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        let id = lp.handles::<State<S>>().insert(Handle::new(State {
            cb: Rc::new(RefCell::new(f)),
            site: Location::caller(),
            opts,
            listener: None,
            connections: 0,
            closing: false,
        }));
        Ok(Server(id))
    }

    /// Node's `server.listen(port, host)` with the default backlog (511); `Listening` on
    /// the next tick.
    ///
    /// # Errors
    /// Synchronously (Node emits them as `'error'` on the next tick): `EADDRINUSE`, the
    /// `socket`/`bind`/`listen` errors, `ERR_SERVER_ALREADY_LISTEN`, `EBADF` for a closed
    /// server.
    pub fn listen<S: 'static>(self, lp: &mut Loop<S>, addr: SocketAddr) -> Result<()> {
        self.listen_with(lp, addr, DEFAULT_BACKLOG)
    }

    /// [`listen`](Server::listen) with a backlog.
    ///
    /// # Errors
    /// As [`listen`](Server::listen).
    pub fn listen_with<S: 'static>(
        self,
        lp: &mut Loop<S>,
        addr: SocketAddr,
        backlog: i32,
    ) -> Result<()> {
        let st = state(lp, self)?;
        if st.listener.is_some() {
            return Err(Error::new(ERR_SERVER_ALREADY_LISTEN));
        }
        if st.closing {
            return Err(Error::new(Code::EBADF).with_detail("server is closing"));
        }
        let site = st.site;
        let tcp = Tcp::bind(lp, addr)?;
        let server = self;
        let f: stream::ConnFn<S> = Box::new(move |lp, s, l, r| on_connection(lp, s, server, l, r));
        if let Err(e) = stream::listen_start(lp, tcp.0, backlog, Callback::at(f, site)) {
            tcp.destroy(lp, None);
            return Err(e);
        }
        state(lp, self)?.listener = Some(tcp);
        tick(lp, move |lp, s| emit(lp, s, server, ServerEvent::Listening))
    }

    /// Node's `server.close()`: stops listening now; `Close` comes on the next tick if no
    /// connection is left, else once the last one is destroyed.
    ///
    /// # Errors
    /// `ERR_SERVER_NOT_RUNNING` if it is not listening (Node passes that to the close
    /// callback), `EBADF` for a closed server.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let st = state(lp, self)?;
        let Some(l) = st.listener.take() else {
            return Err(Error::new(ERR_SERVER_NOT_RUNNING));
        };
        st.closing = true;
        l.destroy(lp, None);
        emit_close_if_drained(lp, self);
        Ok(())
    }

    /// The listening address (`server.address()`).
    ///
    /// # Errors
    /// `ERR_SERVER_NOT_RUNNING` when not listening, `EBADF` for a closed server.
    pub fn address<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        match lp.handle::<State<S>>(self.0)?.data.listener {
            Some(l) => l.local_addr(lp),
            None => Err(Error::new(ERR_SERVER_NOT_RUNNING)),
        }
    }

    /// How many accepted sockets are not destroyed yet (`server.getConnections`).
    ///
    /// # Errors
    /// `EBADF` for a closed server.
    pub fn connections<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        Ok(lp.handle::<State<S>>(self.0)?.data.connections)
    }

    /// Referenced (default) or not: an unreferenced server does not keep the loop alive. A
    /// no-op when not listening.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        if let Ok(Some(l)) = state(lp, self).map(|st| st.listener) {
            l.set_ref(lp, on);
        }
    }
}
