//! Node's `http.Server`: connections accepted (or adopted) by a server, requests parsed
//! strictly and handed to one callback with their response, Node's limits and timeouts.
//!
//! See the crate docs for an example and `docs/http.md` for the design.

mod closing;
mod conn;
mod exchange;
mod message;
mod respond;

pub use conn::Connection;
pub use exchange::{Request, Response};

use crate::codes::{ERR_SERVER_ALREADY_LISTEN, ERR_SERVER_NOT_RUNNING};
use crate::date::DateCache;
use crate::parse::RequestHead;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Code, Error, Loop, Result, Timer};
use ruv_net::Tcp;
use std::net::SocketAddr;

/// Node's default `listen` backlog.
pub const DEFAULT_BACKLOG: i32 = 511;

/// A server's limits and timeouts (Node's `http.createServer(options)` and the server's
/// timeout properties), with Node 20's defaults. Times are in milliseconds; 0 turns a
/// timeout off.
#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    /// The most bytes of a request line and headers (`maxHeaderSize`, 16 KiB): more is
    /// answered 431.
    pub max_header_size: usize,
    /// The most header fields kept per request (`maxHeadersCount`, 2000): later ones are
    /// dropped, as Node does.
    pub max_headers_count: usize,
    /// Time for a request's head to arrive, from its first byte (`headersTimeout`, 60 s):
    /// then 408 and the connection is closed.
    pub headers_timeout: u64,
    /// Time for a whole request to arrive (`requestTimeout`, 300 s): then 408 and close.
    pub request_timeout: u64,
    /// How long an idle keep-alive connection stays open after a response
    /// (`keepAliveTimeout`, 5 s), advertised as `Keep-Alive: timeout=N`.
    pub keep_alive_timeout: u64,
    /// Socket idle timeout (`server.timeout`, 0 = off): an idle connection gets
    /// [`ServerEvent::Timeout`] and is closed.
    pub timeout: u64,
    /// Requests served per connection (`maxRequestsPerSocket`, 0 = unlimited): the last
    /// one is answered with `Connection: close`, later ones with 503.
    pub max_requests_per_socket: usize,
    /// How often `headers_timeout` and `request_timeout` are checked
    /// (`connectionsCheckingInterval`, 30 s).
    pub connections_checking_interval: u64,
    /// Pending output per connection above which `write` returns `false` and reading
    /// pauses (`highWaterMark`, 16 KiB).
    pub high_water_mark: usize,
    /// `TCP_NODELAY` on accepted connections (`noDelay`, on).
    pub no_delay: bool,
    /// Requests with `Expect: 100-continue` are reported as [`ServerEvent::CheckContinue`]
    /// (a `'checkContinue'` listener); off: `100 Continue` is sent and they are ordinary
    /// requests.
    pub check_continue: bool,
    /// Responses without a `Date` header get one (`sendDate`, on).
    pub send_date: bool,
    /// The most responses a connection may owe before its pipelined requests stop being
    /// read (ruv's bound; Node has none).
    pub max_pipelined: usize,
    /// HTTP/1.1 requests without a `Host` header are answered 400 and the connection
    /// closed (`requireHostHeader`, on).
    pub require_host_header: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_header_size: 16 * 1024,
            max_headers_count: 2000,
            headers_timeout: 60_000,
            request_timeout: 300_000,
            keep_alive_timeout: 5_000,
            timeout: 0,
            max_requests_per_socket: 0,
            connections_checking_interval: 30_000,
            high_water_mark: 16 * 1024,
            no_delay: true,
            check_continue: false,
            send_date: true,
            max_pipelined: 64,
            require_host_header: true,
        }
    }
}

