//! Node's `net.Server` and `net.Socket` on top of [`Tcp`](crate::Tcp): Node's events, in
//! Node's order and with Node's timing.
//!
//! * [`Server`]: `'listening'` on the next tick after [`Server::listen`] (default backlog
//!   511), `'connection'` for each accepted socket, `'close'` on the next tick once
//!   [`Server::close`] was called and no connection is left (Node's
//!   `_emitCloseIfDrained`), `'error'` for accept errors.
//! * [`Socket`]: `'connect'`, `'data'`, `'end'`, `'drain'`, `'finish'`, `'timeout'`,
//!   `'error'`, `'close'` (with `had_error`). With `allow_half_open: false` (Node's
//!   default) a socket whose peer ended ends its own side, and a socket whose both sides
//!   ended is destroyed (Node's `autoDestroy`); an error destroys it. Idle timeouts
//!   ([`Socket::set_timeout`]) emit `'timeout'` and do not close anything.
//!
//! The next-tick timing is ruv-node's [`next_tick`](ruv_node::next_tick): ruv-net depends
//! on ruv-node for this module (ruv-node depends only on ruv-core, so there is no cycle).
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_net::node::{Server, ServerEvent, Socket, SocketEvent};
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! let server = Server::create(&mut lp, Default::default(), |lp, log, server, ev| {
//!     match ev {
//!         ServerEvent::Listening => {
//!             let addr = server.address(lp)?;
//!             Socket::connect(lp, addr, Default::default(), move |lp, log, _me, ev| {
//!                 match ev {
//!                     SocketEvent::Data(d) => log.push(String::from_utf8_lossy(d).into()),
//!                     SocketEvent::Close { .. } => server.close(lp)?,
//!                     _ => {}
//!                 }
//!                 Ok(())
//!             })?;
//!         }
//!         ServerEvent::Connection(sock) => {
//!             sock.end(lp, Some(b"hello".to_vec()))?;
//!         }
//!         ServerEvent::Close => log.push("server closed".into()),
//!         ServerEvent::Error(e) => return Err(e),
//!     }
//!     Ok(())
//! })?;
//! server.listen(&mut lp, "127.0.0.1:0".parse().unwrap())?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["hello", "server closed"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```

mod server;
mod socket;

pub use server::{Server, ServerEvent, ServerOptions, DEFAULT_BACKLOG};
pub use socket::{Socket, SocketEvent, SocketOptions};

/// The codes of the Node-level layer.
pub mod codes {
    use ruv_core::Code;

    /// `server.close()` on a server that is not listening.
    pub const ERR_SERVER_NOT_RUNNING: Code =
        Code::new("ERR_SERVER_NOT_RUNNING", "Server is not running.");
    /// `server.listen()` on a server that is already listening.
    pub const ERR_SERVER_ALREADY_LISTEN: Code = Code::new(
        "ERR_SERVER_ALREADY_LISTEN",
        "Listen method has been called more than once without closing.",
    );
}