/// What a [`Server`] tells its callback: Node's `http.Server` events.
#[derive(Debug)]
pub enum ServerEvent<'a> {
    /// Listening (`'listening'`), on the next tick after [`Server::listen`].
    Listening,
    /// A connection was accepted (`'connection'`).
    Connection(Connection),
    /// A request (`'request'`): its head is complete; the body follows as the request's
    /// events. The response must be ended, now or later.
    Request(Request, Response),
    /// A request with `Expect: 100-continue` when [`ServerOptions::check_continue`] is on
    /// (`'checkContinue'`): call [`Response::write_continue`] to have the body sent, or
    /// answer at once.
    CheckContinue(Request, Response),
    /// A request beyond `max_requests_per_socket` (`'dropRequest'`): it is answered 503.
    DropRequest(Request),
    /// A malformed request or a request timeout (`'clientError'`). After the callback
    /// Node's default runs unless the callback destroyed the connection: 431 for
    /// `HPE_HEADER_OVERFLOW`, 408 for `ERR_HTTP_REQUEST_TIMEOUT`, 400 otherwise (only if
    /// no response has started on it), then the connection is closed.
    ClientError {
        /// The connection.
        conn: Connection,
        /// What was wrong (`HPE_*` or `ERR_HTTP_REQUEST_TIMEOUT`).
        error: &'a Error,
    },
    /// A connection was idle for [`ServerOptions::timeout`] (`'timeout'`); it is closed
    /// after the callback.
    Timeout(Connection),
    /// An accept error (`'error'`: `EMFILE` …); the server goes on listening.
    Error(Error),
    /// The server is closed (`'close'`): after [`Server::close`], once no connection is
    /// left. Its id is stale after this.
    Close,
}

/// An HTTP server: a `Copy` id into ruv-core's registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Server(pub(crate) HandleId);

pub(crate) type ServerFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Server, ServerEvent<'a>) -> Result<()>>;

pub(crate) struct ServerState<S> {
    pub(crate) cb: Option<Callback<ServerFn<S>>>,
    pub(crate) opts: ServerOptions,
    listener: Option<Tcp>,
    /// [`Server::listen_remote`]: the address another process listens on for it.
    remote: Option<SocketAddr>,
    /// Open connections; each knows its index here.
    pub(crate) conns: Vec<HandleId>,
    /// `close` was called.
    pub(crate) closing: bool,
    /// `Close` was queued.
    close_queued: bool,
    check_timer: Option<Timer>,
    /// [`Server::on_close`] callbacks, run once after `Close`.
    on_close: Vec<Callback<CloseFn<S>>>,
}

type CloseFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S) -> Result<()>>;

/// What every server on a thread shares: the `Date` of the current second and recycled
/// request heads and response buffers (thread-local: no lookup in the loop per request).
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) date: DateCache,
    pub(crate) heads: Vec<RequestHead>,
    pub(crate) outs: Vec<(crate::headers::OutgoingHeaders, Vec<u8>)>,
}

thread_local! {
    static SHARED: std::cell::RefCell<Shared> = std::cell::RefCell::new(Shared::default());
}

/// Runs `f` on this thread's [`Shared`].
pub(crate) fn with_shared<R>(f: impl FnOnce(&mut Shared) -> R) -> R {
    SHARED.with(|sh| f(&mut sh.borrow_mut()))
}

pub(crate) fn state<S: 'static>(lp: &mut Loop<S>, server: Server) -> Option<&mut ServerState<S>> {
    lp.handles::<ServerState<S>>()
        .get_mut(server.0)
        .map(|h| &mut h.data)
}

/// Calls the server's callback with `ev` (nothing for a closed server).
pub(crate) fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, server: Server, ev: ServerEvent<'_>) {
    let kind = match ev {
        ServerEvent::Request(..) => "http.request",
        ServerEvent::Connection(_) => "http.connection",
        ServerEvent::ClientError { .. } => "http.clientError",
        _ => "http.server",
    };
    lp.dispatch_handle::<ServerState<S>, ServerFn<S>>(
        s,
        server.0,
        kind,
        |st| &mut st.cb,
        |f, lp, s| f(lp, s, server, ev),
    );
}

/// Runs `f` on the next tick (ruv-node's queue); see `ruv_net::node` for why an empty
/// deferred callback follows when called outside a callback.
fn tick<S: 'static>(lp: &mut Loop<S>, f: impl FnOnce(&mut Loop<S>, &mut S) + 'static) {
    if ruv_node::next_tick(lp, f).is_ok() && lp.current_callback().is_none() {
        lp.defer(|_: &mut Loop<S>, _: &mut S| {});
    }
}

/// Node's `_emitCloseIfDrained`.
pub(crate) fn emit_close_if_drained<S: 'static>(lp: &mut Loop<S>, server: Server) {
    let Some(st) = state(lp, server) else { return };
    let listening = st.listener.is_some() || st.remote.is_some();
    if !st.closing || listening || !st.conns.is_empty() || st.close_queued {
        return;
    }
    st.close_queued = true;
    let timer = st.check_timer.take();
    if let Some(t) = timer {
        t.stop(lp);
        t.close(lp).ok();
    }
    tick(lp, move |lp, s| {
        emit(lp, s, server, ServerEvent::Close);
        let waiting = state(lp, server)
            .map(|st| std::mem::take(&mut st.on_close))
            .unwrap_or_default();
        lp.close_handle::<ServerState<S>>(server.0).ok();
        for Callback { f, site } in waiting {
            lp.run_callback(s, "http.close", Some(server.0), site, f);
        }
    });
}

impl Server {
    /// Node's `http.createServer(options, listener)`: `cb` gets the server's events.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` for a zero `max_header_size` or `max_pipelined`.
    #[track_caller]
    pub fn create<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        opts: ServerOptions,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Server, ServerEvent<'a>) -> R + 'static,
    ) -> Result<Server> {
        if opts.max_header_size == 0 {
            return Err(Error::out_of_range("options.maxHeaderSize", ">= 1", 0));
        }
        if opts.max_pipelined == 0 {
            return Err(Error::out_of_range("options.maxPipelined", ">= 1", 0));
        }
        let f: ServerFn<S> = Box::new(move |lp, s, me, ev| cb(lp, s, me, ev).into_result());
        let id = lp
            .handles::<ServerState<S>>()
            .insert(Handle::new(ServerState {
                cb: Some(Callback::new(f)),
                opts,
                listener: None,
                remote: None,
                conns: Vec::new(),
                closing: false,
                close_queued: false,
                check_timer: None,
                on_close: Vec::new(),
            }));
        Ok(Server(id))
    }

    /// Node's `server.listen(port, host)` with the default backlog; `Listening` on the
    /// next tick.
    ///
    /// # Errors
    /// `EADDRINUSE` and the other `bind`/`listen` errors (synchronously; Node emits them
    /// as `'error'`), `ERR_SERVER_ALREADY_LISTEN`, `EBADF` for a closed server.
    pub fn listen<S: 'static>(self, lp: &mut Loop<S>, addr: SocketAddr) -> Result<()> {
        self.check_can_listen(lp)?;
        let tcp = Tcp::bind(lp, addr)?;
        self.listen_on(lp, tcp, DEFAULT_BACKLOG)
    }

    /// Listens on a socket it was handed (bound by the caller, say with `SO_REUSEPORT`,
    /// or received from another process: `Tcp::open`), with `backlog`.
    ///
    /// # Errors
    /// As [`listen`](Server::listen); on error the socket is closed.
    pub fn listen_on<S: 'static>(self, lp: &mut Loop<S>, tcp: Tcp, backlog: i32) -> Result<()> {
        if let Err(e) = self.check_can_listen(lp) {
            tcp.destroy(lp, None);
            return Err(e);
        }
        let server = self;
        let r = tcp.listen(lp, backlog, move |lp, s, l, r| {
            on_connection(lp, s, server, l, r)
        });
        if let Err(e) = r {
            tcp.destroy(lp, None);
            return Err(e);
        }
        if let Some(st) = state(lp, self) {
            st.listener = Some(tcp);
        }
        self.start_checking(lp)?;
        tick(lp, move |lp, s| emit(lp, s, server, ServerEvent::Listening));
        Ok(())
    }

    /// Listens through another process: a cluster primary's round-robin listener at
    /// `addr` accepts, and hands this server its connections ([`adopt`](Server::adopt)).
    /// The server behaves as a listening one: `Listening` on the next tick,
    /// [`address`](Server::address) is `addr`, [`close`](Server::close) stops it and emits
    /// `Close` once its connections are done, even if it never got one.
    ///
    /// # Errors
    /// `ERR_SERVER_ALREADY_LISTEN`, `EBADF` for a closed server.
    pub fn listen_remote<S: 'static>(self, lp: &mut Loop<S>, addr: SocketAddr) -> Result<()> {
        self.check_can_listen(lp)?;
        if let Some(st) = state(lp, self) {
            st.remote = Some(addr);
        }
        let server = self;
        tick(lp, move |lp, s| emit(lp, s, server, ServerEvent::Listening));
        Ok(())
    }

    fn check_can_listen<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let st = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        if st.listener.is_some() || st.remote.is_some() {
            return Err(Error::new(ERR_SERVER_ALREADY_LISTEN));
        }
        if st.closing {
            return Err(Error::new(Code::EBADF).with_detail("server is closed"));
        }
        Ok(())
    }

    /// Serves a connection it did not accept itself (Node's
    /// `server.emit('connection', socket)`): a connected [`Tcp`] whose event callback
    /// the server takes over. No [`ServerEvent::Connection`] is emitted for it.
    ///
    /// # Errors
    /// `EBADF` for a closed server or a stale or closing socket.
    pub fn adopt<S: 'static>(self, lp: &mut Loop<S>, tcp: Tcp) -> Result<Connection> {
        let st = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        if st.closing {
            return Err(Error::new(Code::EBADF).with_detail("server is closed"));
        }
        let no_delay = st.opts.no_delay;
        if no_delay {
            tcp.set_nodelay(lp, true)?;
        }
        self.start_checking(lp)?;
        conn::open(lp, self, tcp)
    }

    /// The periodic check of `headers_timeout` and `request_timeout` (unreferenced).
    fn start_checking<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let Some(st) = state(lp, self) else {
            return Ok(());
        };
        let every = st.opts.connections_checking_interval;
        let needed = st.opts.headers_timeout > 0 || st.opts.request_timeout > 0;
        if st.check_timer.is_some() || every == 0 || !needed {
            return Ok(());
        }
        let t = Timer::new(lp)?;
        let server = self;
        t.start(lp, every, every, move |lp, s, _| {
            closing::check_timeouts(lp, s, server)
        })?;
        t.set_ref(lp, false);
        if let Some(st) = state(lp, self) {
            st.check_timer = Some(t);
        }
        Ok(())
    }

    /// Node's `server.close()`: stops accepting, closes idle connections now (Node ≥ 19)
    /// and each busy one once its responses are done: the last response owed on it says
    /// `Connection: close` if its head is written after this call (Node 20 says `keep-alive` and
    /// keeps the connection until its keep-alive timeout; see docs/http.md). `Close`
    /// follows when none is left ([`on_close`](Server::on_close) for code outside the
    /// server's callback).
    ///
    /// # Errors
    /// `ERR_SERVER_NOT_RUNNING` if it is neither listening nor serving adopted
    /// connections, `EBADF` for a closed server.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let st = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        let listening = st.listener.is_some() || st.remote.is_some();
        if st.closing || (!listening && st.conns.is_empty()) {
            return Err(Error::new(ERR_SERVER_NOT_RUNNING));
        }
        st.closing = true;
        st.remote = None;
        let conns = st.conns.clone();
        if let Some(l) = st.listener.take() {
            l.destroy(lp, None);
        }
        for c in conns {
            if let Some(c) = conn::get(lp, c) {
                c.server_closing = true;
            }
        }
        self.close_idle_connections(lp);
        emit_close_if_drained(lp, self);
        Ok(())
    }

    /// Runs `cb` once, after [`ServerEvent::Close`] (the server's id is stale by then): for
    /// code that is not the server's callback and must learn that the server has fully
    /// closed (a cluster worker waiting to disconnect). Several may wait; they run in the
    /// order given. An error `cb` returns goes to the loop's error handling, as any
    /// callback's.
    ///
    /// # Errors
    /// `EBADF` for a server already closed (see [`is_closed`](Server::is_closed)).
    #[track_caller]
    pub fn on_close<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static,
    ) -> Result<()> {
        let f: CloseFn<S> = Box::new(move |lp, s| cb(lp, s).into_result());
        let cb = Callback::new(f);
        if self.is_closed(lp) {
            return Err(Error::new(Code::EBADF).with_detail("the server is closed"));
        }
        let st = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        st.on_close.push(cb);
        Ok(())
    }

    /// Whether the server has fully closed: `Close` was emitted and its id is stale.
    pub fn is_closed<S: 'static>(self, lp: &Loop<S>) -> bool {
        lp.handle::<ServerState<S>>(self.0)
            .map_or(true, |h| h.is_closing())
    }

    /// Node's `server.closeAllConnections()`: destroys every connection.
    pub fn close_all_connections<S: 'static>(self, lp: &mut Loop<S>) {
        let conns = state(lp, self)
            .map(|st| st.conns.clone())
            .unwrap_or_default();
        for c in conns {
            Connection(c).destroy(lp);
        }
    }

    /// Node's `server.closeIdleConnections()`: destroys the connections that owe no
    /// response and are not receiving a request.
    pub fn close_idle_connections<S: 'static>(self, lp: &mut Loop<S>) {
        let conns = state(lp, self)
            .map(|st| st.conns.clone())
            .unwrap_or_default();
        for c in conns {
            if conn::is_idle(lp, c) {
                // what was answered last is still written, then FIN
                conn::end_socket(lp, c);
            }
        }
    }

    /// The listening address (`server.address()`).
    ///
    /// # Errors
    /// `ERR_SERVER_NOT_RUNNING` when not listening, `EBADF` for a closed server.
    pub fn address<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        let st = &lp.handle::<ServerState<S>>(self.0)?.data;
        match (st.listener, st.remote) {
            (Some(l), _) => l.local_addr(lp),
            (None, Some(a)) => Ok(a),
            (None, None) => Err(Error::new(ERR_SERVER_NOT_RUNNING)),
        }
    }

    /// Open connections (`server.getConnections`).
    ///
    /// # Errors
    /// `EBADF` for a closed server.
    pub fn connections<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        Ok(lp.handle::<ServerState<S>>(self.0)?.data.conns.len())
    }

    /// Whether [`close`](Server::close) was called.
    pub fn is_closing<S: 'static>(self, lp: &Loop<S>) -> bool {
        lp.handle::<ServerState<S>>(self.0)
            .map_or(true, |h| h.data.closing)
    }

    /// Referenced (default) or not: an unreferenced server's listener does not keep the
    /// loop alive. A no-op when not listening.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        if let Some(l) = state(lp, self).and_then(|st| st.listener) {
            l.set_ref(lp, on);
        }
    }

    /// The options the server was created with.
    ///
    /// # Errors
    /// `EBADF` for a closed server.
    pub fn options<S: 'static>(self, lp: &Loop<S>) -> Result<ServerOptions> {
        Ok(lp.handle::<ServerState<S>>(self.0)?.data.opts)
    }
}

fn on_connection<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    server: Server,
    listener: Tcp,
    res: Result<()>,
) {
    if let Err(e) = res {
        emit(lp, s, server, ServerEvent::Error(e));
        return;
    }
    let accepted = listener.accept(lp).and_then(|tcp| {
        let no_delay = state(lp, server).is_some_and(|st| st.opts.no_delay);
        if no_delay {
            if let Err(e) = tcp.set_nodelay(lp, true) {
                tcp.destroy(lp, None);
                return Err(e);
            }
        }
        conn::open(lp, server, tcp)
    });
    match accepted {
        Ok(c) => emit(lp, s, server, ServerEvent::Connection(c)),
        Err(e) => emit(lp, s, server, ServerEvent::Error(e)),
    }
}
